package step

import (
	"context"
	"encoding/json"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step/diagnose"
)

// goEnv returns the go command's effective values of names (go env -json),
// or nil when go env fails.
func (h *helper) goEnv(ctx context.Context, names ...string) map[string]string {
	out, err := h.goCommand(ctx, append([]string{"env", "-json"}, names...)...).Output()
	if err != nil {
		return nil
	}
	var m map[string]string
	if json.Unmarshal(out, &m) != nil {
		return nil
	}
	return m
}

// diagContext is what the diagnosis knows: each setting's effective value
// (from the go command) and where it came from (from the Config).
func (h *helper) diagContext(ctx context.Context, eff map[string]string) diagnose.Context {
	if eff == nil {
		eff = h.goEnv(ctx, append(goenv.Names(), "GOVERSION")...)
	}
	c := diagnose.Context{
		Stage:       h.cfg.Stage,
		GoVersion:   h.cfg.Diag.GoVersion,
		GoModGo:     h.cfg.Diag.GoModGo,
		Offline:     h.cfg.Net == nil,
		Credentials: h.creds,
	}
	if v := eff["GOVERSION"]; v != "" {
		c.GoVersion = trimGo(v)
	}
	set := func(dst *diagnose.Setting, name string) { *dst = h.setting(eff, name) }
	set(&c.GOPROXY, "GOPROXY")
	set(&c.GOPRIVATE, "GOPRIVATE")
	set(&c.GONOPROXY, "GONOPROXY")
	set(&c.GONOSUMDB, "GONOSUMDB")
	set(&c.GOSUMDB, "GOSUMDB")
	set(&c.GOINSECURE, "GOINSECURE")
	set(&c.GOFLAGS, "GOFLAGS")
	set(&c.GOTOOLCHAIN, "GOTOOLCHAIN")
	if c.Offline {
		// The offline steps run with GOPROXY=off by design.
		c.GOPROXY = goenv.Setting{Name: "GOPROXY", Value: "off", Origin: "Gopherfile: the " + h.cfg.Stage + " step is offline"}
	}
	return c
}

// setting is a go setting's effective value (from the go command) and
// where it came from (from the Config).
func (h *helper) setting(eff map[string]string, name string) goenv.Setting {
	s := goenv.Setting{Name: name, Value: eff[name]}
	if o, ok := h.cfg.Diag.Setting(name); ok {
		s.Origin, s.Field = o.Origin, o.Field
	} else if _, ok := h.getenv(name); ok {
		s.Origin = "builder image env"
	} else if s.Value != "" && s.Value != goenv.Default(name) {
		s.Origin = "the builder's go env ($GOROOT/go.env)"
	}
	if name == "GOPROXY" && h.proxySource != "" {
		s.Value, s.Origin = h.proxyValue, h.proxySource
	}
	return s
}

// explain prints the diagnosis of a failed go command's output.
func (h *helper) explain(ctx context.Context, output string, eff map[string]string) {
	h.printf("\n%s", diagnose.Report(output, h.diagContext(ctx, eff)))
}

func trimGo(v string) string {
	if len(v) > 2 && v[:2] == "go" {
		v = v[2:]
	}
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' || v[i] == '-' {
			return v[:i]
		}
	}
	return v
}
