package frontend

import (
	"context"
	"errors"
	"os"
	"path"
	"strings"

	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"golang.org/x/mod/semver"

	"github.com/gopherfile/gopherfile/internal/gitinfo"
)

// gitPatterns are the files of .git the version is read from: HEAD and the
// refs. The loose objects it needs (the commit, annotated tags: a few
// hundred bytes each) are loaded next, by name (refReader.Prefetch). Pack
// files are left out: they can be hundreds of megabytes, and a packed
// commit only costs the untagged pseudo-version its time.
var gitPatterns = []string{".git/HEAD", ".git/packed-refs", ".git/refs/heads/**", ".git/refs/tags/**"}

// gitInfo reads the commit and release tag of the build context when it
// is a git checkout: a local tree with .git (read as data, through bounded
// reads of the context, .dockerignore applied), or a BuildKit git context,
// whose revision BuildKit reports (vcs:revision) and whose tag is the ref of
// the context URL (https://host/repo.git#v1.2.3). It returns nil when the
// context says nothing.
func (b *build) gitInfo(ctx context.Context) *gitinfo.Info {
	opts := b.bc.BuildOpts().Opts
	if rev := opts["vcs:revision"]; rev != "" && isGitURL(opts["context"]) {
		info := &gitinfo.Info{Commit: rev}
		if _, frag, ok := strings.Cut(opts["context"], "#"); ok {
			ref, _, _ := strings.Cut(frag, ":")
			ref = strings.TrimPrefix(ref, "refs/tags/")
			if semver.IsValid(ref) && semver.Canonical(ref) == ref {
				info.Tag = ref
			}
		}
		return info
	}
	ref := b.loadContextFiles(ctx, "[internal] load .git/HEAD and refs", llb.IncludePatterns(gitPatterns))
	if ref == nil {
		return nil
	}
	info, err := gitinfo.Read(&refReader{ctx: ctx, ref: ref, load: b.loadContextFiles}, ".git")
	if err != nil {
		return nil
	}
	return info
}

// loadContextFiles solves the part of the main context opt selects; nil
// when it cannot.
func (b *build) loadContextFiles(ctx context.Context, name string, opt llb.LocalOption) gwclient.Reference {
	st, err := b.bc.MainContext(ctx, opt, llb.SharedKeyHint("gopherfile-git"), llb.WithCustomName(name), llb.Differ(llb.DiffNone, false))
	if err != nil {
		return nil
	}
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil
	}
	return ref
}

// isGitURL reports whether a context is a git repository URL.
func isGitURL(s string) bool {
	return strings.HasPrefix(s, "git@") || strings.HasPrefix(s, "git://") || strings.HasPrefix(s, "ssh://") ||
		(strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) && (strings.Contains(s, ".git") || strings.Contains(s, "#"))
}

// refReader is a gitinfo.RangeReader over a solved build context: regular
// files only (a link is not followed, even inside the context), every read
// bounded.
type refReader struct {
	ctx context.Context
	ref gwclient.Reference
	// load loads more files of the context (Prefetch); objects is the
	// result, read for every path under .git/objects.
	load    func(ctx context.Context, name string, opt llb.LocalOption) gwclient.Reference
	objects gwclient.Reference
}

// Prefetch loads the named loose objects of .git in one round trip.
func (r *refReader) Prefetch(names []string) {
	if r.load != nil && len(names) > 0 {
		r.objects = r.load(r.ctx, "[internal] load the commit and tag objects of .git", llb.FollowPaths(names))
	}
}

// refFor is the reference a path is read from.
func (r *refReader) refFor(name string) gwclient.Reference {
	if strings.HasPrefix(name, ".git/objects/") {
		return r.objects
	}
	return r.ref
}

func (r *refReader) ReadFile(name string, max int) ([]byte, error) {
	return r.ReadRange(name, 0, max)
}

func (r *refReader) ReadRange(name string, off, n int) ([]byte, error) {
	name = path.Clean(name)
	ref := r.refFor(name)
	if ref == nil {
		return nil, errors.New(name + " is not loaded")
	}
	st, err := ref.StatFile(r.ctx, gwclient.StatRequest{Path: name})
	if err != nil {
		return nil, err
	}
	if !os.FileMode(st.Mode).IsRegular() {
		return nil, errors.New(name + " is not a regular file")
	}
	if n <= 0 || int64(off) >= st.Size {
		return nil, nil
	}
	return ref.ReadFile(r.ctx, gwclient.ReadRequest{Filename: name, Range: &gwclient.FileRange{Offset: off, Length: n}})
}

func (r *refReader) ReadDir(name string) ([]gitinfo.Entry, error) {
	ref := r.refFor(path.Clean(name) + "/")
	if ref == nil {
		return nil, errors.New(name + " is not loaded")
	}
	entries, err := ref.ReadDir(r.ctx, gwclient.ReadDirRequest{Path: path.Clean(name)})
	if err != nil {
		return nil, err
	}
	var out []gitinfo.Entry
	for _, e := range entries {
		m := os.FileMode(e.Mode)
		if !m.IsDir() && !m.IsRegular() {
			continue
		}
		out = append(out, gitinfo.Entry{Name: e.GetPath(), Dir: m.IsDir()})
	}
	return out, nil
}
