package modview

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

var (
	lib = testproxy.Module{Path: "example.com/lib", Version: "v1.0.0", Files: map[string]string{
		"lib.go":          "package lib\n\nfunc Hello() string { return \"hello from lib\" }\n",
		"sub/sub.go":      "package sub\n",
		"testdata/x.json": "{}\n",
	}}
	secret = testproxy.Module{Path: "example.com/private/secret", Version: "v1.0.0", Files: map[string]string{
		"secret.go": "package secret\n\nconst Key = \"project A's secret\"\n",
	}}
	// toolchain is laid out in the module cache by hand (newFixture).
	toolchain = testproxy.Module{Path: "golang.org/toolchain", Version: "v0.0.1-go1.99.0.linux-amd64", Files: map[string]string{
		"bin/go": "not really go\n",
	}}
)

// fixture is a shared module cache that go mod download filled for two
// projects: A requires lib and a private module, B requires lib only.
type fixture struct {
	shared string
	a, b   string
	proxy  *testproxy.Proxy
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("these tests run the real go command")
	}
	p, err := testproxy.Start(lib, secret)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	root := t.TempDir()
	f := &fixture{shared: filepath.Join(root, "shared"), a: filepath.Join(root, "a"), b: filepath.Join(root, "b"), proxy: p}
	write := func(dir, name, content string) {
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum := func(mods ...testproxy.Module) string {
		var lines []string
		for _, m := range mods {
			lines = append(lines, p.GoSum(m.Path, m.Version)...)
		}
		return strings.Join(lines, "\n") + "\n"
	}
	write(f.a, "go.mod", "module example.com/a\n\ngo 1.22\n\nrequire (\n\texample.com/lib v1.0.0\n\texample.com/private/secret v1.0.0\n)\n")
	write(f.a, "go.sum", sum(lib, secret))
	write(f.b, "go.mod", "module example.com/b\n\ngo 1.22\n\nrequire example.com/lib v1.0.0\n")
	write(f.b, "go.sum", sum(lib))
	write(f.b, "main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Hello()) }\n")
	for _, dir := range []string{f.a, f.b} {
		f.goCmd(t, dir, f.shared, "GOPROXY="+p.URL(), "mod", "download")
	}
	// The go command checks toolchain modules against the checksum
	// database only: lay one out as it would.
	tc := filepath.Join(f.shared, "golang.org", "toolchain@"+toolchain.Version)
	for name, content := range toolchain.Files {
		write(filepath.Join(tc, filepath.Dir(name)), filepath.Base(name), content)
	}
	h, err := dirhash.HashDir(tc, toolchain.Path+"@"+toolchain.Version, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	tdl := filepath.Join(f.shared, "cache", "download", "golang.org", "toolchain", "@v")
	write(tdl, toolchain.Version+".ziphash", h+"\n")
	write(tdl, toolchain.Version+".mod", "module golang.org/toolchain\n")
	return f
}

func (f *fixture) goCmd(t *testing.T, dir, modcache, proxy string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOMODCACHE="+modcache, proxy, "GOSUMDB=off", "GOFLAGS=-modcacherw -mod=mod", "GOTOOLCHAIN=local", "GOWORK=off", "GONOSUMCHECK=1", "GONOSUMDB=*")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (f *fixture) build(t *testing.T, dst string, extra ...func(*Config)) (Stats, error) {
	t.Helper()
	cfg := Config{Src: f.shared, Dst: dst, SumFiles: []string{filepath.Join(f.b, "go.sum"), filepath.Join(f.b, "go.work.sum")}}
	for _, e := range extra {
		e(&cfg)
	}
	return Build(context.Background(), cfg)
}

// TestViewHoldsTheBuildListOnly: B's view has lib, verified, and nothing of
// A's private module; the go command builds B from it offline.
func TestViewHoldsTheBuildListOnly(t *testing.T) {
	f := newFixture(t)
	view := filepath.Join(t.TempDir(), "view")
	st, err := f.build(t, view)
	if err != nil {
		t.Fatal(err)
	}
	if st.Modules != 1 || st.ModFiles != 1 || st.Files != 4 || len(st.Missing) != 0 { // lib.go, sub.go, x.json, go.mod
		t.Errorf("stats %+v", st)
	}
	var found []string
	filepath.Walk(view, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(view, p)
			found = append(found, rel)
		}
		return nil
	})
	got := strings.Join(found, "\n")
	for _, bad := range []string{"secret", "cache/vcs", ".zip\n", "toolchain", "sumdb"} {
		if strings.Contains(got+"\n", bad) {
			t.Errorf("the view holds %q:\n%s", bad, got)
		}
	}
	for _, want := range []string{"example.com/lib@v1.0.0/lib.go", "example.com/lib@v1.0.0/testdata/x.json",
		"cache/download/example.com/lib/@v/v1.0.0.mod", "cache/download/example.com/lib/@v/v1.0.0.ziphash", "cache/download/example.com/lib/@v/v1.0.0.info"} {
		if !strings.Contains(got, want) {
			t.Errorf("the view lacks %s:\n%s", want, got)
		}
	}
	// The go command builds B offline from the view alone.
	out := f.goCmd(t, f.b, view, "GOPROXY=off", "run", ".")
	if !strings.Contains(out, "hello from lib") {
		t.Errorf("go run from the view printed %q", out)
	}
}

