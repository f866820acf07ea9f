//go:build integration

package integration

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// privateModule is a fixture module with a path unique to this test run, so the
// shared module cache of the builder never already holds it.
func privateModule(t *testing.T) testproxy.Module {
	path := fmt.Sprintf("example.com/gf%08x/greeting", rand.Uint32())
	return testproxy.Module{Path: path, Version: "v1.0.0", Files: map[string]string{
		"greeting.go": "package greeting\n\n// Hello greets.\nfunc Hello() string { return \"hello from " + path + "\" }\n",
	}}
}

// moduleUsing writes a main module that requires mod (go.sum from the proxy)
// and a Gopherfile with the given modules: section.
func moduleUsing(t *testing.T, p *testproxy.Proxy, mod testproxy.Module, modules string) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), fmt.Sprintf("module example.com/app\n\ngo 1.26\n\nrequire %s %s\n", mod.Path, mod.Version))
	writeFile(t, filepath.Join(dir, "go.sum"), strings.Join(p.GoSum(mod.Path, mod.Version), "\n")+"\n")
	writeFile(t, filepath.Join(dir, "main.go"), fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\n\t%q\n)\n\nfunc main() { fmt.Println(greeting.Hello()) }\n", mod.Path))
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nmodules:\n"+modules)
	return dir
}

func startProxy(t *testing.T, mods ...testproxy.Module) *testproxy.Proxy {
	p, err := testproxy.Start(mods...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// TestDownloadRetriesTransient: a proxy that answers the first two requests of
// every path with 503 does not fail a build with default settings; each
// request is retried on its own (go mod download runs once), and no path is
// requested more than its two 503s and one success per step. The download
// step and the tidy check beside it share the six 503s (whichever asks for
// a path first meets them): their summary lines add up to six retries; both
// may fetch a .mod file (the go command locks a version's zip, not its
// go.mod), so a path is requested at most four times.
func TestDownloadRetriesTransient(t *testing.T) {
	mod := privateModule(t)
	p := startProxy(t, mod)
	p.FailFirstPerPath(2, testproxy.Status503)
	dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL()))
	out := t.TempDir()
	r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+out, ".")
	mustOK(t, r)
	retried := 0
	for _, m := range regexp.MustCompile(`gopherfile: go mod (?:download|tidy -diff): .* retried (\d+) requests \(503 x(\d+)\)`).FindAllStringSubmatch(r.out, -1) {
		n, _ := strconv.Atoi(m[1])
		retried += n
	}
	if retried != 6 || p.Failures() != 6 {
		t.Errorf("the steps say they retried %d 503s, the proxy answered %d; want six (two for each of .info, .mod, .zip):\n%s", retried, p.Failures(), tail(r.out, 40))
	}
	if strings.Contains(r.out, "running go mod download again") {
		t.Errorf("go mod download ran more than once:\n%s", tail(r.out, 40))
	}
	for path, n := range p.Counts() {
		if n > 4 {
			t.Errorf("%s requested %d times", path, n)
		}
	}
	if got := runBinary(t, filepath.Join(out, "app")); !strings.Contains(got, "hello from "+mod.Path) {
		t.Errorf("app printed %q", got)
	}
	t.Logf("proxy saw %d requests, %d injected failures", p.Requests(), p.Failures())
}

// TestDownloadChecksumMismatch: a tampered module fails at once with the
// security message, and a following build against an honest proxy succeeds.
func TestDownloadChecksumMismatch(t *testing.T) {
	mod := privateModule(t)
	p := startProxy(t, mod)
	p.Tamper(mod.Path, mod.Version)
	dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL()))
	r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatalf("a tampered module was accepted:\n%s", r.out)
	}
	for _, want := range []string{"checksum mismatch", "row 8", "Do not switch"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, tail(r.out, 40))
		}
	}
	if strings.Contains(r.out, "retry 1 of") {
		t.Errorf("a checksum mismatch must never be retried:\n%s", tail(r.out, 40))
	}
	for _, bad := range []string{"GOSUMDB=off", "GONOSUMDB=example"} {
		if strings.Contains(r.out, "set "+bad) {
			t.Errorf("the advice suggests weakening verification (%s)", bad)
		}
	}

	// Nothing bad was kept: the honest proxy serves the same version and the build succeeds.
	honest := startProxy(t, mod)
	writeFile(t, filepath.Join(dir, "Gopherfile"), fmt.Sprintf("version: 1\nmodules:\n  proxy: %s\n  nosumdb: [example.com/*]\n", honest.URL()))
	mustOK(t, cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), "."))
}

