//go:build integration

package integration

import (
	"debug/elf"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// elfMachine reads the machine of an ELF binary.
func elfMachine(t *testing.T, path string) elf.Machine {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s is not an ELF binary: %v", path, err)
	}
	defer f.Close()
	return f.Machine
}

// TestMultiPlatformMultiBinary: two binaries, two platforms, one index.
func TestMultiPlatformMultiBinary(t *testing.T) {
	dir := copyDir(t, "examples/multi")
	tarball := filepath.Join(t.TempDir(), "multi.tar")
	r := cli(t, dir, "--progress", "plain", "-o", "type=oci,dest="+tarball, ".")
	mustOK(t, r)
	img := loadOCI(t, tarball)
	for _, pl := range []string{"linux/amd64", "linux/arm64"} {
		if img.Configs[pl] == nil {
			t.Fatalf("the index lacks %s: %v", pl, img.Configs)
		}
	}
	if m := elfMachine(t, filepath.Join(img.Rootfs["linux/arm64"], "usr/local/bin/api")); m != elf.EM_AARCH64 {
		t.Errorf("arm64 api is %v", m)
	}
	if m := elfMachine(t, filepath.Join(img.Rootfs["linux/arm64"], "app/worker")); m != elf.EM_AARCH64 {
		t.Errorf("arm64 worker is %v", m)
	}
	if m := elfMachine(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/api")); m != elf.EM_X86_64 {
		t.Errorf("amd64 api is %v", m)
	}
	if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "app/worker")); !strings.Contains(got, "hello from worker") {
		t.Errorf("worker printed %q", got)
	}
	if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/api")); !strings.Contains(got, "hello from api") {
		t.Errorf("api printed %q", got)
	}
	if cfg := img.Configs["linux/arm64"]; cfg.Architecture != "arm64" {
		t.Errorf("arm64 config says %s", cfg.Architecture)
	}

	// --platform wins over platforms:, and the binaries target makes one folder per platform.
	out := t.TempDir()
	mustOK(t, cli(t, dir, "--platform", "linux/arm/v7,linux/riscv64", "--target", "binaries", "-o", "type=local,dest="+out, "."))
	if m := elfMachine(t, filepath.Join(out, "linux_arm_v7", "api")); m != elf.EM_ARM {
		t.Errorf("arm/v7 api is %v", m)
	}
	if m := elfMachine(t, filepath.Join(out, "linux_riscv64", "worker")); m != elf.EM_RISCV {
		t.Errorf("riscv64 worker is %v", m)
	}
}

// TestCGO builds the cgo example natively and runs it; cross-compiling it
// without a C cross compiler fails with the cc: advice.
func TestCGO(t *testing.T) {
	dir := copyDir(t, "examples/cgo")
	tarball := filepath.Join(t.TempDir(), "cgo.tar")
	r := cli(t, dir, "--progress", "plain", "-o", "type=oci,dest="+tarball, ".")
	mustOK(t, r)
	// The golang image is chosen, and the log says why.
	if !regexp.MustCompile(`\[builder\] docker.io/library/golang:1\.\d+\.\d+: cgo is on`).MatchString(r.out) {
		t.Errorf("the log does not name the golang image and why:\n%s", tail(r.out, 40))
	}
	img := loadOCI(t, tarball)
	root := img.Rootfs["linux/amd64"]
	if got := runBinary(t, filepath.Join(root, "usr/local/bin/cgo")); !strings.Contains(got, "hello from C: 2+3=5") {
		t.Errorf("cgo printed %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, "lib/x86_64-linux-gnu/libc.so.6")); err != nil {
		t.Errorf("the default cgo base should carry glibc: %v", err)
	}
	r = cli(t, dir, "--platform", "linux/arm64", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil || !strings.Contains(r.out, "needs a C cross compiler for linux/arm64") || !strings.Contains(r.out, "cc:") {
		t.Errorf("cross cgo without cc: want the cc: advice:\n%s", tail(r.out, 20))
	}
}

// TestCGOFoundByTheCompile: with cgo unset and nothing in go.mod that needs
// it, the build starts on the minimal root; the compile step finds a package
// with Go files only with cgo, stops (it has no C compiler), and the build
// runs again in the golang image, with cgo linked statically, on the
// built-in static base. The step says so (and a build warning).
func TestCGOFoundByTheCompile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/cgoauto\n\ngo 1.26\n")
	// A source of its own, so that the compile steps run (and log) in every run.
	writeFile(t, filepath.Join(dir, "main.go"), fmt.Sprintf("package main\n\n// int add(int a, int b) { return a + b; }\nimport \"C\"\n\nimport \"fmt\"\n\n// run %d\nfunc main() { fmt.Println(\"cgo auto:\", C.add(2, 3)) }\n", time.Now().UnixNano()))
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\n")
	tarball := filepath.Join(t.TempDir(), "img.tar")
	r := cli(t, dir, "--progress", "plain", "-o", "type=oci,dest="+tarball, ".")
	mustOK(t, r)
	for _, want := range []string{"go build needs a C compiler (cgoauto needs cgo", "building in the golang image instead", "building cgoauto with cgo, linked statically"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, tail(r.out, 40))
		}
	}
	img := loadOCI(t, tarball)
	root := img.Rootfs["linux/amd64"]
	if got := runBinary(t, filepath.Join(root, "usr/local/bin/cgoauto")); !strings.Contains(got, "cgo auto: 5") {
		t.Errorf("the binary printed %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, "usr/share/zoneinfo/UTC")); err != nil {
		t.Errorf("not on the built-in static base: %v", err)
	}
}

