package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

func TestProxyFile(t *testing.T) {
	tests := []struct {
		path string
		want string // relative to dir; "" for not served
	}{
		{"/github.com/!burnt!sushi/toml/@v/list", "github.com/!burnt!sushi/toml/@v/list"},
		{"/example.com/m/@v/v1.0.0.info", "example.com/m/@v/v1.0.0.info"},
		{"/example.com/m/@v/v1.0.0.mod", "example.com/m/@v/v1.0.0.mod"},
		{"/example.com/m/@v/v1.0.0.zip", "example.com/m/@v/v1.0.0.zip"},
		{"/example.com/m/@v/v1.0.0.ziphash", ""},
		{"/example.com/m/@v/v1.0.0.lock", ""},
		{"/example.com/m/@latest", ""},
		{"/@v/list", ""},
		{"/sumdb/sum.golang.org/supported", ""},
		{"/../../etc/@v/passwd.mod", "etc/@v/passwd.mod"}, // cleaned to inside dir
		{"/example.com/m/@v/sub/x.mod", ""},
	}
	for _, tt := range tests {
		got, ok := proxyFile("/cache", tt.path)
		if tt.want == "" {
			if ok {
				t.Errorf("proxyFile(%q) = %q, want not served", tt.path, got)
			}
			continue
		}
		if want := filepath.Join("/cache", tt.want); !ok || got != want {
			t.Errorf("proxyFile(%q) = %q, %v; want %q", tt.path, got, ok, want)
		}
	}
}

func TestFaultProxyFailFirst(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "example.com/m/@v"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "example.com/m/@v/v1.0.0.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	px, err := startFaultProxy(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer px.close()
	get := func(path string) (int, string) {
		resp, err := http.Get(px.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		failFirst int
		path      string
		want      []int
	}{
		{0, "/example.com/m/@v/v1.0.0.mod", []int{200, 200}},
		{2, "/example.com/m/@v/v1.0.0.mod", []int{503, 503, 200, 200}},
		{2, "/example.com/m/@v/v9.0.0.mod", []int{503, 503, 404}},
		{1, "/example.com/m/@v/list", []int{503, 404}},
	}
	for _, tt := range tests {
		px.reset(tt.failFirst)
		for i, want := range tt.want {
			if code, body := get(tt.path); code != want {
				t.Errorf("failFirst %d, %s request %d: %d %q, want %d", tt.failFirst, tt.path, i+1, code, body, want)
			} else if code == 200 && body != "module example.com/m\n" {
				t.Errorf("%s: body %q", tt.path, body)
			}
		}
		req, faults := px.counts()
		if wantFaults := min(tt.failFirst, len(tt.want)); req != len(tt.want) || faults != wantFaults {
			t.Errorf("failFirst %d, %s: counts %d requests / %d faults, want %d / %d", tt.failFirst, tt.path, req, faults, len(tt.want), wantFaults)
		}
	}
}

// TestFaultProxyServesModuleCache: a module cache filled by the go command
// (here from internal/testproxy, offline) served by the fault proxy is a
// working GOPROXY for the go command; with faults, the go command alone (no
// retrying proxy in front) fails on the first 503.
func TestFaultProxyServesModuleCache(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("go command not found: this test runs the real go command")
	}
	src, err := testproxy.Start(testproxy.Module{Path: "example.com/lib", Version: "v1.0.0", Files: map[string]string{
		"lib.go": "package lib\n\n// X is exported.\nconst X = 1\n",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	work := t.TempDir()
	mod := filepath.Join(work, "m")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":  "module example.com/m\n\ngo 1.22\n\nrequire example.com/lib v1.0.0\n",
		"go.sum":  strings.Join(src.GoSum("example.com/lib", "v1.0.0"), "\n") + "\n",
		"main.go": "package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.X) }\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gocmd := func(proxy, modcache string, args ...string) (string, error) {
		cmd := exec.Command("go", args...)
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOPROXY="+proxy, "GOMODCACHE="+modcache, "GOSUMDB=off", "GOFLAGS=-modcacherw",
			"GOWORK=off", "GOTOOLCHAIN=local", "GOENV=off", "GOCACHE="+filepath.Join(work, "gocache"), "GONOSUMDB=", "GOPRIVATE=", "GONOPROXY=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	filled := filepath.Join(work, "filled")
	if out, err := gocmd(src.URL(), filled, "mod", "download"); err != nil {
		t.Fatalf("filling: %v\n%s", err, out)
	}
	px, err := startFaultProxy(filepath.Join(filled, "cache", "download"))
	if err != nil {
		t.Fatal(err)
	}
	defer px.close()
	healthy := filepath.Join(work, "healthy")
	if out, err := gocmd(px.URL(), healthy, "mod", "download"); err != nil {
		t.Fatalf("go mod download from the healthy fault proxy: %v\n%s", err, out)
	}
	if out, err := gocmd("off", healthy, "mod", "verify"); err != nil || !strings.Contains(out, "all modules verified") {
		t.Fatalf("go mod verify: %v\n%s", err, out)
	}
	if req, faults := px.counts(); req == 0 || faults != 0 {
		t.Errorf("healthy: %d requests, %d faults", req, faults)
	}
	px.reset(2)
	out, err := gocmd(px.URL(), filepath.Join(work, "flaky"), "mod", "download")
	if err == nil || !strings.Contains(out, "503") {
		t.Errorf("go mod download from the flaky proxy: err %v, output %q; want a 503 failure", err, out)
	}
}
