package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestValidationRules is the table of the rules added for hostile input
// (issue 11): each bad value fails at its line, naming the field and the
// value, and a good neighbour of it passes.
func TestValidationRules(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		want []string // in the message; empty: must parse
	}{
		// builds[].main: a package directory, never shell.
		{"main command substitution", "version: 1\nbuilds:\n  - main: \"./x$(id >&2)\"\n", 3, []string{"builds[0].main", `"./x$(id >&2)"`, "'$'", "./cmd/server"}},
		{"main backticks", "version: 1\nbuilds:\n  - main: \"./x`id`\"\n", 3, []string{"builds[0].main", "'`'"}},
		{"main semicolon", "version: 1\nbuilds:\n  - main: \"./x;id\"\n", 3, []string{"';'"}},
		{"main quote", "version: 1\nbuilds:\n  - main: \"./x'y\"\n", 3, []string{`'\''`}},
		{"main space", "version: 1\nbuilds:\n  - main: \"./cmd/my tool\"\n", 3, []string{"a space"}},
		{"main newline", "version: 1\nbuilds:\n  - main: \"./a\\nb\"\n", 3, []string{"a newline"}},
		{"main NUL escape", "version: 1\nbuilds:\n  - main: \"./a\\0b\"\n", 3, []string{"NUL"}},
		{"main non-ASCII", "version: 1\nbuilds:\n  - main: ./cmd/ünï\n", 3, []string{"'ü'"}},
		{"main glob", "version: 1\nbuilds:\n  - main: \"./cmd/*\"\n", 3, []string{"'*'"}},
		{"main ok", "version: 1\nbuilds:\n  - main: ./cmd/my-tool_v2.x+y~z\n", 0, nil},
		// builds[].name: a plain file name.
		{"name slash", "version: 1\nbuilds:\n  - name: a/b\n", 3, []string{"builds[0].name", "'/'"}},
		{"name dollar", "version: 1\nbuilds:\n  - name: \"a$(id)\"\n", 3, []string{"'$'"}},
		{"name dot dot", "version: 1\nbuilds:\n  - name: \"..\"\n", 3, []string{"start with a letter or digit"}},
		{"name too long", "version: 1\nbuilds:\n  - name: " + strings.Repeat("a", MaxNameLen+1) + "\n", 3, []string{"more than 128"}},
		{"name ok", "version: 1\nbuilds:\n  - name: my-tool_2.x\n", 0, nil},
		// builds[].name: not a fixed target (every build is a --target).
		{"name fixed target", "version: 1\nbuilds:\n  - main: ./cmd/x\n    name: test\n", 4, []string{"builds[0].name", `"test" is a fixed target`, "rename the build", "name: test-cmd"}},
		{"name image", "version: 1\nbuilds:\n  - name: image\n", 3, []string{"fixed target"}},
		// vulncheck: a mode, module versions, IDs with reasons.
		{"vulncheck mode", "version: 1\nvulncheck:\n  mode: fial\n", 3, []string{"vulncheck.mode", `"fial"`, `did you mean "fail"`}},
		{"vulncheck db", "version: 1\nvulncheck:\n  db: latest\n", 3, []string{"vulncheck.db", `"latest" is not a module version`, "v0.0.0-"}},
		{"vulncheck allow id", "version: 1\nvulncheck:\n  allow:\n    - {id: \"GO-22; rm\", reason: x}\n", 4, []string{"vulncheck.allow[0].id", "not a vulnerability ID"}},
		{"vulncheck allow no reason", "version: 1\nvulncheck:\n  allow:\n    - id: GO-2022-1059\n", 4, []string{"vulncheck.allow[0].reason", "the reason is missing"}},
		{"vulncheck allow twice", "version: 1\nvulncheck:\n  allow:\n    - {id: GO-2022-1059, reason: a}\n    - {id: GO-2022-1059, reason: b}\n", 5, []string{"listed twice"}},
		{"vulncheck ok", "version: 1\nvulncheck:\n  mode: fail\n  db: v0.0.0-20261105234957-e22db6528018\n  allow:\n    - {id: CVE-2022-32149, reason: only our own headers}\n    - {id: GHSA-69ch-w2m2-3vjp, reason: same}\n", 0, nil},
		{"name vulncheck", "version: 1\nbuilds:\n  - name: vulncheck\n", 3, []string{"fixed target"}},
		// generate: package patterns.
		{"generate flag", "version: 1\ngenerate: [-x]\n", 2, []string{"generate[0]", `"-x" is not a package pattern`}},
		{"generate parent", "version: 1\ngenerate: [../other]\n", 2, []string{"generate[0]", "not a package pattern"}},
		{"generate ok", "version: 1\ngenerate: [./..., ./internal/enum]\n", 0, nil},
		// sources: a context name and a destination inside the context.
		{"sources outside", "version: 1\nsources:\n  - context: web\n    dst: ../web\n", 4, []string{"sources[0].dst", "outside the build context"}},
		{"sources absolute", "version: 1\nsources:\n  - {context: web, dst: /web}\n", 3, []string{"sources[0].dst", "relative path"}},
		{"sources root", "version: 1\nsources:\n  - {context: web, dst: .}\n", 3, []string{"sources[0].dst", "build context root"}},
		{"sources no dst", "version: 1\nsources:\n  - {context: web}\n", 3, []string{"sources[0].dst", "empty"}},
		{"sources bad name", "version: 1\nsources:\n  - {context: \"a b\", dst: web}\n", 3, []string{"sources[0].context", "not a build context name"}},
		{"sources main context", "version: 1\nsources:\n  - {context: context, dst: web}\n", 3, []string{"main build context"}},
		{"sources twice", "version: 1\nsources:\n  - {context: a, dst: web}\n  - {context: b, dst: ./web/}\n", 4, []string{"sources[1].dst", "already the destination of sources[0]"}},
		{"sources ok", "version: 1\nsources:\n  - {context: web, dst: web/dist}\n  - {context: docs, dst: internal/docs}\n", 0, nil},
		// ldflags: the platform values and the short commit.
		{"ldflags platform ok", "version: 1\nbuilds:\n  - ldflags: -X main.p={{.Os}}-{{.Arch}}{{.Variant}}-{{.ShortCommit}}\n", 0, nil},
		{"ldflags unknown", "version: 1\nbuilds:\n  - ldflags: -X main.p={{.Platform}}\n", 3, []string{".Platform is not a template value", ".Os, .Arch, .Variant"}},
		// builds[].output: clean, absolute, safe, not a system path.
		{"output tmp", "version: 1\nbuilds:\n  - output: /tmp\n", 3, []string{"builds[0].output", "/tmp is a directory or file the image needs"}},
		{"output passwd", "version: 1\nbuilds:\n  - output: /etc/passwd\n", 3, []string{"/etc/passwd is a directory or file"}},
		{"output bin dir", "version: 1\nbuilds:\n  - output: /usr/local/bin\n", 3, []string{"/usr/local/bin is a directory"}},
		{"output etc", "version: 1\nbuilds:\n  - output: /etc\n", 3, []string{"/etc is"}},
		{"output proc", "version: 1\nbuilds:\n  - output: /proc/self/x\n", 3, []string{"mounts over"}},
		{"output not clean", "version: 1\nbuilds:\n  - output: /app//x/\n", 3, []string{"not a clean path", "write it as /app/x"}},
		{"output dot", "version: 1\nbuilds:\n  - output: /app/./x\n", 3, []string{"not a clean path"}},
		{"output shell", "version: 1\nbuilds:\n  - output: \"/app/$(id)\"\n", 3, []string{"'$'"}},
		{"output space", "version: 1\nbuilds:\n  - output: \"/app/my x\"\n", 3, []string{"a space"}},
		{"output newline", "version: 1\nbuilds:\n  - output: \"/app/x\\ny\"\n", 3, []string{"a newline"}},
		{"output ok", "version: 1\nbuilds:\n  - output: /app/server\n", 0, nil},
		{"output in bin ok", "version: 1\nbuilds:\n  - output: /usr/local/bin/x\n", 0, nil},
		// Values that reach the go commands: no control characters.
		{"flag newline", "version: 1\nbuilds:\n  - flags: [\"-race\\n-x\"]\n", 3, []string{"builds[0].flags[0]", "a newline"}},
		{"ldflags newline", "version: 1\nbuilds:\n  - ldflags: \"-s\\n-w\"\n", 3, []string{"builds[0].ldflags", "a newline"}},
		{"gcflags tab", "version: 1\nbuilds:\n  - gcflags: \"-N\\t-l\"\n", 3, []string{"builds[0].gcflags"}},
		{"tag newline", "version: 1\nbuilds:\n  - tags: [\"a\\nb\"]\n", 3, []string{"not a build tag"}},
		{"test arg newline", "version: 1\ntest:\n  args: [\"-v\\n\"]\n", 3, []string{"test.args[0]"}},
		{"test tag quote", "version: 1\ntest:\n  tags: [\"a'b\"]\n", 3, []string{"test.tags[0]"}},
		{"env value newline", "version: 1\nenv:\n  CGO_CFLAGS: \"-O2\\n-g\"\n", 3, []string{"env.CGO_CFLAGS", "control character"}},
		{"image env newline ok", "version: 1\nimage:\n  env:\n    CERT: \"a\\nb\"\n", 0, nil},
		{"cc newline", "version: 1\ncc:\n  linux/arm64: \"gcc\\nx\"\n", 3, []string{"cc.linux/arm64"}},
		{"module newline", "version: 1\nmodule: \"a\\nb\"\n", 2, []string{"module", "a newline"}},
		{"proxy newline", "version: 1\nmodules:\n  proxy: \"https://a\\nb\"\n", 3, []string{"modules.proxy"}},
		// modules.knownHosts: one line per item.
		{"known host newline", "version: 1\nmodules:\n  knownHosts: [\"a ssh-ed25519 AAAA\\nb ssh-rsa BBBB\"]\n", 3, []string{"modules.knownHosts[0]", "a newline", "one known_hosts line per list item"}},
		{"known host block", "version: 1\nmodules:\n  knownHosts:\n    - |\n      a ssh-ed25519 AAAA\n      b ssh-rsa BBBB\n", 4, []string{"a newline"}},
		{"known host ok", "version: 1\nmodules:\n  knownHosts: [\"github.com ssh-ed25519 AAAA\"]\n", 0, nil},
		// image.entrypoint.
		{"entrypoint empty", "version: 1\nimage:\n  entrypoint: [\"\"]\n", 3, []string{"image.entrypoint[0]", "is empty"}},
		{"entrypoint blank", "version: 1\nimage:\n  entrypoint: [\" \", x]\n", 3, []string{"is empty"}},
		{"entrypoint ok", "version: 1\nimage:\n  entrypoint: [/usr/local/bin/x, \"\"]\n", 0, nil},
		{"healthcheck empty cmd", "version: 1\nimage:\n  healthcheck:\n    cmd: [\"\"]\n", 3, []string{"no cmd"}},
		{"volume proc", "version: 1\nimage:\n  volumes: [/proc]\n", 3, []string{"mounts over"}},
		{"files dst sys", "version: 1\nimage:\n  files: [{src: a, dst: /sys/x}]\n", 3, []string{"image.files[0].dst", "mounts over"}},
		{"files dst passwd ok", "version: 1\nimage:\n  files: [{src: passwd, dst: /etc/passwd}]\n", 0, nil},
		// Platforms: listed once.
		{"duplicate platform", "version: 1\nplatforms: [linux/amd64, linux/arm64, linux/amd64]\n", 2, []string{"platforms[2]", "listed twice", "platforms[0]"}},
		{"duplicate platform spelled twice", "version: 1\nplatforms: [linux/arm, linux/arm/v7]\n", 2, []string{"platforms[1]", "listed twice"}},
		{"platform upper case", "version: 1\nplatforms: [Linux/AMD64]\n", 2, []string{"lower case"}},
		{"platform alias ok", "version: 1\nplatforms: [linux/x86_64, linux/arm/v6, linux/arm/v7]\n", 0, nil},
		// Enums with did-you-mean.
		{"tidy typo", "version: 1\ntidy: chek\n", 2, []string{`unknown value "chek"`, `did you mean "check"?`, `use "check" or "off"`}},
		{"cache typo", "version: 1\ncache:\n  modules: layers\n", 3, []string{`did you mean "layer"?`, `"auto", "mount" or "layer"`}},
		{"secret mode", "version: 1\nmodules:\n  ssh: \"yes\"\n", 3, []string{"modules.ssh", `use "optional", "required" or "off"`}},
		{"retries range", "version: 1\nmodules:\n  retries: 21\n", 3, []string{"out of range", "use 0 to 20"}},
		{"timeout short", "version: 1\nmodules:\n  timeout: 500ms\n", 3, []string{"shorter than 1s"}},
		{"timeout signed", "version: 1\nmodules:\n  timeout: +5m\n", 3, []string{"not a duration"}},
		{"healthcheck negative", "version: 1\nimage:\n  healthcheck:\n    cmd: [/x]\n    interval: -1s\n", 5, []string{"not a duration"}},
		// Multiple documents.
		{"second document", "version: 1\n---\nbuilds:\n  - main: ./cmd/x\n", 2, []string{"second YAML document", "---"}},
		{"trailing separator ok", "version: 1\n---\n", 0, nil},
		{"leading separator ok", "---\nversion: 1\n", 0, nil},
		// ldflags templates are checked at parse time.
		{"ldflags range", "version: 1\nbuilds:\n  - ldflags: \"{{range 1000000000}}{{end}}\"\n", 3, []string{"builds[0].ldflags", "range"}},
		{"ldflags dot", "version: 1\nbuilds:\n  - ldflags: \"-X main.a={{.}}\"\n", 3, []string{"{{.}}"}},
		{"ldflags printf width", "version: 1\nbuilds:\n  - ldflags: \"{{printf \\\"%0999999d\\\" 1}}\"\n", 3, []string{"widths and precisions above 999"}},
		{"ldflags syntax", "version: 1\nbuilds:\n  - ldflags: \"{{.Version\"\n", 3, []string{"not a valid template"}},
		// Issue 21 item 13: .Arg refuses proxies, download settings and BuildKit's and Gopherfile's args.
		{"ldflags .Arg proxy", "version: 1\nbuilds:\n  - ldflags: \"-X main.p={{.Arg \\\"HTTPS_PROXY\\\"}}\"\n", 3, []string{`.Arg "HTTPS_PROXY" is refused`, "password"}},
		{"ldflags .Arg lower-case proxy", "version: 1\nbuilds:\n  - ldflags: \"-X main.p={{.Arg \\\"http_proxy\\\"}}\"\n", 3, []string{`.Arg "http_proxy" is refused`}},
		{"ldflags .Arg GOPROXY", "version: 1\nbuilds:\n  - ldflags: \"-X main.p={{if true}}{{.Arg \\\"GOPROXY\\\"}}{{end}}\"\n", 3, []string{`.Arg "GOPROXY" is refused`, "modules.proxy"}},
		{"ldflags .Arg GOAUTH", "version: 1\nbuilds:\n  - ldflags: \"-X main.p={{printf \\\"%s\\\" (.Arg \\\"GOAUTH\\\")}}\"\n", 3, []string{`.Arg "GOAUTH" is refused`}},
		{"ldflags .Arg BUILDKIT_", "version: 1\nbuilds:\n  - ldflags: \"-X main.p={{.Arg \\\"BUILDKIT_SYNTAX\\\"}}\"\n", 3, []string{`.Arg "BUILDKIT_SYNTAX" is refused`}},
		{"ldflags .Arg GOPHERFILE_", "version: 1\nbuilds:\n  - ldflags: \"-X main.p={{.Arg \\\"GOPHERFILE_UNTRUSTED\\\"}}\"\n", 3, []string{`.Arg "GOPHERFILE_UNTRUSTED" is refused`}},
		{"ldflags ok", "version: 1\nbuilds:\n  - ldflags: \"-X main.v={{.Version}} {{if .Commit}}-X main.c={{printf \\\"%.7s\\\" .Commit}}{{end}} -X main.f={{.Arg \\\"FLAVOR\\\"}}\"\n", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tt.in))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("want *spec.Error, got %T: %v", err, err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
			if se.Pos.Line != tt.line {
				t.Errorf("line %d, want %d (%s)", se.Pos.Line, tt.line, msg)
			}
		})
	}
}

