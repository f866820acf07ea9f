package gosum

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gopherfile/gopherfile/internal/safefile"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []Entry
	}{
		{"empty", nil, []Entry{}},
		{
			"zip and go.mod lines merge",
			[]string{"example.com/b v0.1.0/go.mod h1:bmod=\nexample.com/a v1.0.0 h1:zip=\nexample.com/a v1.0.0/go.mod h1:mod=\n"},
			[]Entry{{"example.com/a", "v1.0.0", "h1:zip=", "h1:mod="}, {"example.com/b", "v0.1.0", "", "h1:bmod="}},
		},
		{
			"two files (go.sum and go.work.sum), no final newline, CRLF",
			[]string{"example.com/a v1.0.0 h1:zip=\r\n", "example.com/a v1.0.0/go.mod h1:mod="},
			[]Entry{{"example.com/a", "v1.0.0", "h1:zip=", "h1:mod="}},
		},
		{
			"lines go would refuse are skipped",
			[]string{strings.Join([]string{
				"not a line",
				"example.com/c v1.0.0 sha256:other",
				"../escape v1.0.0 h1:x=",
				"example.com/d notaversion h1:x=",
				"example.com/e v1.0.0 h1:x= extra",
			}, "\n")},
			[]Entry{},
		},
		{
			"versions sort within a path",
			[]string{"example.com/a v1.2.0 h1:two=\nexample.com/a v1.10.0 h1:ten=\n"},
			[]Entry{{"example.com/a", "v1.10.0", "h1:ten=", ""}, {"example.com/a", "v1.2.0", "h1:two=", ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var data [][]byte
			for _, s := range tt.in {
				data = append(data, []byte(s))
			}
			got := Parse(data...)
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("entry %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	sum := filepath.Join(dir, "go.sum")
	os.WriteFile(sum, []byte("example.com/a v1.0.0 h1:zip=\n"), 0o644)
	work := filepath.Join(dir, "go.work.sum")
	os.WriteFile(work, []byte("example.com/a v1.0.0/go.mod h1:mod=\n"), 0o644)
	got, err := ReadFiles(sum, filepath.Join(dir, "absent.sum"), work)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != (Entry{"example.com/a", "v1.0.0", "h1:zip=", "h1:mod="}) {
		t.Errorf("got %+v", got)
	}

	big := filepath.Join(dir, "big.sum")
	f, _ := os.Create(big)
	f.Truncate(safefile.MaxGoMod + 1)
	f.Close()
	if _, err := ReadFiles(big); err == nil || !strings.Contains(err.Error(), "big.sum is larger than 16 MiB") {
		t.Errorf("a go.sum over the bound: got %v", err)
	}
	if err := os.Truncate(big, safefile.MaxGoMod); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFiles(big); err != nil {
		t.Errorf("a go.sum of exactly the bound: %v", err)
	}

	fifo := filepath.Join(dir, "fifo.sum")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFiles(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a named pipe as go.sum: got %v", err)
	}
}
