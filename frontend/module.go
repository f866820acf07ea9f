package frontend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"golang.org/x/sync/errgroup"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/safefile"
)

// readModule reads go.mod (and go.work, vendor/modules.txt, the go.mod of
// local modules, the default main package) from the build context with the
// one module loader, gomod.Load.
func (b *build) readModule(ctx context.Context) (*gomod.Module, error) {
	dir := "."
	if b.spec.Module != "" {
		dir = path.Clean(b.spec.Module)
	}
	m, err := gomod.Load(ctx, contextReader{b}, dir, gomod.LoadOptions{DefaultMain: len(b.spec.Builds) == 0})
	var ge *gatewayError
	var nf *gomod.NoGoModError
	switch {
	case err == nil:
		return m, nil
	case errors.As(err, &ge):
		return nil, ge.err
	case errors.As(err, &nf):
		hint := "build from the directory that holds go.mod, set module: to its directory, or run `go mod init MODULE_PATH`"
		if file, pattern, ok := b.ignoredBy(ctx, nf.Path); ok {
			hint = ignoreHint(nf.Path, file, pattern, b.src.Filename)
		}
		return nil, b.fieldError("module", fmt.Errorf("%s: %s", nf, hint))
	default:
		return nil, b.fieldError("module", err)
	}
}

// gatewayError is a failure to read the context through the gateway (not a
// problem of the files themselves): it is not tied to a Gopherfile line.
type gatewayError struct{ err error }

func (e *gatewayError) Error() string { return e.err.Error() }
func (e *gatewayError) Unwrap() error { return e.err }

// contextReader is the module loader's view of the build context.
type contextReader struct{ b *build }

func (r contextReader) ReadFiles(ctx context.Context, names []string) (map[string][]byte, error) {
	sum := sha256.Sum256([]byte(strings.Join(names, "\x00")))
	files, err := r.b.readContextFiles(ctx, "gopherfile-files-"+hex.EncodeToString(sum[:6]), names)
	if err != nil {
		return nil, &gatewayError{err}
	}
	return files, nil
}

func (r contextReader) GoFiles(ctx context.Context, dirs []string) (map[string][]byte, error) {
	files, err := r.b.readGoFiles(ctx, dirs)
	if err != nil {
		return nil, &gatewayError{err}
	}
	return files, nil
}

// readContextFiles reads the named files from the build context; missing files
// are left out of the result.
func (b *build) readContextFiles(ctx context.Context, key string, names []string) (map[string][]byte, error) {
	st, err := b.bc.MainContext(ctx,
		llb.FollowPaths(names),
		llb.SharedKeyHint(key),
		llb.WithCustomName("[internal] load "+strings.Join(names, ", ")),
		llb.Differ(llb.DiffNone, false),
	)
	if err != nil {
		return nil, fmt.Errorf("gopherfile: loading the build context: %w", err)
	}
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, fmt.Errorf("gopherfile: reading %s from the build context: %w", strings.Join(names, ", "), err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	// One stat-then-read per file, all files at once (each is a round trip).
	var (
		mu  sync.Mutex
		out = map[string][]byte{}
	)
	eg, ctx := errgroup.WithContext(ctx)
	for _, n := range names {
		eg.Go(func() error {
			st, err := ref.StatFile(ctx, gwclient.StatRequest{Path: n})
			if err != nil || !readable(st.GetMode()) {
				return nil // not in the context, or not a file
			}
			dt, err := readBounded(ctx, ref, n, safefile.MaxGoMod)
			if err != nil {
				return err
			}
			mu.Lock()
			out[n] = dt
			mu.Unlock()
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// readGoFiles reads the .go files directly in each of dirs.
func (b *build) readGoFiles(ctx context.Context, dirs []string) (map[string][]byte, error) {
	var patterns []string
	for _, d := range dirs {
		patterns = append(patterns, path.Join(d, "*.go"))
	}
	st, err := b.bc.MainContext(ctx,
		llb.IncludePatterns(patterns),
		llb.SharedKeyHint("gopherfile-mains"),
		llb.WithCustomName("[internal] load the .go files of "+strings.Join(dirs, " and ")),
		llb.Differ(llb.DiffNone, false),
	)
	if err != nil {
		return nil, fmt.Errorf("gopherfile: loading the build context: %w", err)
	}
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, fmt.Errorf("gopherfile: reading the .go files of %s from the build context: %w", strings.Join(dirs, " and "), err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, d := range dirs {
		entries, err := ref.ReadDir(ctx, gwclient.ReadDirRequest{Path: d, IncludePattern: "*.go"})
		if err != nil {
			continue // no such directory
		}
		for _, e := range entries {
			if !readable(e.GetMode()) {
				continue
			}
			p := path.Join(d, e.GetPath())
			// go/build reads the package clause and imports only.
			data, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: p, Range: &gwclient.FileRange{Length: maxGoHeader}})
			if err != nil {
				return nil, fmt.Errorf("gopherfile: reading %s from the build context: %w", p, err)
			}
			out[p] = data
		}
	}
	return out, nil
}

// readable reports whether a context entry's mode is a regular file or a
// symlink (which the gateway resolves inside the context).
func readable(mode uint32) bool {
	m := os.FileMode(mode)
	return m.IsRegular() || m&os.ModeSymlink != 0
}

// maxGoHeader is how much of a .go file the frontend reads to find its
// package clause and imports (go/build reads no further).
const maxGoHeader = 1 << 20

// readBounded reads a file of a solved reference, at most max bytes: a
// larger file is an error naming it, not a message larger than the
// gateway's limit or the frontend's memory.
func readBounded(ctx context.Context, ref gwclient.Reference, name string, max int) ([]byte, error) {
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: name, Range: &gwclient.FileRange{Length: max + 1}})
	if err != nil {
		return nil, fmt.Errorf("gopherfile: reading %s from the build context: %w", name, err)
	}
	if len(dt) > max {
		return nil, &safefile.TooLargeError{Name: name, Max: int64(max)}
	}
	return dt, nil
}