// TestReservedEnv: every reserved name is refused in env: and in
// builds[].env with a message that says where it belongs; GOFLAGS is allowed
// at the top and refused per build.
func TestReservedEnv(t *testing.T) {
	tests := []struct {
		name  string
		top   string // "" when allowed in env:
		build string // "" when allowed in builds[].env
	}{
		{"GOPHERFILE_STEP", "Gopherfile's own", "Gopherfile's own"},
		{"gopherfile_x", "Gopherfile's own", "Gopherfile's own"},
		{"HOME", "set HOME", "set HOME"},
		{"GOMODCACHE", "cache.modules", "cache.modules"},
		{"GOCACHE", "cache.build", "cache.build"},
		{"GOCACHEPROG", "shared compile cache", "shared compile cache"},
		{"GOROOT", "builder image", "builder image"},
		{"GOENV", "go env file", "go env file"},
		{"GOPROXY", "modules.proxy", "modules.proxy"},
		{"GOPRIVATE", "modules.private", "modules.private"},
		{"GONOPROXY", "modules.noproxy", "modules.noproxy"},
		{"GONOSUMDB", "modules.nosumdb", "modules.nosumdb"},
		{"GOSUMDB", "modules.sumdb", "modules.sumdb"},
		{"GOINSECURE", "modules.insecure", "modules.insecure"},
		{"GOAUTH", "modules.auth", "modules.auth"},
		{"GOTOOLCHAIN", "modules.toolchain", "modules.toolchain"},
		{"GOOS", "platforms:", "platforms:"},
		{"GOARCH", "platforms:", "platforms:"},
		{"GOARM", "linux/arm/v6", "linux/arm/v6"},
		{"GOAMD64", "linux/amd64/v3", "linux/amd64/v3"},
		{"NETRC", "modules.netrc", "modules.netrc"},
		{"SSL_CERT_FILE", "modules.cacert", "modules.cacert"},
		{"GIT_SSL_CAINFO", "modules.cacert", "modules.cacert"},
		{"GIT_SSH_COMMAND", "modules.ssh", "modules.ssh"},
		{"GIT_TERMINAL_PROMPT", "prompts", "prompts"},
		{"GIT_CONFIG_GLOBAL", "git config", "git config"},
		{"SSH_AUTH_SOCK", "--ssh default", "--ssh default"},
		{"HTTPS_PROXY", "--build-arg HTTPS_PROXY", "--build-arg HTTPS_PROXY"},
		{"https_proxy", "--build-arg HTTPS_PROXY", "--build-arg HTTPS_PROXY"},
		{"NO_PROXY", "--build-arg NO_PROXY", "--build-arg NO_PROXY"},
		// Issue 21 item 4: what would change the programs next to the secrets.
		{"LD_PRELOAD", "load code of the Gopherfile's choosing", ""},
		{"LD_LIBRARY_PATH", "dynamic loader", ""},
		{"PATH", "absolute path", ""},
		{"GIT_CONFIG_COUNT", "git's settings", ""},
		{"GIT_CONFIG_KEY_0", "git's settings", ""},
		{"GIT_SSH", "git's settings", ""},
		{"GIT_ASKPASS", "git's settings", ""},
		{"GIT_EXEC_PATH", "git's settings", ""},
		{"GIT_TRACE_CURL", "git's settings", ""},
		{"SSH_ASKPASS", "SSH_ASKPASS", ""},
		{"BASH_ENV", "credential helper", ""},
		{"XDG_CONFIG_HOME", "git/config", ""},
		{"OPENSSL_CONF", "load code", ""},
		{"SSLKEYLOGFILE", "session keys", ""},
		{"GOVCS", "version control programs", ""},
		{"GCONV_PATH", "converters", ""},
		{"GOFLAGS", "", "flags:"},
		{"CGO_ENABLED", "", ""},
		{"GOEXPERIMENT", "", ""},
		{"GOPATH", "", ""},
		{"CC", "", ""},
		{"GOAMD64X", "", ""},
	}
	for _, tt := range tests {
		for _, where := range []struct {
			name, yaml, field, want string
		}{
			{"env", "version: 1\nenv:\n  %s: x\n", "env.", tt.top},
			{"builds[].env", "version: 1\nbuilds:\n  - env:\n      %s: x\n", "builds[0].env.", tt.build},
		} {
			t.Run(tt.name+" in "+where.name, func(t *testing.T) {
				_, _, err := Parse([]byte(fmt.Sprintf(where.yaml, tt.name)))
				if where.want == "" {
					if err != nil {
						t.Fatalf("want no error, got %v", err)
					}
					return
				}
				if err == nil {
					t.Fatal("want an error")
				}
				msg := err.Error()
				for _, w := range []string{where.field + tt.name, tt.name + " cannot be set here", where.want} {
					if !strings.Contains(msg, w) {
						t.Errorf("message %q does not contain %q", msg, w)
					}
				}
			})
		}
	}
	// image.env is the container's: the names are free there.
	if _, _, err := Parse([]byte("version: 1\nimage:\n  env:\n    HOME: /home/x\n    GOPROXY: x\n")); err != nil {
		t.Errorf("image.env: %v", err)
	}
}

