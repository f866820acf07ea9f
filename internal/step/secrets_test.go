package step

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// secretFile writes a secret as BuildKit mounts it for a networked step:
// mode 0400, owned by stepconfig.SecretOwner.
func (f *fixture) secretFile(id, content string) string {
	f.t.Helper()
	p := filepath.Join(f.secrets, id)
	if err := os.WriteFile(p, []byte(content), 0o400); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Chown(p, stepconfig.SecretOwner, stepconfig.SecretOwner); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// Issue 21 item 1 (c): in a step that holds secrets, the go command cannot
// open a secret, whatever names it: here go.mod is read from the secret's
// own path (GOFLAGS=-modfile=, what a Gopherfile's env: could ask for). The
// helper reads the secret (its netrc logins reach the agent); go gets
// "permission denied", and the secret is not in the output.
func TestGoCannotReadSecrets(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("the secret mounts' protection is about root without capabilities: run as root (as make test does)")
	}
	f := newFixture(t)
	const token = "ghp_SECRETTOKEN0123456789"
	p := f.secretFile(stepconfig.SecretNetrc, "machine git.corp login ci password "+token+"\n")
	n := f.net()
	// -modfile wants a .mod name: a link to the secret, outside the files
	// the tree check looks at.
	leak := filepath.Join(t.TempDir(), "leak.mod")
	os.Symlink(p, leak)
	code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: n, Record: f.record()}, "GOPROXY="+f.proxy.URL(), "GOFLAGS=-modcacherw -modfile="+leak)
	if code == 0 {
		t.Fatalf("go read the secret as go.mod and succeeded:\n%s", out)
	}
	if strings.Contains(out, token) || strings.Contains(out, "git.corp") {
		t.Errorf("the secret is in the output:\n%s", out)
	}
	if !strings.Contains(out, "permission denied") {
		t.Errorf("want go's permission denied:\n%s", out)
	}
	// /proc/1 is not this test, but the helper's own /proc entry is as
	// closed: a child cannot read the environment of a process that is not
	// dumpable.
	env := filepath.Join(t.TempDir(), "env.mod")
	os.Symlink("/proc/"+strconv.Itoa(os.Getpid())+"/environ", env)
	t.Setenv("GF_TEST_MARK", "env-of-the-helper")
	code, out = f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: n, Record: f.record()}, "GOPROXY="+f.proxy.URL(), "GOFLAGS=-modcacherw -modfile="+env)
	if code == 0 || strings.Contains(out, "env-of-the-helper") {
		t.Errorf("go read the helper's environment (%d):\n%s", code, out)
	}
}

// Issue 21 item 1 (a): a dependency file that is a link is refused before
// the go command runs, naming the file; in the tidy steps a Go file that is
// a link out of the build context is refused too.
func TestTreeLinksRefused(t *testing.T) {
	f := newFixture(t)
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("machine x login y password TOPSECRET\n"), 0o600)
	os.Remove(filepath.Join(f.dir, "go.sum"))
	os.Symlink(outside, filepath.Join(f.dir, "go.sum"))
	code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: f.net(), Record: f.record()}, "GOPROXY="+f.proxy.URL())
	if code == 0 || !strings.Contains(out, "go.sum is a symbolic link (to "+outside+")") || strings.Contains(out, "TOPSECRET") {
		t.Errorf("a go.sum link: %d\n%s", code, out)
	}
	// A link that stays inside is refused for a dependency file too.
	os.Remove(filepath.Join(f.dir, "go.sum"))
	f.write("sums/go.sum", strings.Join(f.proxy.GoSum(lib.Path, lib.Version), "\n")+"\n")
	os.Symlink("sums/go.sum", filepath.Join(f.dir, "go.sum"))
	if code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: f.net(), Record: f.record()}, "GOPROXY="+f.proxy.URL()); code == 0 || !strings.Contains(out, "read go.mod, go.sum") {
		t.Errorf("an inside go.sum link: %d\n%s", code, out)
	}
	os.Remove(filepath.Join(f.dir, "go.sum"))
	f.write("go.sum", strings.Join(f.proxy.GoSum(lib.Path, lib.Version), "\n")+"\n")

	// The tidy check reads every Go file.
	os.Symlink(outside, filepath.Join(f.dir, "leak.go"))
	n := f.net()
	n.WalkGoFiles = true
	code, out = f.run(stepconfig.Config{Kind: stepconfig.TidyCheck, Stage: "go mod tidy -diff", Args: []string{"mod", "tidy", "-diff"}, Net: n}, "GOPROXY="+f.proxy.URL())
	if code == 0 || !strings.Contains(out, "leak.go is a symbolic link to "+outside+", outside the build context") || strings.Contains(out, "TOPSECRET") {
		t.Errorf("a Go file linked out of the tree: %d\n%s", code, out)
	}
	// A Go file linked inside the tree is fine.
	os.Remove(filepath.Join(f.dir, "leak.go"))
	f.write("real/x.go", "package main\n")
	os.Symlink("real/x.go", filepath.Join(f.dir, "x.go"))
	os.RemoveAll(filepath.Join(f.dir, "real"))
	f.write("impl/x.go", "package main\n\nfunc x() {}\n")
	os.Remove(filepath.Join(f.dir, "x.go"))
	os.Symlink("impl/x.go", filepath.Join(f.dir, "x.go"))
	if code, out := f.run(stepconfig.Config{Kind: stepconfig.TidyCheck, Stage: "go mod tidy -diff", Args: []string{"mod", "tidy", "-diff"}, Net: n}, "GOPROXY="+f.proxy.URL()); strings.Contains(out, "symbolic link") {
		t.Errorf("a Go file linked inside the tree was refused: %d\n%s", code, out)
	}
}

