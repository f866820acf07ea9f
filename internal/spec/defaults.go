package spec

import "slices"

// Defaults of the fields whose default does not depend on go.mod, the build
// context or the build args. The doc comments of the fields say the same.
const (
	DefaultTimeout     Duration   = "5m"
	DefaultCacheMode   CacheMode  = CacheAuto
	DefaultNetrc       SecretMode = SecretOptional
	DefaultCACert      SecretMode = SecretOptional
	DefaultSSH         SecretMode = SecretOff
	DefaultUnknownHost            = UnknownHostsRefuse
	DefaultMain                   = "."
	DefaultTestPattern            = "./..."
)

// Defaults returns a copy of s with every default that depends on nothing but
// the Gopherfile filled in: cache modes, the secret modes, retries and
// timeout of modules, builds[].main and strip, image.tzdata and
// test.packages. The defaults that depend on go.mod or the build (tidy, the
// Go version and builder, binary names and outputs, the base image) are the
// plan's. s is not changed.
func (s *Spec) Defaults() *Spec {
	c := *s
	def := func(v *CacheMode) {
		if *v == "" {
			*v = DefaultCacheMode
		}
	}
	def(&c.Cache.Modules)
	def(&c.Cache.Build)
	m := &c.Modules
	for _, f := range []struct {
		v   *SecretMode
		def SecretMode
	}{{&m.Netrc, DefaultNetrc}, {&m.CACert, DefaultCACert}, {&m.SSH, DefaultSSH}} {
		if *f.v == "" {
			*f.v = f.def
		}
	}
	if m.SSHUnknownHosts == "" {
		m.SSHUnknownHosts = DefaultUnknownHost
	}
	if m.Retries == nil {
		m.Retries = ptr(DefaultRetries)
	}
	if m.Timeout == "" {
		m.Timeout = DefaultTimeout
	}
	c.Builds = slices.Clone(s.Builds)
	for i := range c.Builds {
		b := &c.Builds[i]
		if b.Main == "" {
			b.Main = DefaultMain
		}
		if b.Strip == nil {
			b.Strip = ptr(true)
		}
	}
	if c.Image.Tzdata == nil {
		c.Image.Tzdata = ptr(true)
	}
	if len(c.Test.Packages) == 0 {
		c.Test.Packages = []string{DefaultTestPattern}
	}
	return &c
}

func ptr[T any](v T) *T { return &v }

// FixedTargets are the targets every Gopherfile has (the plan's targets); a
// build may not take one of these names, since every build is a target too.
var FixedTargets = []string{"image", "binaries", "deps", "tidy", "test", "vet", "vulncheck"}