// TestAllProblems: one Parse reports every problem, decoding and validation
// alike, in the order of their lines, each with its line and field.
func TestAllProblems(t *testing.T) {
	in := `version: 1
tidy: never
image:
  bse: x
  entrypoint: [""]
builds:
  - main: "./a$(b)"
    output: /tmp
  - name: a/b
    tags: "x"
env:
  GOOS: linux
modules:
  retries: 99
  netrc: maybe
`
	_, _, err := Parse([]byte(in))
	errs := Errors(err)
	want := []struct {
		line  int
		field string
		msg   string
	}{
		{2, "tidy", "unknown value"},
		{4, "", `unknown field "bse"`},
		{5, "image.entrypoint[0]", "is empty"},
		{7, "builds[0].main", "'$'"},
		{8, "builds[0].output", "/tmp"},
		{9, "builds[1].name", "'/'"},
		{10, "builds[1].tags", "must be a list"},
		{12, "env.GOOS", "platforms:"},
		{14, "modules.retries", "out of range"},
		{15, "modules.netrc", "unknown value"},
	}
	if len(errs) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		e := errs[i]
		if e.Pos.Line != w.line || e.Field != w.field || !strings.Contains(e.Error(), w.msg) {
			t.Errorf("problem %d = line %d %s %q, want line %d %s %q", i, e.Pos.Line, e.Field, e.Error(), w.line, w.field, w.msg)
		}
	}
	// errors.As still finds the first one, for callers that want one line.
	var se *Error
	if !errors.As(err, &se) || se.Pos.Line != 2 {
		t.Errorf("errors.As: %v", se)
	}
}

