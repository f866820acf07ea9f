// Package gitinfo reads what a build needs to know of a git checkout from
// its .git directory, as data: the commit HEAD names, the release tag at that
// commit (vX.Y.Z, the highest when there are several) and the commit time.
// It runs no git (a hostile repository's config could make git run commands)
// and follows no link out of the tree: every read goes through a Reader,
// which the frontend backs with bounded reads of the build context through
// the BuildKit gateway. Objects are read loose (zlib) or from pack files
// (undeltified entries, which commits and tags almost always are).
//
// Whether the work tree has uncommitted changes is not known here: that
// would need hashing every tracked file against the index.
package gitinfo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Reader reads the files of the build context.
type Reader interface {
	// ReadFile returns at most max bytes of a file; an error for a missing
	// file or anything but a regular file.
	ReadFile(name string, max int) ([]byte, error)
	// ReadDir lists the entry names of a directory (nil for a missing one).
	ReadDir(name string) ([]Entry, error)
}

// Entry is a directory entry.
type Entry struct {
	Name string
	Dir  bool
}

// Limits against a hostile repository.
const (
	maxSmall   = 64 << 10 // HEAD, a loose ref, a tag or commit object
	maxPacked  = 8 << 20  // packed-refs
	maxTags    = 10000
	maxObject  = 1 << 20 // an inflated commit or tag object
	maxPackIdx = 64 << 20
)

var shaRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Info is what the checkout says.
type Info struct {
	// Commit is the full hash HEAD names.
	Commit string
	// Tag is the highest release tag (a canonical semver vX.Y.Z[-pre]) at
	// Commit, "" for none.
	Tag string
	// Time is the commit time (zero when the commit object could not be read).
	Time time.Time
}

// ModuleVersion is the version of the main module at this checkout, as the
// go command stamps it from version control: the tag, or a pseudo-version
// v0.0.0-TIME-COMMIT12 when the commit has no tag; without the commit time
// (a packed commit object), v0.0.0-gCOMMIT12; "" without a commit.
func (i Info) ModuleVersion() string {
	switch {
	case i.Tag != "":
		return i.Tag
	case len(i.Commit) < 12:
		return ""
	case i.Time.IsZero():
		return "v0.0.0-g" + i.Commit[:12]
	}
	return module.PseudoVersion("v0", "", i.Time, i.Commit[:12])
}

// Version is the .Version of ldflags templates, as GoReleaser has it: the
// module version without its "v".
func (i Info) Version() string { return strings.TrimPrefix(i.ModuleVersion(), "v") }

// ErrNoRepo is returned when dir holds no .git directory.
var ErrNoRepo = errors.New("no .git directory")

// Read reads the checkout whose .git directory is gitDir (e.g. ".git").
func Read(r Reader, gitDir string) (*Info, error) {
	head, err := r.ReadFile(path.Join(gitDir, "HEAD"), maxSmall)
	if err != nil {
		return nil, ErrNoRepo
	}
	packed, _ := r.ReadFile(path.Join(gitDir, "packed-refs"), maxPacked)
	refs, peeled := parsePackedRefs(packed)
	commit, err := resolveHead(r, gitDir, strings.TrimSpace(string(head)), refs)
	if err != nil {
		return nil, err
	}
	info := &Info{Commit: commit}
	objs := &objects{r: r, dir: path.Join(gitDir, "objects")}
	tags, err := tagRefs(r, gitDir, refs)
	if err != nil {
		return nil, err
	}
	prefetch(r, objs, commit, tags, peeled)
	for name, target := range tags {
		if !semver.IsValid(name) || semver.Canonical(name) != name {
			continue
		}
		at := target
		if p, ok := peeled[target]; ok {
			at = p
		} else if at != commit {
			// An annotated tag: its object names the commit.
			if typ, body, err := objs.read(target); err == nil && typ == "tag" {
				at = field(body, "object")
			}
		}
		if at == commit && (info.Tag == "" || semver.Compare(name, info.Tag) > 0) {
			info.Tag = name
		}
	}
	if typ, body, err := objs.read(commit); err == nil && typ == "commit" {
		info.Time = commitTime(body)
	}
	return info, nil
}

