package plan

import (
	"fmt"
	"go/version"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

// TestReleaseTable checks the table itself: one row per minor line, in
// order, with no gaps, each a valid Go version.
func TestReleaseTable(t *testing.T) {
	for i, row := range goReleases {
		v := "go" + row.Minor + ".0"
		if !version.IsValid(v) || version.Lang(v) != "go"+row.Minor {
			t.Errorf("row %d: %q is not a Go minor line", i, row.Minor)
		}
		if i == 0 {
			continue
		}
		prev := goReleases[i-1].Minor
		if version.Compare("go"+prev, "go"+row.Minor) >= 0 {
			t.Errorf("row %d: %s is not newer than %s", i, row.Minor, prev)
		}
		if nextMinor(prev) != row.Minor {
			t.Errorf("row %d: %s follows %s: a minor line is missing", i, row.Minor, prev)
		}
	}
	if got := NewestGo(); !strings.HasPrefix(got, goReleases[len(goReleases)-1].Minor+".") {
		t.Errorf("NewestGo() = %s", got)
	}
}

func nextMinor(v string) string {
	var major, minor int
	fmt.Sscanf(v, "%d.%d", &major, &minor)
	return fmt.Sprintf("%d.%d", major, minor+1)
}

func TestLookupGo(t *testing.T) {
	tests := []struct {
		v     string
		known bool
		newer bool
		patch string
	}{
		{"1.25.3", true, false, "1.25.14"},
		{"go1.25.14", true, false, "1.25.14"},
		{"1.25.15", false, false, "1.25.14"}, // not released (as far as this table knows)
		{"1.25", true, false, "1.25.14"},
		{"1.25rc2", true, false, "1.25.14"},
		{"1.20.5", false, false, ""}, // before the table
		{NewestGo(), true, false, NewestGo()},
		{"1.99.0", false, true, ""},
		{"banana", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.v, func(t *testing.T) {
			r := LookupGo(tt.v)
			if r.Known != tt.known || r.Newer != tt.newer || r.NewestPatch != tt.patch {
				t.Errorf("LookupGo(%q) = %+v, want known %v, newer %v, newest patch %q", tt.v, r, tt.known, tt.newer, tt.patch)
			}
		})
	}
}

// TestDefaultBuilder is the builder choice without go:, GO_VERSION or builder:.
func TestDefaultBuilder(t *testing.T) {
	newest := NewestGo()
	tests := []struct {
		name    string
		facts   gomod.Facts
		work    *gomod.Workspace
		builder string
		origin  string
		why     string
	}{
		{"old go line gets the oldest line known", gomod.Facts{Go: "1.13"}, nil, "golang:1.21.13", "go.mod", "go.mod's go line 1.13 and no toolchain line: Go 1.21.13, the newest release of the oldest line this frontend knows"},
		{"go 1.17 moves up for the tidy check", gomod.Facts{Go: "1.17"}, nil, "golang:1.23.12", "go.mod", "the tidy check needs Go 1.23 or newer"},
		{"go line with a patch moves up for the tidy check", gomod.Facts{Go: "1.22.3"}, nil, "golang:1.23.12", "go.mod", "go line 1.22.3 and no toolchain line: the newest Go 1.23 release this frontend knows, 1.23.12"},
		{"go line gets its minor's newest patch", gomod.Facts{Go: "1.25.0"}, nil, "golang:1.25.14", "go.mod", "go.mod's go line 1.25.0 and no toolchain line: the newest Go 1.25 release this frontend knows, 1.25.14"},
		{"go line without a patch", gomod.Facts{Go: "1.25"}, nil, "golang:1.25.14", "go.mod", "the newest Go 1.25 release"},
		{"newest line", gomod.Facts{Go: "1.27.0"}, nil, "golang:" + newest, "go.mod", "the newest Go 1.27 release"},
		{"no go line", gomod.Facts{}, nil, "golang:" + newest, "go.mod", "no toolchain line and no go line"},
		{"toolchain line wins", gomod.Facts{Go: "1.21", Toolchain: "1.25.3"}, nil, "golang:1.25.3", "go.mod", "go.mod's toolchain line go1.25.3"},
		{"toolchain line older than the go line is ignored", gomod.Facts{Go: "1.24.0", Toolchain: "1.23.4"}, nil, "golang:1.24.13", "go.mod", "go line 1.24.0"},
		{"custom toolchain name", gomod.Facts{Go: "1.24", Toolchain: "1.24.2-custom"}, nil, "golang:1.24.2", "go.mod", "toolchain line go1.24.2"},
		{"go line newer than the table", gomod.Facts{Go: "1.99"}, nil, "golang:1.99", "go.mod", "go.mod's go line 1.99, newer than Go " + newest},
		{"go line newer than the table with a patch", gomod.Facts{Go: "1.99.1"}, nil, "golang:1.99.1", "go.mod", "go line 1.99.1"},
		{"go.work toolchain wins over go.mod's", gomod.Facts{Go: "1.22", Toolchain: "1.22.5"}, &gomod.Workspace{Go: "1.23", Toolchain: "1.24.1"}, "golang:1.24.1", "go.work", "go.work's toolchain line go1.24.1"},
		{"go.work go line without toolchain (tidy off in a workspace)", gomod.Facts{Go: "1.22"}, &gomod.Workspace{Go: "1.21"}, "golang:1.21.13", "go.work", "go.work's go line 1.21"},
		{"go.mod toolchain older than the go.work go line", gomod.Facts{Go: "1.22", Toolchain: "1.22.5"}, &gomod.Workspace{Go: "1.24"}, "golang:1.24.13", "go.work", "go.work's go line 1.24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			facts := tt.facts
			facts.Path = "example.com/m"
			p, err := New(mustSpec(t, "version: 1\n"), gomod.Module{Facts: &facts, Work: tt.work}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Builder != tt.builder || p.BuilderOrigin != tt.origin || !strings.Contains(p.BuilderReason, tt.why) {
				t.Errorf("got %s (origin %s, why %q), want %s (origin %s, why containing %q)", p.Builder, p.BuilderOrigin, p.BuilderReason, tt.builder, tt.origin, tt.why)
			}
			if "golang:"+p.GoVersion != p.Builder {
				t.Errorf("GoVersion %s does not match the builder %s", p.GoVersion, p.Builder)
			}
		})
	}
}

func TestBuilderReasonOverrides(t *testing.T) {
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.22", Toolchain: "1.26.1"}
	tests := []struct {
		spec string
		args map[string]string
		why  string
	}{
		{"version: 1\ngo: \"1.24\"\n", nil, `the Gopherfile's go: "1.24"`},
		{"version: 1\n", map[string]string{ArgGoVersion: "1.25"}, "--build-arg GO_VERSION=1.25"},
		{"version: 1\nbuilder: registry.example.com/go:1\n", nil, "the Gopherfile's builder: registry.example.com/go:1"},
		{"version: 1\n", map[string]string{ArgBuilderImage: "c/d:2"}, "--build-arg BUILDER_IMAGE=c/d:2"},
	}
	for _, tt := range tests {
		p, err := New(mustSpec(t, tt.spec), gomod.Module{Facts: facts}, Options{BuildArgs: tt.args})
		if err != nil {
			t.Fatal(err)
		}
		if p.BuilderReason != tt.why {
			t.Errorf("%q %v: reason %q, want %q", tt.spec, tt.args, p.BuilderReason, tt.why)
		}
	}
}
