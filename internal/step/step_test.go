package step

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/step/netrc"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// These tests run the helper in-process with the real go command, in a
// temporary module, as the build steps run it.

var lib = testproxy.Module{Path: "example.com/lib", Version: "v1.0.0", Files: map[string]string{
	"lib.go": "package lib\n\nfunc Hello() string { return \"hello from lib\" }\n",
}}

type fixture struct {
	t                              *testing.T
	dir, secrets, home, mc, gc     string
	out, download, markers, goroot string
	proxy                          *testproxy.Proxy
}

func newFixture(t *testing.T) *fixture { return newFixtureWith(t, lib) }

// newFixtureWith serves mods (lib first: the fixture's main package imports it).
func newFixtureWith(t *testing.T, mods ...testproxy.Module) *fixture {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("go command not found: these tests run the real go command")
	}
	p, err := testproxy.Start(mods...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	root := t.TempDir()
	f := &fixture{t: t, proxy: p, dir: filepath.Join(root, "src"), secrets: filepath.Join(root, "secrets"),
		home: filepath.Join(root, "home"), mc: filepath.Join(root, "mc"), gc: hostGOCACHE(t),
		out: filepath.Join(root, "out"), download: filepath.Join(root, "download")}
	f.markers = filepath.Join(f.mc, "cache", "gopherfile", "records")
	for _, d := range []string{f.dir, f.secrets, f.home} {
		os.MkdirAll(d, 0o755)
	}
	f.write("go.mod", "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v1.0.0\n")
	f.write("go.sum", strings.Join(p.GoSum(lib.Path, lib.Version), "\n")+"\n")
	f.write("main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Hello()) }\n")
	return f
}

// hostGOCACHE is the host's build cache, shared by the tests (a cold cache
// would compile the standard library in every test).
func hostGOCACHE(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		return t.TempDir()
	}
	return strings.TrimSpace(string(out))
}

func (f *fixture) write(name, content string) {
	f.t.Helper()
	os.MkdirAll(filepath.Dir(filepath.Join(f.dir, name)), 0o755)
	if err := os.WriteFile(filepath.Join(f.dir, name), []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) record() *stepconfig.Record {
	return &stepconfig.Record{Files: []string{"go.mod", "go.sum"}, SrcDir: f.dir, Dir: f.download, Markers: f.markers}
}

// run runs the helper with cfg in the module directory and returns its exit
// code and output.
func (f *fixture) run(cfg stepconfig.Config, env ...string) (int, string) {
	f.t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(f.dir); err != nil {
		f.t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out bytes.Buffer
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + f.home, "GOMODCACHE=" + f.mc, "GOCACHE=" + f.gc,
		"GOSUMDB=off", "GOTOOLCHAIN=local", "GOENV=off", "GOFLAGS=-modcacherw", "CGO_ENABLED=0"}
	h := &helper{cfg: &cfg, stdout: &out, stderr: &out, env: append(base, env...)}
	code := h.run(context.Background())
	return code, out.String()
}

func (f *fixture) net() *stepconfig.Net {
	return &stepconfig.Net{Retries: 6, TimeoutSeconds: 60, SecretDir: f.secrets, Home: f.home, Netrc: "optional", CACert: "optional", SSH: "off",
		Helper: testHelper(f.t), SrcDir: f.dir, TreeFiles: []string{"go.mod", "go.sum"}}
}

// testHelper is this test binary, which is the step helper when its first
// argument is "step" (TestMain), as the frontend's binary is in a step.
func testHelper(t *testing.T) string {
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == Arg {
		os.Exit(Main(os.Args[2:]))
	}
	os.Exit(m.Run())
}

func TestDownloadRetriesEachRequest(t *testing.T) {
	f := newFixture(t)
	f.proxy.FailFirstPerPath(2, testproxy.Status503)
	code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: f.net(), Record: f.record()}, "GOPROXY="+f.proxy.URL())
	if code != 0 {
		t.Fatalf("download failed (%d):\n%s", code, out)
	}
	if !strings.Contains(out, "retried ") || !strings.Contains(out, "503 x") {
		t.Errorf("no retry summary:\n%s", out)
	}
	for p, n := range f.proxy.Counts() {
		if n > 3 {
			t.Errorf("%s requested %d times", p, n)
		}
	}
	// The record and the marker are written; an offline step finds them.
	if cacheLost(f.record()) {
		t.Fatal("the marker is missing after a successful download")
	}
	code, out = f.run(stepconfig.Config{Kind: stepconfig.Build, Stage: "go build", Args: []string{"build", "-o", filepath.Join(f.out, "app"), "."},
		Record: f.record(), Build: &stepconfig.BuildOpts{Name: "app", Main: ".", Output: filepath.Join(f.out, "app")}}, "GOPROXY=off")
	if code != 0 {
		t.Fatalf("build failed (%d):\n%s", code, out)
	}
	got, err := exec.Command(filepath.Join(f.out, "app")).Output()
	if err != nil || strings.TrimSpace(string(got)) != "hello from lib" {
		t.Errorf("the binary printed %q, %v", got, err)
	}
}

// A module cache that lost its marker (BuildKit garbage-collected the cache
// mount) makes the offline step exit with ExitCacheLost, naming row 18.
func TestCacheLost(t *testing.T) {
	f := newFixture(t)
	if code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: f.net(), Record: f.record()}, "GOPROXY="+f.proxy.URL()); code != 0 {
		t.Fatalf("download: %d\n%s", code, out)
	}
	os.RemoveAll(f.markers)
	code, out := f.run(stepconfig.Config{Kind: stepconfig.Build, Stage: "go build", Args: []string{"build", "-o", filepath.Join(f.out, "app"), "."},
		Record: f.record(), Build: &stepconfig.BuildOpts{Name: "app", Main: ".", Output: filepath.Join(f.out, "app")}}, "GOPROXY=off")
	if code != stepconfig.ExitCacheLost || !strings.Contains(out, "row 18") {
		t.Errorf("got %d:\n%s", code, out)
	}
}

