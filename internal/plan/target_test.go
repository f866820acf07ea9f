package plan

import (
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

var twoBins = "version: 1\nbuilds:\n  - main: ./cmd/api\n  - main: ./cmd/worker\n    output: /app/worker\nimage:\n  entrypoint: [/usr/local/bin/api]\n  cmd: [--listen=:8080]\n  labels: {team: core}\n  user: \"1000\"\n"

func TestBuildTargets(t *testing.T) {
	facts := &gomod.Facts{Path: "example.com/multi", Go: "1.26"}
	tests := []struct {
		target                string
		bins, entrypoint, cmd string
		wantTitle             string
		wantErr               []string
	}{
		{target: "", bins: "api,worker", entrypoint: "/usr/local/bin/api", cmd: "--listen=:8080", wantTitle: "api"},
		{target: "image", bins: "api,worker", entrypoint: "/usr/local/bin/api", cmd: "--listen=:8080", wantTitle: "api"},
		// The image's entrypoint is api already: its cmd stays.
		{target: "api", bins: "api", entrypoint: "/usr/local/bin/api", cmd: "--listen=:8080", wantTitle: "api"},
		// worker's image runs worker, without api's arguments.
		{target: "worker", bins: "worker", entrypoint: "/app/worker", cmd: "", wantTitle: "worker"},
		{target: "nope", wantErr: []string{`unknown target "nope"`, "image, binaries, deps, tidy, test, vet, vulncheck", "one image per build: api, worker", "--call targets"}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			p, err := New(mustSpec(t, twoBins), gomod.Module{Facts: facts}, Options{Target: tt.target})
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, b := range p.Binaries {
				names = append(names, b.Name)
			}
			if got := strings.Join(names, ","); got != tt.bins {
				t.Errorf("binaries %s, want %s", got, tt.bins)
			}
			if got := strings.Join(p.Image.Entrypoint, " "); got != tt.entrypoint {
				t.Errorf("entrypoint %s, want %s", got, tt.entrypoint)
			}
			if got := strings.Join(p.Image.Cmd, " "); got != tt.cmd {
				t.Errorf("cmd %q, want %q", got, tt.cmd)
			}
			if p.Target != TargetImage || p.Image.User != "1000" || p.Image.Labels["team"] != "core" || p.Image.Labels["org.opencontainers.image.title"] != tt.wantTitle {
				t.Errorf("target %s, image %+v", p.Target, p.Image)
			}
			var list []string
			for _, ti := range p.TargetList() {
				list = append(list, ti.Name)
			}
			if got := strings.Join(list, ","); got != "image,binaries,deps,tidy,test,vet,vulncheck,api,worker" {
				t.Errorf("targets %s", got)
			}
		})
	}
}

func TestBuildNamedLikeFixedTarget(t *testing.T) {
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.26"}
	tests := []struct{ gopherfile, field string }{
		// Named by main: the error is at main.
		{"version: 1\nbuilds:\n  - main: ./cmd/test\n", "builds[0].main"},
		{"version: 1\nbuilds:\n  - main: ./cmd/api\n  - main: ./tools/deps\n", "builds[1].main"},
	}
	for _, tt := range tests {
		_, err := New(mustSpec(t, tt.gopherfile), gomod.Module{Facts: facts}, Options{})
		pe, ok := err.(*Error)
		if !ok || pe.Field != tt.field || !strings.Contains(pe.Msg, "fixed target") || !strings.Contains(pe.Msg, "rename the build with name:") {
			t.Errorf("%q: error %v (field %v)", tt.gopherfile, err, pe)
		}
	}
}

func TestPlatformLdflags(t *testing.T) {
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.26"}
	g := "version: 1\nbuilds:\n  - ldflags: -X main.platform={{.Os}}/{{.Arch}}{{if .Variant}}/{{.Variant}}{{end}} -X main.commit={{.ShortCommit}}\n"
	p, err := New(mustSpec(t, g), gomod.Module{Facts: facts}, Options{VCSRevision: "0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	b := p.Binaries[0]
	if b.PlatformLdflags == "" || strings.Contains(strings.Join(b.Flags, " "), "-ldflags") {
		t.Fatalf("binary %+v", b)
	}
	tests := []struct{ os, arch, variant, want string }{
		{"linux", "amd64", "", "-ldflags=-s -w -X main.platform=linux/amd64 -X main.commit=0123456"},
		{"linux", "arm", "v7", "-ldflags=-s -w -X main.platform=linux/arm/v7 -X main.commit=0123456"},
		{"linux", "arm64", "", "-ldflags=-s -w -X main.platform=linux/arm64 -X main.commit=0123456"},
	}
	for _, tt := range tests {
		flags, err := p.BuildFlags(b, tt.os, tt.arch, tt.variant)
		if err != nil {
			t.Fatal(err)
		}
		if flags[0] != tt.want {
			t.Errorf("%s/%s: %q, want %q", tt.os, tt.arch, flags[0], tt.want)
		}
	}
	// Without a platform value, the flags are rendered once.
	p, err = New(mustSpec(t, "version: 1\nbuilds:\n  - ldflags: -X main.c={{.ShortCommit}}\n"), gomod.Module{Facts: facts}, Options{BuildArgs: map[string]string{"COMMIT": "abc"}})
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Binaries[0]; b.PlatformLdflags != "" || b.Flags[0] != "-ldflags=-s -w -X main.c=abc" {
		t.Errorf("binary %+v", b)
	}
	// A short commit with a space is refused like the commit.
	_, err = New(mustSpec(t, "version: 1\nbuilds:\n  - ldflags: -X main.c={{.ShortCommit}}\n"), gomod.Module{Facts: facts}, Options{BuildArgs: map[string]string{"COMMIT": "a b"}})
	if err == nil || !strings.Contains(err.Error(), "build arg COMMIT") {
		t.Errorf("error %v", err)
	}
}

func TestGenerateAndSources(t *testing.T) {
	facts := &gomod.Facts{Path: "example.com/m", Go: "1.26"}
	p, err := New(mustSpec(t, "version: 1\ngenerate: [./...]\nsources:\n  - {context: web, dst: ./web/dist/}\n"), gomod.Module{Facts: facts}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Generate, " ") != "./..." || len(p.Sources) != 1 || p.Sources[0] != (Source{Context: "web", Dst: "web/dist", Field: "sources[0]"}) {
		t.Errorf("generate %v sources %+v", p.Generate, p.Sources)
	}
}