// TestTooManyProblems: a file with hundreds of problems reports MaxErrors of
// them and says how many more there are.
func TestTooManyProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nbuilds:\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "  - name: \"bad/%d\"\n", i)
	}
	_, _, err := Parse([]byte(b.String()))
	errs := Errors(err)
	if len(errs) != MaxErrors+1 {
		t.Fatalf("%d problems reported, want %d", len(errs), MaxErrors+1)
	}
	if last := errs[MaxErrors].Error(); !strings.Contains(last, "and 80 more problems") {
		t.Errorf("last: %s", last)
	}
}

// TestValidateMethod: Validate checks a spec built in Go, with every problem.
func TestValidateMethod(t *testing.T) {
	s := &Spec{Version: 1, Tidy: "sometimes", Cache: Cache{Build: "disk"}, Image: Image{Entrypoint: []string{""}}}
	errs := Errors(s.Validate(Positions{"version": {Line: 1}}))
	if len(errs) != 3 {
		t.Fatalf("%d problems, want 3: %v", len(errs), errs)
	}
	if err := (&Spec{Version: 1}).Validate(Positions{"version": {Line: 1}}); err != nil {
		t.Errorf("a minimal spec: %v", err)
	}
	if err := (&Spec{}).Validate(nil); err == nil || !strings.Contains(err.Error(), "missing the version field") {
		t.Errorf("no version: %v", err)
	}
}

