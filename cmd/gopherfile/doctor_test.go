package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopherfile/gopherfile/internal/doctor"
	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// TestHostReport: the host side reads this machine's go env with the
// origin of each value, its netrc (machines only), and asks the proxy.
func TestHostReport(t *testing.T) {
	lib := testproxy.Module{Path: "example.com/acme/lib", Version: "v1.0.0", Files: map[string]string{"lib.go": "package lib\n"}}
	p, err := testproxy.Start(lib)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte(fmt.Sprintf("module example.com/app\n\ngo 1.22\n\nrequire %s %s\n", lib.Path, lib.Version)), 0o644)
	os.WriteFile(filepath.Join(dir, "go.sum"), []byte(strings.Join(p.GoSum(lib.Path, lib.Version), "\n")+"\n"), 0o644)
	netrc := filepath.Join(dir, "netrc")
	os.WriteFile(netrc, []byte("machine git.corp.example login me password hunter2-secret\n"), 0o600)
	t.Setenv("GOPROXY", p.URL())
	t.Setenv("GONOSUMDB", "example.com")
	t.Setenv("NETRC", netrc)
	t.Setenv("GOENV", filepath.Join(dir, "goenv")) // no go env -w file of the machine's
	t.Setenv("GOTOOLCHAIN", "local")

	r := hostReport(context.Background(), dir, 20*time.Second)
	if r.Failed() || len(r.Modules) != 1 || !r.Modules[0].OK {
		t.Fatalf("want the module answered:\n%s", r.JSON())
	}
	for name, want := range map[string]string{"GOPROXY": "host environment ($GOPROXY)", doctor.SettingNetrc: netrc, "GOSUMDB": "default"} {
		if s, _ := r.Setting(name); s.Origin != want {
			t.Errorf("%s from %q, want %q", name, s.Origin, want)
		}
	}
	if s, _ := r.Setting(doctor.SettingNetrc); s.Value != "machines git.corp.example" {
		t.Errorf("netrc %q", s.Value)
	}
	if strings.Contains(string(r.JSON()), "hunter2") {
		t.Errorf("the report shows the netrc password")
	}
}