// Prefetcher is a Reader that wants to know which files will be read
// before they are: the frontend then loads just those objects of .git in one
// round trip instead of every loose object.
type Prefetcher interface {
	Prefetch(names []string)
}

// maxPrefetch bounds the objects asked for at once.
const maxPrefetch = 1000

// prefetch tells a Prefetcher the loose objects Read will look at: the
// commit, and the annotated release tags packed-refs has not peeled.
func prefetch(r Reader, objs *objects, commit string, tags, peeled map[string]string) {
	pf, ok := r.(Prefetcher)
	if !ok {
		return
	}
	names := []string{objs.loosePath(commit)}
	for name, target := range tags {
		if _, ok := peeled[target]; ok || target == commit || !semver.IsValid(name) || len(names) >= maxPrefetch {
			continue
		}
		names = append(names, objs.loosePath(target))
	}
	pf.Prefetch(names)
}

// resolveHead follows HEAD (a hash, or "ref: refs/heads/x") to a commit.
func resolveHead(r Reader, gitDir, head string, packed map[string]string) (string, error) {
	for range 5 {
		ref, ok := strings.CutPrefix(head, "ref: ")
		if !ok {
			if !shaRE.MatchString(head) {
				return "", fmt.Errorf("HEAD is neither a commit hash nor a ref: %.60q", head)
			}
			return head, nil
		}
		if !strings.HasPrefix(ref, "refs/") || strings.Contains(ref, "..") {
			return "", fmt.Errorf("HEAD names the ref %.60q, which is not under refs/", ref)
		}
		if dt, err := r.ReadFile(path.Join(gitDir, ref), maxSmall); err == nil {
			head = strings.TrimSpace(string(dt))
			continue
		}
		if sha, ok := packed[ref]; ok {
			return sha, nil
		}
		return "", fmt.Errorf("HEAD names %s, which has no commit yet", ref)
	}
	return "", errors.New("HEAD is a chain of symbolic refs")
}

// parsePackedRefs reads packed-refs: ref -> hash, and tag object ->
// commit for the peeled lines ("^hash" after an annotated tag).
func parsePackedRefs(data []byte) (refs, peeled map[string]string) {
	refs, peeled = map[string]string{}, map[string]string{}
	last := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 4096)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "^"); ok && shaRE.MatchString(p) && last != "" {
			peeled[last] = p
			continue
		}
		sha, name, ok := strings.Cut(line, " ")
		if !ok || !shaRE.MatchString(sha) {
			last = ""
			continue
		}
		refs[name], last = sha, sha
	}
	return refs, peeled
}

// tagRefs are the tags, tag name -> the hash the ref names: packed, then
// loose (which win).
func tagRefs(r Reader, gitDir string, packed map[string]string) (map[string]string, error) {
	tags := map[string]string{}
	for name, sha := range packed {
		if t, ok := strings.CutPrefix(name, "refs/tags/"); ok {
			tags[t] = sha
		}
	}
	var walk func(dir, prefix string) error
	walk = func(dir, prefix string) error {
		entries, err := r.ReadDir(dir)
		if err != nil {
			return nil
		}
		for _, e := range entries {
			if len(tags) > maxTags {
				return fmt.Errorf("the repository has more than %d tags", maxTags)
			}
			p := path.Join(dir, e.Name)
			if e.Dir {
				if err := walk(p, prefix+e.Name+"/"); err != nil {
					return err
				}
				continue
			}
			dt, err := r.ReadFile(p, maxSmall)
			if sha := strings.TrimSpace(string(dt)); err == nil && shaRE.MatchString(sha) {
				tags[prefix+e.Name] = sha
			}
		}
		return nil
	}
	return tags, walk(path.Join(gitDir, "refs/tags"), "")
}

// field returns the value of a header line of a commit or tag object.
func field(body []byte, name string) string {
	for line := range strings.SplitSeq(string(body), "\n") {
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

// commitTime reads the committer time of a commit object.
func commitTime(body []byte) time.Time {
	f := strings.Fields(field(body, "committer"))
	if len(f) < 2 {
		return time.Time{}
	}
	sec, err := strconv.ParseInt(f[len(f)-2], 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
