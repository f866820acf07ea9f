package step

import (
	"bytes"
	"context"
	"encoding/json"

	"golang.org/x/mod/modfile"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/safefile"
	"github.com/gopherfile/gopherfile/internal/step/diagnose"
)

// goEnv returns the go command's effective values of names (go env -json),
// or nil when go env fails.
func (h *helper) goEnv(ctx context.Context, names ...string) map[string]string {
	m, _ := h.goEnvErr(ctx, names...)
	return m
}

// goEnvErr is goEnv with the go command's error output when it fails ("" if
// it did not run).
func (h *helper) goEnvErr(ctx context.Context, names ...string) (map[string]string, string) {
	cmd := h.goCommand(ctx, append([]string{"env", "-json"}, names...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, stderr.String()
	}
	var m map[string]string
	if json.Unmarshal(out, &m) != nil {
		return nil, ""
	}
	return m, ""
}

// diagContext is what the diagnosis knows: each setting's effective value
// (from the go command) and where it came from (from the Config).
func (h *helper) diagContext(ctx context.Context, eff map[string]string) diagnose.Context {
	if eff == nil {
		eff = h.goEnv(ctx, append(goenv.Names(), goenv.GOVERSION)...)
	}
	if eff == nil {
		eff = h.envSettings() // go env cannot run for this module (row 12)
	}
	c := diagnose.Context{
		Stage:       h.cfg.Stage,
		GoVersion:   h.cfg.Diag.GoVersion,
		GoModGo:     h.cfg.Diag.GoModGo,
		Offline:     h.cfg.Net == nil,
		Credentials: h.creds,
	}
	if v := eff[goenv.GOVERSION]; v != "" {
		c.GoVersion = trimGo(v)
	}
	c.MainModule, c.Requires = readGoMod("go.mod")
	for _, name := range goenv.Names() {
		c.Set(name, h.setting(eff, name))
	}
	if c.Offline {
		// The offline steps run with GOPROXY=off by design.
		c.GOPROXY = goenv.Setting{Name: goenv.GOPROXY, Value: goenv.Off, Origin: "Gopherfile: the " + h.cfg.Stage + " step is offline"}
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
	if name == goenv.GOPROXY && h.proxySource != "" {
		s.Value, s.Origin = h.proxyValue, h.proxySource
	}
	return s
}

// explain prints the diagnosis of a failed go command's output.
func (h *helper) explain(ctx context.Context, output string, eff map[string]string) {
	h.printf("\n%s", diagnose.Report(output, h.diagContext(ctx, eff)))
}

// envSettings are the go settings of the step's environment, for when the
// go command cannot say (go env fails before it starts: a toolchain switch).
func (h *helper) envSettings() map[string]string {
	m := map[string]string{}
	for _, name := range goenv.Names() {
		if v, ok := h.getenv(name); ok {
			m[name] = v
		}
	}
	return m
}

// readGoMod returns the module path and the requirements of a go.mod, for
// the diagnosis; nothing when it cannot be read.
func readGoMod(name string) (string, map[string]string) {
	dt, err := safefile.ReadPath(name, safefile.MaxGoMod)
	if err != nil {
		return "", nil
	}
	f, err := modfile.ParseLax(name, dt, nil)
	if err != nil || f.Module == nil {
		return "", nil
	}
	req := make(map[string]string, len(f.Require))
	for _, r := range f.Require {
		req[r.Mod.Path] = r.Mod.Version
	}
	return f.Module.Mod.Path, req
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