// TestDefaults: Defaults fills the context-free defaults and leaves s as it was.
func TestDefaults(t *testing.T) {
	s, _, err := Parse([]byte("version: 1\nbuilds:\n  - name: a\n  - main: ./cmd/b\n    strip: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := s.Defaults()
	if d.Cache.Modules != CacheAuto || d.Cache.Build != CacheAuto || d.Modules.Netrc != SecretOptional || d.Modules.CACert != SecretOptional ||
		d.Modules.SSH != SecretOff || *d.Modules.Retries != DefaultRetries || d.Modules.Timeout.Value().String() != "5m0s" ||
		d.Builds[0].Main != "." || !*d.Builds[0].Strip || *d.Builds[1].Strip || !*d.Image.Tzdata || d.Test.Packages[0] != "./..." {
		t.Errorf("defaults: %+v", d)
	}
	if d.Tidy != "" {
		t.Errorf("tidy's default depends on go.mod, so Defaults leaves it: %q", d.Tidy)
	}
	if s.Builds[0].Main != "" || s.Modules.Retries != nil || s.Cache.Modules != "" {
		t.Errorf("Defaults changed its receiver: %+v", s)
	}
	if err := d.Validate(Positions{"version": {Line: 1}}); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

// TestPlatformPattern: PlatformPattern names every architecture of goArch.
func TestPlatformPattern(t *testing.T) {
	for arch := range goArch {
		if !platformRE.MatchString("linux/" + arch) {
			t.Errorf("PlatformPattern misses %s", arch)
		}
		if err := CheckPlatform("linux/" + arch); err != nil {
			t.Errorf("linux/%s: %v", arch, err)
		}
	}
}
