package plan

import (
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/gomod"
)

// Issue 21 item 4: under --build-arg GOPHERFILE_UNTRUSTED=1 the Gopherfile
// may not choose what runs next to the build's secrets.
func TestUntrusted(t *testing.T) {
	mod := gomod.Module{Facts: &gomod.Facts{Path: "example.com/app", Go: "1.25.0"}}
	on := map[string]string{ArgUntrusted: "1"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{ArgUntrusted: "1"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name      string
		gopherfil string
		args      map[string]string
		field     string // "" when the plan is accepted
		want      string
	}{
		{"default builder", "version: 1\n", on, "", ""},
		{"go: picks golang", "version: 1\ngo: \"1.26\"\n", on, "", ""},
		{"official builder", "version: 1\nbuilder: golang:1.26.8-bookworm\n", on, "", ""},
		{"official builder, full name", "version: 1\nbuilder: docker.io/library/golang:1.26\n", on, "", ""},
		{"any builder", "version: 1\nbuilder: evil.example/pwn:latest\n", on, "builder", "is not an image Gopherfile would choose"},
		{"golang without a Go tag", "version: 1\nbuilder: golang:latest\n", on, "builder", "GOPHERFILE_BUILDERS"},
		{"builder allowed by CI", "version: 1\nbuilder: registry.acme/go:1.26\n", with(map[string]string{ArgBuilders: "registry.acme/go"}), "", ""},
		{"builder allowed by exact ref", "version: 1\nbuilder: registry.acme/go:1.26\n", with(map[string]string{ArgBuilders: "registry.acme/go:1.25, registry.acme/go:1.26"}), "", ""},
		{"builder not in the list", "version: 1\nbuilder: registry.acme/go:1.27\n", with(map[string]string{ArgBuilders: "registry.acme/go:1.26"}), "builder", "not an image"},
		{"BUILDER_IMAGE from CI", "version: 1\n", with(map[string]string{ArgBuilderImage: "registry.acme/go:1"}), "", ""},
		{"auth command", "version: 1\nmodules:\n  auth: cat /run/secrets/netrc\n", on, "modules.auth", "runs a command"},
		{"auth git dir", "version: 1\nmodules:\n  auth: git /src\n", on, "modules.auth", "runs a command"},
		{"auth netrc", "version: 1\nmodules:\n  auth: netrc\n", on, "", ""},
		{"auth from CI", "version: 1\n", with(map[string]string{"GOAUTH": "mycred"}), "", ""},
		{"toolchain auto alone", "version: 1\nmodules:\n  toolchain: auto\n", on, "", ""},
		{"toolchain with sumdb off", "version: 1\nmodules:\n  toolchain: auto\n  sumdb: \"off\"\n", on, "modules.toolchain", "GOSUMDB=off"},
		{"toolchain with own sumdb", "version: 1\nmodules:\n  toolchain: go1.99.0\n  sumdb: sum.evil.example\n", on, "modules.toolchain", "not the default checksum database"},
		{"toolchain with file proxy", "version: 1\nmodules:\n  toolchain: auto\n  proxy: file:///src/proxy\n", on, "modules.toolchain", "file:// proxy"},
		{"toolchain with nosumdb", "version: 1\nmodules:\n  toolchain: auto\n  nosumdb: [golang.org/*]\n", on, "modules.toolchain", "covers golang.org/toolchain"},
		{"trusted: anything goes", "version: 1\nbuilder: evil.example/pwn:latest\nmodules:\n  auth: cat x\n  toolchain: auto\n  sumdb: \"off\"\n", nil, "", ""},
		{"a typo is refused", "version: 1\n", map[string]string{ArgUntrusted: "yes"}, "", "write 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(mustSpec(t, tt.gopherfil), mod, Options{BuildArgs: tt.args})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			pe, ok := err.(*Error)
			if !ok || pe.Field != tt.field || !strings.Contains(pe.Msg, tt.want) {
				t.Fatalf("got %#v, want field %q and %q", err, tt.field, tt.want)
			}
		})
	}
}

// The steps that hold secrets get none of an untrusted Gopherfile's env:,
// only GOFLAGS and GOEXPERIMENT from build args.
func TestUntrustedEnv(t *testing.T) {
	mod := gomod.Module{Facts: &gomod.Facts{Path: "example.com/app", Go: "1.25.0"}}
	s := mustSpec(t, "version: 1\nenv:\n  GOFLAGS: -modfile=/src/leak.mod\n  CGO_ENABLED: \"0\"\n  GODEBUG: x509sha1=1\n")
	p, err := New(s, mod, Options{BuildArgs: map[string]string{ArgUntrusted: "true", "GOEXPERIMENT": "loopvar"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.SecretStepEnv, " "); got != "GOEXPERIMENT=loopvar" {
		t.Errorf("secret step env %q", got)
	}
	if _, ok := p.Downloads.Setting("GOFLAGS"); ok {
		t.Error("the Gopherfile's GOFLAGS is still a download setting")
	}
	if v, _ := EnvValue(p.Env, "GOFLAGS"); v != "-modfile=/src/leak.mod" {
		t.Errorf("the offline steps lost env.GOFLAGS: %q", v)
	}
	p, _ = New(s, mod, Options{})
	if strings.Join(p.SecretStepEnv, " ") != strings.Join(p.Env, " ") {
		t.Errorf("trusted: %q vs %q", p.SecretStepEnv, p.Env)
	}
}