// TestServerImage: version stamping, image config (ports, healthcheck, stop
// signal, OCI labels), and the binary serving HTTP.
func TestServerImage(t *testing.T) {
	dir := copyDir(t, "examples/server")
	tarball := filepath.Join(t.TempDir(), "server.tar")
	mustOK(t, cli(t, dir, "--progress", "plain", "--build-arg", "VERSION=1.2.3", "-o", "type=oci,dest="+tarball, "."))
	img := loadOCI(t, tarball)
	cfg := img.Configs["linux/amd64"].Config
	if _, ok := cfg.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("ports %v", cfg.ExposedPorts)
	}
	if cfg.StopSignal != "SIGINT" || cfg.Healthcheck == nil || cfg.Healthcheck.Test[0] != "CMD" || cfg.Healthcheck.Interval != 30*time.Second {
		t.Errorf("stop signal %q, healthcheck %+v", cfg.StopSignal, cfg.Healthcheck)
	}
	if cfg.Labels["org.opencontainers.image.version"] != "1.2.3" || cfg.Labels["org.opencontainers.image.title"] != "server" {
		t.Errorf("labels %v", cfg.Labels)
	}
	if strings.Join(cfg.Cmd, " ") != "-listen=:8080" {
		t.Errorf("cmd %v", cfg.Cmd)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	bin := filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/server")
	srv := exec.Command(bin, fmt.Sprintf("-listen=127.0.0.1:%d", port))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	var body string
	for i := 0; i < 50; i++ {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/hello", port))
		if err == nil {
			b := make([]byte, 200)
			n, _ := resp.Body.Read(b)
			resp.Body.Close()
			body = string(b[:n])
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(body, "hello from server 1.2.3") {
		t.Errorf("server answered %q; want the stamped version", body)
	}
	if got := runBinary(t, bin, "-health", fmt.Sprintf("-listen=:%d", port)); !strings.Contains(got, "healthy") {
		t.Errorf("health check printed %q", got)
	}
}

// TestTestTarget: passing tests export JUnit; a failing test fails the build
// with its output.
func TestTestTarget(t *testing.T) {
	dir := copyDir(t, "examples/server")
	out := t.TempDir()
	mustOK(t, cli(t, dir, "--progress", "plain", "--target", "test", "-o", "type=local,dest="+out, "."))
	for _, f := range []string{"junit.xml", "test.json", "test.txt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("test target did not export %s: %v", f, err)
		}
	}
	junit, _ := os.ReadFile(filepath.Join(out, "junit.xml"))
	if !strings.Contains(string(junit), `name="TestVersionDefault"`) {
		t.Errorf("junit.xml lacks the test:\n%s", junit)
	}

	writeFile(t, filepath.Join(dir, "fail_test.go"), "package main\n\nimport \"testing\"\n\nfunc TestBroken(t *testing.T) { t.Fatal(\"this test is broken on purpose\") }\n")
	r := cli(t, dir, "--progress", "plain", "--target", "test", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatal("a failing test did not fail the build")
	}
	for _, want := range []string{"go test failed", "--- FAIL: TestBroken", "this test is broken on purpose", "1 passed, 1 failed"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, tail(r.out, 30))
		}
	}
	if strings.Contains(r.out, "TestVersionDefault (") {
		t.Errorf("passing tests should not be in the failure output")
	}
}

