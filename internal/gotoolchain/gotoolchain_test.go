package gotoolchain

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
)

const vers = "v0.0.1-go1.99.0.linux-amd64"

// toolchainZip is a small toolchain module zip.
func toolchainZip(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeZip(t *testing.T, data []byte) (string, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tc.zip")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := dirhash.HashZip(p, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	return p, h
}

func TestExtract(t *testing.T) {
	prefix := Module + "@" + vers + "/"
	p, h := writeZip(t, toolchainZip(t, map[string]string{
		prefix + "bin/go": "#!go", prefix + "pkg/tool/linux_amd64/compile": "c", prefix + "src/fmt/print.go": "package fmt",
		prefix + "lib/wasm/go_js_wasm_exec": "x", prefix + "lib/time/zoneinfo.zip": "z",
		prefix + "src/fmt/fmt_test.go": "package fmt_test", prefix + "src/fmt/testdata/x": "t", prefix + "src/testdata/y": "t",
	}))
	dst := t.TempDir()
	n, err := Extract(p, vers, dst, h, "test")
	if err != nil || n != 5 {
		t.Fatalf("Extract: %d files, %v", n, err)
	}
	for _, left := range []string{"src/fmt/fmt_test.go", "src/fmt/testdata", "src/testdata"} {
		if _, err := os.Lstat(filepath.Join(dst, left)); err == nil {
			t.Errorf("%s was written: the standard library's tests are left out", left)
		}
	}
	// The hash still covers the files left out.
	p2, h2 := writeZip(t, toolchainZip(t, map[string]string{prefix + "bin/go": "#!go", prefix + "src/fmt/fmt_test.go": "changed"}))
	if _, err := Extract(p2, vers, t.TempDir(), h, "test"); err == nil {
		t.Error("a zip with another test file passed as the toolchain")
	}
	if _, err := Extract(p2, vers, t.TempDir(), h2, "test"); err != nil {
		t.Error(err)
	}
	for name, mode := range map[string]os.FileMode{"bin/go": 0o755, "pkg/tool/linux_amd64/compile": 0o755, "lib/wasm/go_js_wasm_exec": 0o755, "src/fmt/print.go": 0o644, "lib/time/zoneinfo.zip": 0o644} {
		fi, err := os.Stat(filepath.Join(dst, name))
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, mode %v, want %v", name, err, fi.Mode().Perm(), mode)
		}
	}
	var se *SecurityError
	if _, err := Extract(p, vers, t.TempDir(), "h1:AAAA", "the table"); !errors.As(err, &se) || !strings.Contains(err.Error(), "SECURITY ERROR") {
		t.Errorf("a wrong hash gave %v", err)
	}
	for _, bad := range []string{prefix + "../escape", "golang.org/toolchain@v0.0.1-go1.98.0.linux-amd64/bin/go"} {
		p, h := writeZip(t, toolchainZip(t, map[string]string{bad: "x"}))
		if _, err := Extract(p, vers, t.TempDir(), h, "test"); err == nil {
			t.Errorf("%s: extracted", bad)
		}
	}
}

// TestHashZip: the parallel hash is x/mod's dirhash.HashZip, for many
// files of many sizes; a zip with a name twice is refused.
func TestHashZip(t *testing.T) {
	prefix := Module + "@" + vers + "/"
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("%ssrc/p%d/f%d.go", prefix, i%7, i)] = strings.Repeat(fmt.Sprint(i), i*50)
	}
	p, want := writeZip(t, toolchainZip(t, files))
	got, err := HashZip(p)
	if err != nil || got != want {
		t.Errorf("HashZip: %s, %v; dirhash.HashZip: %s", got, err, want)
	}
	if err := Verify(p, vers, want, "test"); err != nil {
		t.Errorf("Verify: %v", err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for range 2 {
		w, _ := zw.Create(prefix + "bin/go")
		w.Write([]byte("x"))
	}
	zw.Close()
	dup, _ := writeZip(t, b.Bytes())
	if _, err := HashZip(dup); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a name twice: %v", err)
	}
	if _, err := Extract(dup, vers, t.TempDir(), want, "test"); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("Extract of a name twice: %v", err)
	}
}

