package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/doctor"
	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step"
	"github.com/gopherfile/gopherfile/internal/step/diagnose"
	"github.com/gopherfile/gopherfile/internal/step/netrc"
	"github.com/gopherfile/gopherfile/internal/step/probe"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// hostReport runs the doctor's probe on this machine: its go env (and
// where each value comes from), its netrc, its trust store and SSH agent,
// and its git configuration, within the download step's deadline.
func hostReport(ctx context.Context, dir string, deadline time.Duration) *doctor.Report {
	names := append(slices.Clone(probe.GoEnvNames), goenv.Names()...)
	eff := hostGoEnv(ctx, names)
	if eff == nil {
		return &doctor.Report{Where: doctor.Host, Problems: []doctor.Problem{{Class: "no go command",
			Text: "gopherfile: there is no go command on this machine's PATH, so the host side cannot be probed"}}}
	}
	settings, dc := hostSettings(ctx, eff)
	entries, netrcPath := hostNetrc()
	for _, e := range entries {
		if e.Machine != "" {
			dc.Credentials[e.Machine] = netrcPath
		}
	}
	env := append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if _, ok := os.LookupEnv("GIT_SSH_COMMAND"); !ok {
		env = append(env, "GIT_SSH_COMMAND=ssh -o BatchMode=yes")
	}
	return probe.Run(ctx, probe.Input{
		Where:         doctor.Host,
		Dir:           dir,
		Env:           env,
		GoEnv:         eff,
		Context:       dc,
		Settings:      settings,
		Netrc:         entries,
		NetrcSource:   netrcPath,
		Creds:         dc.Credentials,
		Agent:         hostAgent(),
		Deadline:      time.Now().Add(deadline),
		GitConfigNote: "the host's git configuration (credential helpers, insteadOf)",
	})
}

// hostSettings are this machine's settings with their origins (the
// environment, go env -w, the Go installation), and the diagnosis context
// made of them.
func hostSettings(ctx context.Context, eff map[string]string) ([]doctor.Setting, diagnose.Context) {
	goenvFile := readGoEnvFile(ctx)
	origin := func(name string) string {
		if _, ok := os.LookupEnv(name); ok {
			return "host environment ($" + name + ")"
		}
		if _, ok := goenvFile[name]; ok {
			return "go env -w (" + goenvFile["\x00path"] + ")"
		}
		if v := eff[name]; v != "" && v != goenv.Default(name) {
			return "the go installation ($GOROOT/go.env)"
		}
		return "default"
	}
	var settings []doctor.Setting
	dc := diagnose.Context{Stage: stepconfig.StageDownload, GoVersion: strings.TrimPrefix(eff["GOVERSION"], "go"), Credentials: map[string]string{}}
	for _, name := range goenv.Names() {
		s := goenv.Setting{Name: name, Value: eff[name], Origin: origin(name)}
		settings = append(settings, doctor.Setting{Name: name, Value: goenv.Redact(name, s.Value), Origin: s.Origin})
		for dst, n := range map[*diagnose.Setting]string{&dc.GOPROXY: "GOPROXY", &dc.GOPRIVATE: "GOPRIVATE", &dc.GONOPROXY: "GONOPROXY",
			&dc.GONOSUMDB: "GONOSUMDB", &dc.GOSUMDB: "GOSUMDB", &dc.GOINSECURE: "GOINSECURE", &dc.GOFLAGS: "GOFLAGS", &dc.GOTOOLCHAIN: "GOTOOLCHAIN"} {
			if n == name {
				*dst = s
			}
		}
	}
	for _, name := range goenv.ProxyArgs {
		v, ok := os.LookupEnv(name)
		if !ok {
			v, ok = os.LookupEnv(strings.ToLower(name))
		}
		if ok || name == "HTTPS_PROXY" {
			o := "not set"
			if ok {
				o = "host environment ($" + name + ")"
			}
			settings = append(settings, doctor.Setting{Name: name, Value: goenv.Redact(name, v), Origin: o})
		}
	}
	entries, netrcPath := hostNetrc()
	var machines []string
	for _, e := range entries {
		if e.Machine != "" {
			machines = append(machines, e.Machine)
		}
	}
	trust, trustOrigin := "system", "the host's trust store"
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		trust, trustOrigin = "system + SSL_CERT_FILE", "host environment ($SSL_CERT_FILE="+f+")"
	}
	agent := hostAgent()
	agentValue, agentOrigin := "", "no SSH_AUTH_SOCK"
	if agent {
		agentValue, agentOrigin = "forwarded", "host environment ($SSH_AUTH_SOCK)"
	}
	netrcOrigin := "not found"
	if len(entries) > 0 {
		netrcOrigin = netrcPath
	}
	settings = append(settings,
		doctor.Setting{Name: doctor.SettingNetrc, Value: step.MachineList(machines), Origin: netrcOrigin},
		doctor.Setting{Name: doctor.SettingTrust, Value: trust, Origin: trustOrigin},
		doctor.Setting{Name: doctor.SettingSSH, Value: agentValue, Origin: agentOrigin},
		doctor.Setting{Name: doctor.SettingGo, Value: dc.GoVersion, Origin: "the go command on the PATH"},
	)
	return settings, dc
}

// hostGoEnv is go env -json on this machine, nil without a go command.
func hostGoEnv(ctx context.Context, names []string) map[string]string {
	out, err := exec.CommandContext(ctx, "go", append([]string{"env", "-json"}, names...)...).Output()
	if err != nil {
		return nil
	}
	var m map[string]string
	if json.Unmarshal(out, &m) != nil {
		return nil
	}
	return m
}

// readGoEnvFile reads the settings of go env -w (the GOENV file); the key
// "\x00path" holds the file's path.
func readGoEnvFile(ctx context.Context) map[string]string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOENV").Output()
	if err != nil {
		return nil
	}
	path := strings.TrimSpace(string(out))
	dt, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	m := map[string]string{"\x00path": path}
	for _, line := range strings.Split(string(dt), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			m[k] = v
		}
	}
	return m
}

// hostNetrc reads $NETRC or ~/.netrc, as the go command does.
func hostNetrc() ([]netrc.Entry, string) {
	path := os.Getenv("NETRC")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, ""
		}
		path = filepath.Join(home, ".netrc")
	}
	dt, err := os.ReadFile(path)
	if err != nil {
		return nil, path
	}
	return netrc.Parse(string(dt)), path
}

// hostAgent reports whether SSH_AUTH_SOCK is a socket.
func hostAgent() bool {
	sock := os.Getenv("SSH_AUTH_SOCK")
	fi, err := os.Stat(sock)
	return sock != "" && err == nil && fi.Mode()&os.ModeSocket != 0
}
