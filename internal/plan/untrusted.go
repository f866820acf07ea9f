package plan

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/spec"
)

// ArgUntrusted is the build arg by which CI says that the Gopherfile (not
// only the source tree, which is never trusted) comes from where it cannot
// be trusted, such as a pull request: --build-arg GOPHERFILE_UNTRUSTED=1.
// The steps that hold the build's secrets then run with an allow-listed
// environment (goenv.UntrustedStepEnv) and none of the Gopherfile's env:,
// and the Gopherfile may not choose what runs next to the secrets: its
// builder: must be a golang image (or one ArgBuilders lists), modules.auth
// only netrc or off, and modules.toolchain may not download a toolchain
// whose checksum nobody checks. See docs/security.md.
const ArgUntrusted = "GOPHERFILE_UNTRUSTED"

// ArgBuilders lists, for an untrusted Gopherfile, the builder images its
// builder: may name besides golang:<version>: image references separated by
// commas; one without a tag or digest allows every tag of that repository.
const ArgBuilders = "GOPHERFILE_BUILDERS"

// officialGo is the repository of the builder images Gopherfile chooses.
const officialGo = "docker.io/library/golang"

// untrustedArg reads ArgUntrusted: "1" or "true" turns the mode on, "",
// "0" or "false" leaves it off; anything else is refused (a typo must not
// leave a pull request's build trusted).
func untrustedArg(args map[string]string) (bool, error) {
	switch v := strings.ToLower(strings.TrimSpace(args[ArgUntrusted])); v {
	case "1", "true":
		return true, nil
	case "", "0", "false":
		return false, nil
	default:
		return false, &Error{Msg: fmt.Sprintf("--build-arg %s=%s: write 1 (the Gopherfile is untrusted) or 0", ArgUntrusted, args[ArgUntrusted])}
	}
}

// checkUntrusted refuses, for an untrusted Gopherfile, the settings that
// would let it choose code that runs next to the build's secrets.
func (p *Plan) checkUntrusted(args map[string]string) error {
	if p.BuilderOrigin == OriginBuilder {
		if err := checkBuilder(p.Builder, args[ArgBuilders]); err != nil {
			return err
		}
	}
	d := &p.Downloads
	if s, ok := d.Setting("GOAUTH"); ok && s.Field != "" {
		for _, f := range strings.Split(s.Value, ";") {
			switch strings.TrimSpace(f) {
			case "", "netrc", "off":
			default:
				return &Error{Field: s.Field, Msg: fmt.Sprintf("modules.auth: %q runs a command (or git in a directory of the source tree) next to the build's secrets, and the Gopherfile is untrusted (--build-arg %s=1): use netrc (the default) or off, or set GOAUTH as a build arg in the trusted CI configuration", strings.TrimSpace(f), ArgUntrusted)}
			}
		}
	}
	if why := unverifiedToolchain(d); why != "" {
		s, _ := d.Setting("GOTOOLCHAIN")
		field := s.Field
		if field == "" {
			field = "modules"
		}
		return &Error{Field: field, Msg: fmt.Sprintf("GOTOOLCHAIN=%s lets the go command download and run the toolchain go.mod asks for, and %s: the Gopherfile is untrusted (--build-arg %s=1), so that toolchain could be anyone's and would run next to the build's secrets. Use modules.toolchain: local (the default; the builder follows go.mod's toolchain line), or keep the checksum database and proxies at their defaults", s.Value, why, ArgUntrusted)}
	}
	return nil
}

// checkBuilder allows an untrusted Gopherfile's builder: when it is an
// official golang image of a Go release, or listed in allowed (ArgBuilders).
func checkBuilder(ref, allowed string) error {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return &Error{Field: "builder", Msg: fmt.Sprintf("builder: %q is not an image reference", ref)}
	}
	if tagged, ok := named.(reference.Tagged); ok && named.Name() == officialGo && spec.IsGoVersion(strings.SplitN(tagged.Tag(), "-", 2)[0]) {
		return nil
	}
	for _, a := range strings.Split(allowed, ",") {
		a = strings.TrimSpace(a)
		an, err := reference.ParseNormalizedNamed(a)
		if a == "" || err != nil {
			continue
		}
		if an.String() == named.String() || (reference.IsNameOnly(an) && an.Name() == named.Name()) {
			return nil
		}
	}
	return &Error{Field: "builder", Msg: fmt.Sprintf("builder: %s is not an image Gopherfile would choose (golang:<Go version>), and the Gopherfile is untrusted (--build-arg %s=1): the builder runs go mod download with the build's secrets. Remove builder: (go: picks golang:<go>), or list the image in --build-arg %s=%s in the trusted CI configuration",
		ref, ArgUntrusted, ArgBuilders, reference.FamiliarName(named))}
}

// unverifiedToolchain says why a toolchain the go command downloads would
// not be checked, "" when it would be (or when none is downloaded).
func unverifiedToolchain(d *Downloads) string {
	t, _ := d.Setting("GOTOOLCHAIN")
	if v := strings.TrimSpace(t.Value); v == "" || v == "local" || strings.HasSuffix(v, "+local") {
		return ""
	}
	const toolchain = "golang.org/toolchain"
	if s, ok := d.Setting("GOSUMDB"); ok && s.Value != "" && s.Value != goenv.DefaultGOSUMDB {
		return fmt.Sprintf("GOSUMDB=%s (%s) is not the default checksum database", goenv.Redact("GOSUMDB", s.Value), s.Origin)
	}
	for _, name := range []string{"GONOSUMDB", "GOPRIVATE", "GOINSECURE", "GONOPROXY"} {
		if s, ok := d.Setting(name); ok && module.MatchPrefixPatterns(s.Value, toolchain) {
			return fmt.Sprintf("%s=%s (%s) covers %s", name, s.Value, s.Origin, toolchain)
		}
	}
	if s, ok := d.Setting("GOPROXY"); ok && strings.Contains(s.Value, "file://") {
		return fmt.Sprintf("GOPROXY (%s) has a file:// proxy, whose files the source tree may hold", s.Origin)
	}
	if s, ok := d.Setting("GOFLAGS"); ok && strings.Contains(" "+s.Value, " -insecure") {
		return fmt.Sprintf("GOFLAGS=%s (%s) uses -insecure", s.Value, s.Origin)
	}
	return ""
}

// untrustedEnv is the env of the steps that hold secrets for an untrusted
// Gopherfile: GOFLAGS and GOEXPERIMENT from build args only. The download
// settings that came from the Gopherfile's env: (GOFLAGS, GOEXPERIMENT) are
// dropped too.
func (p *Plan) untrustedEnv(args map[string]string) {
	p.SecretStepEnv = nil
	for _, name := range []string{"GOFLAGS", "GOEXPERIMENT"} {
		if v, ok := args[name]; ok {
			p.SecretStepEnv = append(p.SecretStepEnv, name+"="+v)
		}
	}
	d := &p.Downloads
	kept := d.Settings[:0]
	for _, s := range d.Settings {
		if !strings.HasPrefix(s.Field, "env.") {
			kept = append(kept, s)
		}
	}
	d.Settings = kept
}
