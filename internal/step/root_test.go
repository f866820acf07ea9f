package step

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteRoot: the minimal root and the static base have the layout of a
// distroless static image, with a CA bundle that parses.
func TestWriteRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		// make test runs as root; in CI (CI=true) a skip would hide the test.
		if os.Getenv("CI") != "" {
			t.Fatal("writes files owned by 65532: needs root, and CI must run it")
		}
		t.Skip("writes files owned by 65532: needs root (make test runs as root)")
	}
	out := t.TempDir()
	if err := writeRoot(out); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"tmp": 0o777 | os.ModeDir | os.ModeSticky, "home/nonroot": 0o700 | os.ModeDir, "root": 0o700 | os.ModeDir, "etc/passwd": 0o644} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want.Perm() || fi.Mode()&os.ModeSticky != want&os.ModeSticky {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
		}
	}
	fi, _ := os.Stat(filepath.Join(out, "home/nonroot"))
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != nonrootID || st.Gid != nonrootID {
		t.Errorf("home/nonroot owned by %d:%d", st.Uid, st.Gid)
	}
	pw, _ := os.ReadFile(filepath.Join(out, "etc/passwd"))
	if !strings.Contains(string(pw), "nonroot:x:65532:65532:nonroot:/home/nonroot:") {
		t.Errorf("passwd:\n%s", pw)
	}
	ca, _ := os.ReadFile(filepath.Join(out, CABundlePath))
	n := 0
	for rest := ca; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			t.Fatalf("certificate %d: %v", n, err)
		}
		n++
	}
	if n < 100 {
		t.Errorf("%d CA certificates, want the Mozilla roots (over 100)", n)
	}
}