// TestTampered: a module whose files in the shared cache differ from what
// go.sum says stops the view, however it was changed.
func TestTampered(t *testing.T) {
	libDir := func(f *fixture) string { return filepath.Join(f.shared, "example.com", "lib@v1.0.0") }
	dl := func(f *fixture) string {
		return filepath.Join(f.shared, "cache", "download", "example.com", "lib", "@v")
	}
	tests := []struct {
		name   string
		tamper func(t *testing.T, f *fixture)
		want   string
	}{
		{"changed source", func(t *testing.T, f *fixture) {
			os.WriteFile(filepath.Join(libDir(f), "lib.go"), []byte("package lib\n\nfunc Hello() string { return \"pwned\" }\n"), 0o644)
		}, "example.com/lib@v1.0.0 in the shared module cache does not match go.sum"},
		{"added file", func(t *testing.T, f *fixture) {
			os.WriteFile(filepath.Join(libDir(f), "init.go"), []byte("package lib\n\nfunc init() { panic(1) }\n"), 0o644)
		}, "does not match go.sum"},
		{"removed file", func(t *testing.T, f *fixture) { os.Remove(filepath.Join(libDir(f), "sub", "sub.go")) }, "does not match go.sum"},
		{"symbolic link", func(t *testing.T, f *fixture) {
			p := filepath.Join(libDir(f), "testdata", "x.json")
			os.Remove(p)
			os.Symlink("/etc/hostname", p)
		}, "which is not a regular file"},
		{"changed go.mod", func(t *testing.T, f *fixture) {
			os.WriteFile(filepath.Join(dl(f), "v1.0.0.mod"), []byte("module example.com/lib\n\nrequire example.com/evil v1.0.0\n"), 0o644)
		}, "example.com/lib@v1.0.0/go.mod in the shared module cache does not match go.sum"},
		{"go.mod a link", func(t *testing.T, f *fixture) {
			p := filepath.Join(dl(f), "v1.0.0.mod")
			os.Remove(p)
			os.Symlink("/etc/hostname", p)
		}, "is not a regular file"},
		{"changed ziphash", func(t *testing.T, f *fixture) {
			os.WriteFile(filepath.Join(dl(f), "v1.0.0.ziphash"), []byte("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"), 0o644)
		}, "(its .ziphash file)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.tamper(t, f)
			view := filepath.Join(t.TempDir(), "view")
			_, err := f.build(t, view)
			var me *MismatchError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a mismatch with %q", err, tt.want)
			}
			// Nothing of the module reached the view.
			if _, err := os.Stat(filepath.Join(view, "example.com", "lib@v1.0.0", "lib.go")); err == nil {
				t.Error("the tampered module is in the view")
			}
		})
	}
}

// TestMissing: a module go.sum names that was never downloaded is listed,
// not an error (the go command names it if the build needs it).
func TestMissing(t *testing.T) {
	f := newFixture(t)
	os.RemoveAll(filepath.Join(f.shared, "example.com", "lib@v1.0.0"))
	st, err := f.build(t, filepath.Join(t.TempDir(), "view"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(st.Missing, ",") != "example.com/lib@v1.0.0" || st.Modules != 0 || st.ModFiles != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestExtracting: a module the go command is extracting beside the view
// (the tidy check fetches what the download step did not need) is not
// whole yet: it is listed as missing, not as a changed module.
func TestExtracting(t *testing.T) {
	f := newFixture(t)
	dl := filepath.Join(f.shared, "cache", "download", "example.com", "lib", "@v")
	os.Chmod(filepath.Join(f.shared, "example.com", "lib@v1.0.0"), 0o755)
	os.Remove(filepath.Join(f.shared, "example.com", "lib@v1.0.0", "lib.go"))
	if err := os.WriteFile(filepath.Join(dl, "v1.0.0.partial"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := f.build(t, filepath.Join(t.TempDir(), "view"))
	if err != nil {
		t.Fatalf("a module being extracted stopped the view: %v", err)
	}
	if strings.Join(st.Missing, ",") != "example.com/lib@v1.0.0" || st.Modules != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestToolchains: with GOTOOLCHAIN not local, the toolchain module the go
// command may switch to is copied, checked against its own .ziphash.
func TestToolchains(t *testing.T) {
	f := newFixture(t)
	view := filepath.Join(t.TempDir(), "view")
	st, err := f.build(t, view, func(c *Config) { c.Toolchains = []string{"go1.99.0", "go1.98.0"} })
	if err != nil {
		t.Fatal(err)
	}
	if st.Modules != 2 {
		t.Errorf("stats %+v", st)
	}
	for _, p := range []string{"golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64/bin/go", "cache/download/golang.org/toolchain/@v/v0.0.1-go1.99.0.linux-amd64.ziphash",
		"cache/download/golang.org/toolchain/@v/v0.0.1-go1.99.0.linux-amd64.mod"} {
		if _, err := os.Stat(filepath.Join(view, p)); err != nil {
			t.Errorf("the view lacks %s", p)
		}
	}
	os.WriteFile(filepath.Join(f.shared, "golang.org", "toolchain@v0.0.1-go1.99.0.linux-amd64", "bin", "go"), []byte("evil"), 0o755)
	if _, err := f.build(t, filepath.Join(t.TempDir(), "view"), func(c *Config) { c.Toolchains = []string{"go1.99.0"} }); err == nil {
		t.Error("a changed toolchain was copied")
	}
}
