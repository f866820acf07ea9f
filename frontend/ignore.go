package frontend

import (
	"bytes"
	"context"
	"fmt"
	"path"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"

	"github.com/gopherfile/gopherfile/internal/safefile"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ignoredBy says which ignore file leaves name (a path in the build context)
// out of the context, and by which pattern, when one does: BuildKit reads
// <build file>.dockerignore next to the build file when there is one, else
// the context's .dockerignore. It is asked only when a file is missing, so
// the reads cost nothing on a good build.
func (b *build) ignoredBy(ctx context.Context, name string) (file, pattern string, ok bool) {
	own := path.Base(b.src.Filename) + ".dockerignore"
	dt, found := b.readRaw(ctx, dockerui.DefaultLocalNameDockerfile, own)
	file = own
	if !found {
		if dt, found = b.readRaw(ctx, dockerui.DefaultLocalNameContext, dockerui.DefaultDockerignoreName); !found {
			return "", "", false
		}
		file = dockerui.DefaultDockerignoreName
	}
	patterns, err := ignorefile.ReadAll(bytes.NewReader(dt))
	if err != nil {
		return "", "", false
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return "", "", false
	}
	if m, err := pm.MatchesOrParentMatches(name); err != nil || !m {
		return "", "", false
	}
	// The last pattern that matches decides; name it for the user.
	for i := len(patterns) - 1; i >= 0; i-- {
		p := patterns[i]
		if len(p) > 0 && p[0] == '!' {
			continue
		}
		if one, err := patternmatcher.New([]string{p}); err == nil {
			if m, _ := one.MatchesOrParentMatches(name); m {
				return file, p, true
			}
		}
	}
	return file, "", true
}

// readRaw reads one file of a local source without the ignore patterns.
func (b *build) readRaw(ctx context.Context, local, name string) ([]byte, bool) {
	st := llb.Local(local,
		llb.SessionID(b.c.BuildOpts().SessionID),
		llb.FollowPaths([]string{name}),
		llb.SharedKeyHint(local+"-"+name),
		llb.WithCustomName("[internal] load "+name),
		llb.Differ(llb.DiffNone, false),
	)
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, false
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, false
	}
	ref, err := res.SingleRef()
	if err != nil || ref == nil {
		return nil, false
	}
	if _, err := ref.StatFile(ctx, gwclient.StatRequest{Path: name}); err != nil {
		return nil, false
	}
	dt, err := readBounded(ctx, ref, name, safefile.MaxConfig)
	return dt, err == nil
}

// ignoreHint is the advice for a file the ignore file leaves out.
func ignoreHint(name, file, pattern, buildFile string) string {
	by := ""
	if pattern != "" {
		by = fmt.Sprintf(" (its pattern %q)", pattern)
	}
	if file == dockerui.DefaultDockerignoreName {
		own := path.Base(buildFile) + ".dockerignore"
		return fmt.Sprintf("%s leaves %s out of the build context%s. Many projects write .dockerignore for a Dockerfile that copies a prebuilt binary; "+
			"for the build file %s BuildKit reads %s instead when it exists: add one (`gopherfile init` writes it, with only .git in it) or change .dockerignore",
			file, name, by, path.Base(buildFile), own)
	}
	return fmt.Sprintf("%s leaves %s out of the build context%s: change it so that the Go sources stay in", file, name, by)
}
