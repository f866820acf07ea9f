//go:build integration

package integration

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// TestProxyPasswordNeverLeaks: a private TLS proxy whose GOPROXY URL carries
// a password (the Artifactory/Athens set-up). Given as a build arg, the
// password is in no output, no --call outline, no layer or config of the
// image, and no step of a mode=max provenance (the download step is solved
// on its own, so it is not in the result's definition); only BuildKit's own
// record of the build args holds it, and the build warns about that.
// Changing only the password re-runs the download but not the compile.
// Given as the GOPROXY secret, it is nowhere at all.
func TestProxyPasswordNeverLeaks(t *testing.T) {
	mod := privateModule(t)
	p, caPEM, err := testproxy.StartTLSWithNewCA(mod)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	pass1 := fmt.Sprintf("pw1-%016x", rand.Uint64())
	pass2 := fmt.Sprintf("pw2-%016x", rand.Uint64())
	p.RequireBasicAuth("ci", pass1)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, ca, string(caPEM))
	dir := moduleUsing(t, p, mod, "  nosumdb: [example.com/*]\n")
	proxyURL := func(pass string) string { return strings.Replace(p.URL(), "https://", "https://ci:"+pass+"@", 1) }

	noLeak := func(what, out string, secrets ...string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s contains the password:\n%s", what, relGrep(out, s))
			}
		}
	}
	build := func(pass, progress string, extra ...string) (result, string) {
		tarball := filepath.Join(t.TempDir(), "app.tar")
		args := append([]string{"--progress", progress, "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX=" + frontImg,
			"--secret", "id=cacert,src=" + ca, "--provenance=mode=max", "--platform", "linux/amd64"}, extra...)
		if pass != "" {
			args = append(args, "--build-arg", "GOPROXY="+proxyURL(pass))
		}
		return buildx(t, dir, append(args, "-o", "type=oci,dest="+tarball, ".")...), tarball
	}

	r, tarball := build(pass1, "plain")
	mustOK(t, r)
	noLeak("the build output", r.out, pass1)
	img := loadOCI(t, tarball)
	scanImageExceptProvenance(t, img.Dir, pass1)
	if !strings.Contains(r.out, "--secret id=GOPROXY") {
		t.Errorf("no warning that a password in a build arg reaches the provenance:\n%s", tail(r.out, 30))
	}

	o := buildx(t, dir, "--call", "outline", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX="+frontImg, "--build-arg", "GOPROXY="+proxyURL(pass1), ".")
	mustOK(t, o)
	noLeak("--call outline", o.out, pass1)
	if !strings.Contains(o.out, "ci:xxxxx@") {
		t.Errorf("--call outline should show the URL redacted:\n%s", o.out)
	}

	// Only the password changes: the download runs again, the compile does not.
	p.RequireBasicAuth("ci", pass2)
	r, _ = build(pass2, "rawjson")
	mustOK(t, r)
	noLeak("the second build's output", relLogs(r.out), pass1, pass2)
	vs := vertices(t, r.out)
	if d := step(t, vs, "[deps] go mod download"); d.Cached {
		t.Errorf("the download step did not run again with the new password")
	}
	if c := step(t, vs, "[build app"); !c.Cached {
		t.Errorf("changing the proxy password re-ran the compile step")
	}

	// As the GOPROXY secret: not even BuildKit's record of the build args holds it.
	pass3 := fmt.Sprintf("pw3-%016x", rand.Uint64())
	p.RequireBasicAuth("ci", pass3)
	t.Setenv("GF_TEST_GOPROXY", proxyURL(pass3))
	r, tarball = build("", "plain", "--secret", "id=GOPROXY,env=GF_TEST_GOPROXY", "--no-cache")
	mustOK(t, r)
	noLeak("the build output (secret)", r.out, pass3)
	scanForSecret(t, loadOCI(t, tarball).Dir, pass3)
}