// Issue 21 item 9: the test step's output holds the report files only, as
// regular files, whatever the tests put there: a link a test planted is
// gone, and test.json replaced by a link is written again.
func TestTestReportRegularFilesOnly(t *testing.T) {
	f := newFixture(t)
	f.write("plant_test.go", `package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPlant(t *testing.T) {
	out := os.Getenv("GF_TEST_OUT")
	os.Symlink("/etc/passwd", filepath.Join(out, "passwd"))
	os.Remove(filepath.Join(out, "test.json"))
	os.Symlink("/etc/hostname", filepath.Join(out, "test.json"))
	os.Mkdir(filepath.Join(out, "junit.xml"), 0o755)
}
`)
	if code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: f.net(), Record: f.record()}, "GOPROXY="+f.proxy.URL()); code != 0 {
		t.Fatalf("download: %d\n%s", code, out)
	}
	code, out := f.run(stepconfig.Config{Kind: stepconfig.Test, Stage: "go test", Args: []string{"test", "-json", "-count=1", "./..."}, OutDir: f.out,
		Record: f.record(), Test: &stepconfig.TestOpts{}}, "GOPROXY=off", "GF_TEST_OUT="+f.out)
	if code != 0 {
		t.Fatalf("test step: %d\n%s", code, out)
	}
	ents, _ := os.ReadDir(f.out)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		fi, _ := os.Lstat(filepath.Join(f.out, e.Name()))
		if !fi.Mode().IsRegular() {
			t.Errorf("%s in the test output is %s, not a regular file", e.Name(), fi.Mode().Type())
		}
	}
	if strings.Join(names, " ") != "exitcode junit.xml summary.json test.json test.stderr test.txt" {
		t.Errorf("the test output holds %q", names)
	}
	if dt, _ := os.ReadFile(filepath.Join(f.out, stepconfig.TestJSON)); !strings.Contains(string(dt), `"Test":"TestPlant"`) {
		t.Errorf("test.json lost the events: %.300s", dt)
	}
}

// A GOPROXY from the secret that go talks to itself (a GOAUTH command
// keeps the loopback proxies out) is shown as its host only.
func TestHideURLs(t *testing.T) {
	r := hideURLs("https://ci:PASSW0RD@art.example/api/go/T0K3N?k=QU3RY,direct")
	in := "reading https://art.example/api/go/T0K3N/example.com/a/@v/list?k=QU3RY: 404\n\tserver response: no such path /api/go/T0K3N/x"
	got := r(in)
	for _, bad := range []string{"PASSW0RD", "T0K3N", "QU3RY"} {
		if strings.Contains(got, bad) {
			t.Errorf("%q left in %q", bad, got)
		}
	}
	if !strings.Contains(got, "https://art.example/example.com/a/@v/list") {
		t.Errorf("got %q", got)
	}
}