// TestPrivateProxyWithNetrcAndCA: a TLS proxy with its own CA that requires
// basic auth. Without the CA the build says to pass it; with the CA but no
// netrc it says to give credentials; with both it builds, and the token is in
// no layer, config or attestation of the image.
func TestPrivateProxyWithNetrcAndCA(t *testing.T) {
	mod := privateModule(t)
	p, caPEM, err := testproxy.StartTLSWithNewCA(mod)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	token := fmt.Sprintf("tok-%016x", rand.Uint64())
	p.RequireBasicAuth("ci", token)

	secrets := t.TempDir()
	ca := filepath.Join(secrets, "ca.pem")
	writeFile(t, ca, string(caPEM))
	netrc := filepath.Join(secrets, "netrc")
	writeFile(t, netrc, fmt.Sprintf("machine %s login ci password %s\n", p.Addr(), token))

	dir := moduleUsing(t, p, mod, fmt.Sprintf("  proxy: %s\n  nosumdb: [example.com/*]\n", p.URL()))

	r := cli(t, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil || !strings.Contains(r.out, "row 4") || !strings.Contains(r.out, "--secret id=cacert") {
		t.Errorf("without the CA: want the row 4 advice with --secret id=cacert:\n%s", tail(r.out, 30))
	}
	r = cli(t, dir, "--progress", "plain", "--secret", "id=cacert,src="+ca, "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil || !strings.Contains(r.out, "401") || !strings.Contains(r.out, "netrc") {
		t.Errorf("without credentials: want a 401 and advice naming netrc:\n%s", tail(r.out, 30))
	}

	tarball := filepath.Join(t.TempDir(), "app.tar")
	r = cli(t, dir, "--progress", "plain", "--secret", "id=cacert,src="+ca, "--secret", "id=netrc,src="+netrc, "-o", "type=oci,dest="+tarball, ".")
	mustOK(t, r)
	if strings.Contains(r.out, token) {
		t.Errorf("the token appears in the build output")
	}
	img := loadOCI(t, tarball)
	if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/app")); !strings.Contains(got, "hello from "+mod.Path) {
		t.Errorf("app printed %q", got)
	}
	scanForSecret(t, img.Dir, token)
}

// scanForSecret looks for secret in every blob of an OCI layout, decompressing
// gzip layers, and in the index.
func scanForSecret(t *testing.T, layout, secret string) {
	t.Helper()
	n := 0
	err := filepath.Walk(layout, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		dt, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		if bytes.Contains(dt, []byte(secret)) {
			t.Errorf("the secret is in %s", p)
		}
		if len(dt) > 2 && dt[0] == 0x1f && dt[1] == 0x8b {
			zr, err := gzip.NewReader(bytes.NewReader(dt))
			if err == nil {
				raw, _ := io.ReadAll(zr)
				if bytes.Contains(raw, []byte(secret)) {
					t.Errorf("the secret is in the layer %s", p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Fatalf("scanned only %d files: not an image", n)
	}
	t.Logf("secret scan: %d blobs clean", n)
}

// TestNoSecretInAnyExample builds every example with netrc, CA and git token
// secrets given, and scans every blob of each image for the secrets' bytes.
func TestNoSecretInAnyExample(t *testing.T) {
	token := fmt.Sprintf("tok-%016x", rand.Uint64())
	secrets := t.TempDir()
	netrc := filepath.Join(secrets, "netrc")
	writeFile(t, netrc, "machine proxy.example login ci password "+token+"\n")
	t.Setenv("GF_TEST_TOKEN", token)
	for _, ex := range []string{"hello", "server", "multi", "cgo", "vendor", "workspace"} {
		t.Run(ex, func(t *testing.T) {
			dir := copyDir(t, "examples/"+ex)
			tarball := filepath.Join(t.TempDir(), ex+".tar")
			mustOK(t, cli(t, dir, "--platform", "linux/amd64", "--secret", "id=netrc,src="+netrc,
				"--secret", "id=GIT_AUTH_TOKEN.github.com,env=GF_TEST_TOKEN", "-o", "type=oci,dest="+tarball, "."))
			scanForSecret(t, loadOCI(t, tarball).Dir, token)
		})
	}
}
