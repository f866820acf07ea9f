package step

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLacksModules: the tidy check fetches with FetchProcs when the module
// cache lacks the zip of a go.sum line (go.mod lines do not count), and
// keeps go's default when every zip is there.
func TestLacksModules(t *testing.T) {
	cache := t.TempDir()
	dl := filepath.Join(cache, "cache", "download", "github.com", "!burnt!sushi", "toml", "@v")
	os.MkdirAll(dl, 0o755)
	os.WriteFile(filepath.Join(dl, "v1.4.0.ziphash"), []byte("h1:x=\n"), 0o644)
	dir := t.TempDir()
	sum := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	for _, tt := range []struct {
		name, sum string
		want      bool
	}{
		{"every zip there (escaped path)", "github.com/BurntSushi/toml v1.4.0 h1:a=\ngithub.com/BurntSushi/toml v1.4.0/go.mod h1:b=\n", false},
		{"a go.mod line only", "example.com/other v1.0.0/go.mod h1:c=\n", false},
		{"a zip missing", "github.com/BurntSushi/toml v1.4.0 h1:a=\nexample.com/other v1.0.0 h1:d=\n", true},
		{"junk lines", "not a go.sum\n\nexample.com/x\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := lacksModules(cache, []string{sum("go.sum", tt.sum), filepath.Join(dir, "missing.sum")}); got != tt.want {
				t.Errorf("lacksModules = %v, want %v", got, tt.want)
			}
		})
	}
}