// TestTidyTarget exports a fixed go.mod.
func TestTidyTarget(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/hello\n\ngo 1.26\n\nrequire example.com/unused v0.0.0\n\nreplace example.com/unused => ./unused\n")
	writeFile(t, filepath.Join(dir, "unused/go.mod"), "module example.com/unused\n\ngo 1.26\n")
	writeFile(t, filepath.Join(dir, "unused/u.go"), "package unused\n")
	out := t.TempDir()
	mustOK(t, cli(t, dir, "--target", "tidy", "-o", "type=local,dest="+out, "."))
	got, err := os.ReadFile(filepath.Join(out, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got), "require example.com/unused") {
		t.Errorf("tidy target kept the unused require:\n%s", got)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.Name() != "go.mod" && e.Name() != "go.sum" {
			t.Errorf("tidy target wrote %s; it must write only go.mod and go.sum", e.Name())
		}
	}
}

// TestScratchBase: on scratch, CA certificates, passwd with nonroot, /tmp and
// zoneinfo are added; extra files get their mode and owner.
func TestScratchBase(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	writeFile(t, filepath.Join(dir, "config/app.yaml"), "greeting: hi\n")
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nimage:\n  base: scratch\n  files:\n    - {src: config/app.yaml, dst: /etc/hello/app.yaml, mode: \"0640\", owner: \"65532:65532\"}\n")
	tarball := filepath.Join(t.TempDir(), "scratch.tar")
	mustOK(t, cli(t, dir, "-o", "type=oci,dest="+tarball, "."))
	img := loadOCI(t, tarball)
	root := img.Rootfs["linux/amd64"]
	for _, f := range []string{"etc/ssl/certs/ca-certificates.crt", "etc/passwd", "etc/group", "tmp", "usr/share/zoneinfo/Europe/Paris", "etc/hello/app.yaml", "usr/local/bin/hello"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("scratch image lacks %s: %v", f, err)
		}
	}
	pw, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if !strings.Contains(string(pw), "nonroot:x:65532:65532") {
		t.Errorf("passwd: %s", pw)
	}
	if u := img.Configs["linux/amd64"].Config.User; u != "65532" {
		t.Errorf("user %q", u)
	}
	if got := runBinary(t, filepath.Join(root, "usr/local/bin/hello")); !strings.Contains(got, "Hello") {
		t.Errorf("hello printed %q", got)
	}
}

// TestNoCacheAndVet: --no-cache runs every step again; the vet target fails on
// a vet finding with go vet's message.
func TestNoCacheAndVet(t *testing.T) {
	dir := copyDir(t, "examples/hello")
	out := t.TempDir()
	mustOK(t, cli(t, dir, "--target", "binaries", "-o", "type=local,dest="+out, "."))
	r := cli(t, dir, "--progress", "rawjson", "--no-cache", "--target", "binaries", "-o", "type=local,dest="+out, ".")
	mustOK(t, r)
	vs := vertices(t, r.out)
	if step(t, vs, "go build").Cached || step(t, vs, "go mod download").Cached {
		t.Errorf("--no-cache left steps cached")
	}

	mustOK(t, cli(t, dir, "--target", "vet", "."))
	writeFile(t, filepath.Join(dir, "bad.go"), "package main\n\nimport \"fmt\"\n\nfunc bad() { fmt.Printf(\"%d\\n\", \"not a number\") }\n")
	r = cli(t, dir, "--progress", "plain", "--target", "vet", ".")
	if r.err == nil || !strings.Contains(r.out, "fmt.Printf format %d has arg") {
		t.Errorf("vet target: want go vet's finding:\n%s", tail(r.out, 20))
	}
}