func TestStdTest(t *testing.T) {
	for name, want := range map[string]bool{
		"src/fmt/print_test.go":            true,
		"src/cmd/go/testdata/script/a.txt": true,
		"src/testdata/x":                   true,
		"src/fmt/print.go":                 false,
		"src/runtime/race/race_linux.syso": false,
		"src/cmd/go/main.go":               false,
		"test/fixedbugs/bug.go":            false,
		"lib/time/zoneinfo.zip":            false,
		"pkg/tool/linux_amd64/compile":     false,
		"src/mytestdata/x.go":              false,
	} {
		if got := stdTest(name); got != want {
			t.Errorf("stdTest(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestExtractRefusesBeforeWriting: an unsafe entry anywhere in the zip
// stops the extraction before any file is written.
func TestExtractRefusesBeforeWriting(t *testing.T) {
	prefix := Module + "@" + vers + "/"
	p, h := writeZip(t, toolchainZip(t, map[string]string{prefix + "bin/go": "x", prefix + "src/a.go": "a", prefix + "../../escape": "x"}))
	dst := t.TempDir()
	if _, err := Extract(p, vers, dst, h, "test"); err == nil || !strings.Contains(err.Error(), "unsafe entry") {
		t.Fatalf("got %v", err)
	}
	if ents, _ := os.ReadDir(dst); len(ents) != 0 {
		t.Errorf("wrote %d entries before refusing", len(ents))
	}
}

// TestDownload: the GOPROXY list as the go command reads it: "," goes on
// after 404/410 only, "|" after any error, and direct or off end it.
func TestDownload(t *testing.T) {
	body := toolchainZip(t, map[string]string{Module + "@" + vers + "/bin/go": "go"})
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+Module+"/@v/"+vers+".zip" {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer good.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }))
	defer broken.Close()
	for _, tt := range []struct {
		goproxy string
		ok      bool
		want    string
	}{
		{good.URL, true, ""},
		{notFound.URL + "," + good.URL, true, ""},
		{broken.URL + "|" + good.URL, true, ""},
		{broken.URL + "," + good.URL, false, "502 Bad Gateway\n\tserver response: down"},
		{notFound.URL, false, "not found on the module proxies"},
		{"direct", false, "names no module proxy"},
		{"off," + good.URL, false, "names no module proxy"},
	} {
		dst := filepath.Join(t.TempDir(), "z.zip")
		err := Download(context.Background(), http.DefaultClient, tt.goproxy, vers, dst)
		if (err == nil) != tt.ok || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("GOPROXY=%s: %v, want ok %v (%q)", tt.goproxy, err, tt.ok, tt.want)
		}
		if tt.ok {
			if dt, _ := os.ReadFile(dst); !bytes.Equal(dt, body) {
				t.Errorf("GOPROXY=%s: wrong body", tt.goproxy)
			}
		}
	}
	if !HasProxy("https://a.example,direct") || HasProxy("direct,https://a.example") || HasProxy("off") {
		t.Error("HasProxy")
	}
}

// TestLookupSum asks a checksum database (x/mod's test server, signed with
// a key of its own) through a proxy that supports it, as GOSUMDB names it,
// and checks that a database signed with another key is refused.
func TestLookupSum(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "sum.test.example")
	if err != nil {
		t.Fatal(err)
	}
	const h1 = "h1:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ="
	ts := sumdb.NewTestServer(skey, func(path, v string) ([]byte, error) {
		return []byte(path + " " + v + " " + h1 + "\n" + path + " " + v + "/go.mod h1:x\n"), nil
	})
	db := sumdb.NewServer(ts)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/sumdb/sum.test.example")
		if !ok {
			http.NotFound(w, r)
			return
		}
		if rest == "/supported" {
			return
		}
		r.URL.Path = rest
		db.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	got, err := LookupSum(context.Background(), http.DefaultClient, proxy.URL, vkey, vers)
	if err != nil || got != h1 {
		t.Fatalf("LookupSum = %q, %v", got, err)
	}
	_, other, _ := note.GenerateKey(rand.Reader, "sum.test.example")
	if _, err := LookupSum(context.Background(), http.DefaultClient, proxy.URL, other, vers); err == nil {
		t.Error("a database signed with another key was believed")
	}
	if _, err := LookupSum(context.Background(), http.DefaultClient, proxy.URL, "off", vers); err == nil || !strings.Contains(err.Error(), "GOSUMDB=off") {
		t.Errorf("GOSUMDB=off: %v", err)
	}
}