// scanImageExceptProvenance is scanForSecret for every blob of the image,
// except that a provenance attestation may hold the secret in BuildKit's own
// record of the build args (BuildKit writes every build arg there); the rest
// of it (in mode=max, the LLB definition of every step of the result) must
// not.
func scanImageExceptProvenance(t *testing.T, layout, secret string) {
	t.Helper()
	n := 0
	filepath.Walk(layout, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		dt, _ := os.ReadFile(p)
		if len(dt) > 2 && dt[0] == 0x1f && dt[1] == 0x8b {
			if zr, err := gzip.NewReader(bytes.NewReader(dt)); err == nil {
				dt, _ = io.ReadAll(zr)
			}
		}
		n++
		if !bytes.Contains(dt, []byte(secret)) {
			return nil
		}
		var stmt struct {
			PredicateType string         `json:"predicateType"`
			Predicate     map[string]any `json:"predicate"`
		}
		if json.Unmarshal(dt, &stmt) != nil || !strings.Contains(stmt.PredicateType, "slsa.dev/provenance") {
			t.Errorf("the secret is in %s", p)
			return nil
		}
		dropArgs(stmt.Predicate)
		rest, _ := json.Marshal(stmt.Predicate)
		if bytes.Contains(rest, []byte(secret)) {
			t.Errorf("the provenance holds the secret outside BuildKit's record of the build args: %s", relGrep(string(rest), secret))
		}
		return nil
	})
	t.Logf("scanned %d blobs", n)
}

// dropArgs deletes BuildKit's records of the build args ("args" in every
// "request", the forwarded frontend's nested one included).
func dropArgs(v any) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["frontend"]; ok {
			delete(x, "args")
		}
		if _, ok := x["parameters"]; ok {
			if p, ok := x["parameters"].(map[string]any); ok {
				delete(p, "args")
			}
		}
		for k, c := range x {
			if k == "request" || k == "root" {
				if m, ok := c.(map[string]any); ok {
					delete(m, "args")
				}
			}
			dropArgs(c)
		}
	case []any:
		for _, c := range x {
			dropArgs(c)
		}
	}
}

// TestMainIsNotShell: a main path with shell syntax is refused before any
// step runs, and nothing of it is executed.
func TestMainIsNotShell(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	for _, main := range []string{"./x$(id >&2)", "./x`id`", "./x;id"} {
		writeFile(t, filepath.Join(dir, "Gopherfile"), fmt.Sprintf("version: 1\nbuilds:\n  - main: %q\n", main))
		r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
		if r.err == nil {
			t.Errorf("main %q was accepted", main)
		}
		if strings.Contains(r.out, "uid=") {
			t.Errorf("main %q ran a shell command:\n%s", main, relGrep(r.out, "uid="))
		}
	}
}

// TestHugeTestOutput: a test that logs ~40 MB and then fails is reported
// with its name and its last words; the JUnit file has it.
func TestHugeTestOutput(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	writeFile(t, filepath.Join(dir, "loud_test.go"), `package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestLoud(t *testing.T) {
	line := strings.Repeat("x", 1000)
	for i := 0; i < 40000; i++ {
		fmt.Fprintln(os.Stdout, line)
	}
	t.Fatal("the last words")
}

func TestQuiet(t *testing.T) {}
`)
	out := t.TempDir()
	r := cli(t, dir, "--progress", "plain", "--target", "test", "-o", "type=local,dest="+out, ".")
	if r.err == nil {
		t.Fatal("a failing test passed the test target")
	}
	if !strings.Contains(r.out, "1 passed, 1 failed") || !strings.Contains(r.out, "TestLoud") || !strings.Contains(r.out, "the last words") {
		t.Errorf("want the failure with its name, counts and last words:\n%s", tail(r.out, 30))
	}
}

// TestStalledProxyFailsWithinTimeout: a proxy that accepts and never
// answers fails the build within modules.timeout, explained as row 1.
func TestStalledProxyFailsWithinTimeout(t *testing.T) {
	mod := privateModule(t)
	p := startProxy(t, mod)
	p.SetMaxStall(10 * time.Minute)
	p.FailFirstPerPath(1000, testproxy.Stall)
	dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n  timeout: 20s\n", p.URL()))
	start := time.Now()
	r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	took := time.Since(start)
	if r.err == nil {
		t.Fatal("a stalled proxy did not fail the build")
	}
	if took > 90*time.Second {
		t.Errorf("took %s with modules.timeout: 20s", took)
	}
	if !strings.Contains(r.out, "modules.timeout") || !strings.Contains(r.out, "row 1") {
		t.Errorf("want the deadline named and row 1:\n%s", tail(r.out, 30))
	}
	t.Logf("failed after %s", took.Round(time.Second))
}
