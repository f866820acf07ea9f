package frontend

import (
	"context"
	"fmt"
	"go/version"
	"path"
	"strings"
	"sync"
	"testing/fstest"

	"github.com/moby/buildkit/client/llb"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"golang.org/x/sync/errgroup"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/gosrc"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/safefile"
)

// readModule reads go.mod (and go.work, vendor/modules.txt) from the build
// context, then checks that every local replace and workspace module is there.
func (b *build) readModule(ctx context.Context) (*plan.Module, error) {
	dir := "."
	if b.spec.Module != "" {
		dir = path.Clean(b.spec.Module)
	}
	modPath := path.Join(dir, "go.mod")
	vendorPath := path.Join(dir, "vendor/modules.txt")
	files, err := b.readContextFiles(ctx, "gopherfile-gomod", []string{modPath, vendorPath, "go.work"})
	if err != nil {
		return nil, err
	}
	data, ok := files[modPath]
	if !ok {
		msg := fmt.Sprintf("there is no go.mod in the build context at %s", modPath)
		hint := "build from the directory that holds go.mod, set module: to its directory, or run `go mod init MODULE_PATH`"
		if file, pattern, ok := b.ignoredBy(ctx, modPath); ok {
			hint = ignoreHint(modPath, file, pattern, b.src.Filename)
		}
		return nil, b.fieldError("module", fmt.Errorf("%s: %s", msg, hint))
	}
	facts, err := gomod.Parse(modPath, data)
	if err != nil {
		return nil, b.fieldError("module", err)
	}
	m := &plan.Module{Facts: facts}
	if w, ok := files["go.work"]; ok {
		ws, err := gomod.ParseWork("go.work", w)
		if err != nil {
			return nil, b.fieldError("module", err)
		}
		m.Work = ws
	}
	if _, ok := files[vendorPath]; ok && m.Work == nil && (facts.Go == "" || version.Compare("go"+facts.Go, "go1.14") >= 0) {
		m.Vendored = true
	}
	if len(b.spec.Builds) == 0 {
		if m.DefaultMain, err = b.defaultMain(ctx, dir, facts.Path); err != nil {
			return nil, err
		}
	}

	// Every local module the download step needs must be in the context.
	var need []string
	for _, r := range facts.LocalReplaces {
		need = append(need, path.Join(dir, r, "go.mod"))
	}
	if m.Work != nil {
		for _, u := range m.Work.Use {
			need = append(need, path.Join(u, "go.mod"))
		}
	}
	var inside []string
	for _, n := range need {
		if !strings.HasPrefix(n, "../") {
			inside = append(inside, n)
		}
	}
	if len(inside) > 0 {
		got, err := b.readContextFiles(ctx, "gopherfile-localmods", inside)
		if err != nil {
			return nil, err
		}
		for _, n := range inside {
			if _, ok := got[n]; !ok {
				return nil, b.fieldError("module", fmt.Errorf("%s is not in the build context, but go.mod or go.work points at its directory (a local replace or a workspace module): build from a directory that contains it, e.g. the repository root, and set module: to the directory of go.mod", n))
			}
		}
	}
	return m, nil
}

// maxGoHeader is how much of a .go file the frontend reads to find its
// package clause and imports.
const maxGoHeader = 1 << 20

// readBounded reads a file of a solved reference, at most max bytes: a
// larger file is an error naming it, not a message larger than the
// gateway's limit or the frontend's memory.
func readBounded(ctx context.Context, ref gwclient.Reference, name string, max int) ([]byte, error) {
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: name, Range: &gwclient.FileRange{Length: max + 1}})
	if err != nil {
		return nil, err
	}
	if len(dt) > max {
		return nil, &safefile.TooLargeError{Name: name, Max: int64(max)}
	}
	return dt, nil
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
			if _, err := ref.StatFile(ctx, gwclient.StatRequest{Path: n}); err != nil {
				return nil // not in the context
			}
			dt, err := readBounded(ctx, ref, n, safefile.MaxGoMod)
			if err != nil {
				return fmt.Errorf("gopherfile: reading %s from the build context: %w", n, err)
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

// defaultMain is the main package a Gopherfile without builds: builds: the
// module root, or cmd/<module name> when the root is no main package for
// linux and that directory is one. It reads the .go files of both
// directories only.
func (b *build) defaultMain(ctx context.Context, dir, modulePath string) (string, error) {
	name := gomod.BinaryName(modulePath)
	dirs := []string{dir, path.Join(dir, "cmd", name)}
	st, err := b.bc.MainContext(ctx,
		llb.IncludePatterns([]string{path.Join(dirs[0], "*.go"), path.Join(dirs[1], "*.go")}),
		llb.SharedKeyHint("gopherfile-mains"),
		llb.WithCustomName("[internal] load the .go files of "+strings.Join(dirs, " and ")),
		llb.Differ(llb.DiffNone, false),
	)
	if err != nil {
		return "", fmt.Errorf("gopherfile: loading the build context: %w", err)
	}
	def, err := st.Marshal(ctx)
	if err != nil {
		return "", err
	}
	res, err := b.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return "", fmt.Errorf("gopherfile: reading the .go files of %s from the build context: %w", dir, err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return "", err
	}
	fsys := fstest.MapFS{}
	for _, d := range dirs {
		entries, err := ref.ReadDir(ctx, gwclient.ReadDirRequest{Path: d, IncludePattern: "*.go"})
		if err != nil {
			continue // no such directory
		}
		for _, e := range entries {
			p := path.Join(d, e.GetPath())
			// go/build reads the package clause and imports only.
			data, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: p, Range: &gwclient.FileRange{Length: maxGoHeader}})
			if err != nil {
				return "", fmt.Errorf("gopherfile: reading %s from the build context: %w", p, err)
			}
			fsys[p] = &fstest.MapFile{Data: data}
		}
	}
	return gosrc.Tree{FS: fsys}.DefaultMain(dir, name), nil
}