func TestPrivateModuleNamesTheFix(t *testing.T) {
	f := newFixture(t)
	f.write("go.mod", "module example.com/app\n\ngo 1.22\n\nrequire example.com/private/lib v1.0.0\n")
	f.write("go.sum", "")
	code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: f.net(), Record: f.record()}, "GOPROXY="+f.proxy.URL())
	if code == 0 {
		t.Fatal("want a failure")
	}
	for _, want := range []string{"example.com/private/lib@v1.0.0", "row 5", "modules.private: [example.com]", f.proxy.URL()} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "127.0.0.1:"+strings.Split(f.proxy.URL(), ":")[2]+"/") == false {
		t.Errorf("the upstream URL is not shown:\n%s", out)
	}
}

func TestPasswordNeverShown(t *testing.T) {
	f := newFixture(t)
	f.proxy.RequireBasicAuth("ci", "s3cret")
	withPass := strings.Replace(f.proxy.URL(), "http://", "http://ci:WRONG-PASSWORD@", 1)
	code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: f.net(), Record: f.record()}, "GOPROXY="+withPass)
	if code == 0 {
		t.Fatal("want a failure")
	}
	if strings.Contains(out, "WRONG-PASSWORD") {
		t.Errorf("the password is in the output:\n%s", out)
	}
	if !strings.Contains(out, "401") || !strings.Contains(out, "rejected the credentials") {
		t.Errorf("want the 401 explained as rejected credentials:\n%s", out)
	}
	// The same through the GOPROXY secret, with the right password.
	os.WriteFile(filepath.Join(f.secrets, stepconfig.SecretGOPROXY), []byte(strings.Replace(withPass, "WRONG-PASSWORD", "s3cret", 1)+"\n"), 0o600)
	code, out = f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: f.net(), Record: f.record()})
	if code != 0 || strings.Contains(out, "s3cret") {
		t.Errorf("the GOPROXY secret: %d\n%s", code, out)
	}
}

func TestTestReportFiles(t *testing.T) {
	f := newFixture(t)
	f.write("a_test.go", "package main\n\nimport \"testing\"\n\nfunc TestOK(t *testing.T) {}\n\nfunc TestBad(t *testing.T) { t.Log(\"the reason\"); t.Fail() }\n")
	if code, out := f.run(stepconfig.Config{Kind: stepconfig.Download, Stage: "go mod download", Args: []string{"mod", "download"},
		Net: f.net(), Record: f.record()}, "GOPROXY="+f.proxy.URL()); code != 0 {
		t.Fatalf("download: %d\n%s", code, out)
	}
	code, out := f.run(stepconfig.Config{Kind: stepconfig.Test, Stage: "go test", Args: []string{"test", "-json", "./..."}, OutDir: f.out,
		Record: f.record(), Test: &stepconfig.TestOpts{}}, "GOPROXY=off")
	if code != 0 {
		t.Fatalf("the test step itself must succeed: %d\n%s", code, out)
	}
	dt, err := os.ReadFile(filepath.Join(f.out, stepconfig.TestSummary))
	if err != nil {
		t.Fatal(err)
	}
	var s stepconfig.Summary
	json.Unmarshal(dt, &s)
	if s.ExitCode == 0 || s.Summary != "1 passed, 1 failed, 0 skipped in 1 packages" || !strings.Contains(s.Failures, "the reason") {
		t.Errorf("summary %+v", s)
	}
	for _, name := range []string{stepconfig.TestJSON, stepconfig.TestJUnit, stepconfig.TestText} {
		if fi, err := os.Stat(filepath.Join(f.out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Git's credential helper asks the agent: the token of GIT_AUTH_TOKEN.<host>,
// else the netrc machine entry of the host (with a path prefix), never the
// netrc "default" entry (issue 21 item 10), and never over plain http.
func TestGitCredential(t *testing.T) {
	entries := netrc.Parse("machine git.corp login alice password pw-corp\nmachine example.com/org login bob password pw-org\ndefault login any password pw-default\n")
	a, err := startAgent(t.TempDir(), map[string]string{"git.example.com": "tok123"}, entries)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	for _, tt := range []struct{ in, want string }{
		{"protocol=https\nhost=git.example.com\n", "username=x-access-token\npassword=tok123\n"},
		{"protocol=https\nhost=git.corp\npath=team/repo.git\n", "username=alice\npassword=pw-corp\n"},
		{"protocol=https\nhost=example.com\npath=org/repo.git\n", "username=bob\npassword=pw-org\n"},
		{"protocol=https\nhost=example.com\npath=other/repo.git\n", ""},
		{"protocol=https\nhost=evil.example\n", ""}, // the default entry is not used
		{"protocol=http\nhost=git.corp\n", ""},
		{"protocol=https\nhost=../etc\n", ""},
	} {
		var out bytes.Buffer
		gitCredential([]string{a.path, "get"}, strings.NewReader(tt.in), &out)
		if out.String() != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, out.String(), tt.want)
		}
	}
	var out bytes.Buffer
	goAuth([]string{a.path}, &out)
	if got := out.String(); !strings.Contains(got, "https://git.corp\n\nAuthorization: Basic YWxpY2U6cHctY29ycA==\n\n") || strings.Contains(got, "pw-default") || strings.Contains(got, "cHctZGVmYXVsdA") {
		t.Errorf("GOAUTH answer %q", got)
	}
}
