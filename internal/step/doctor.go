package step

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/doctor"
	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step/diagnose"
	"github.com/gopherfile/gopherfile/internal/step/probe"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// doctor runs the probe in the doctor step: set up exactly as the download
// step (netSetup: secrets, netrc, CA bundle, git credential helper, SSH),
// but without running the go command or touching the module cache. It
// writes the report to OutDir and always succeeds, so that the frontend can
// read the report whatever it says.
func (h *helper) doctor(ctx context.Context) int {
	n := h.cfg.Net
	if n == nil {
		h.printf("gopherfile: the doctor step has no network configuration")
		return 2
	}
	deadline := time.Now().Add(time.Duration(n.TimeoutSeconds) * time.Second)
	h.lenient = true
	var setup []doctor.Problem
	if err := h.netSetup(); err != nil {
		// What the download step would fail with before the go command runs.
		setup = append(setup, doctor.Problem{Row: diagnose.EnvConflict.Row(), Class: diagnose.EnvConflict.String(), Text: "gopherfile: " + err.Error()})
	}
	for _, sp := range h.setupProblems {
		c := map[string]diagnose.Class{stepconfig.SecretNetrc: diagnose.GitCredentials, stepconfig.SecretCACert: diagnose.TLSUntrusted, "ssh": diagnose.SSHAuth}[sp.what]
		setup = append(setup, doctor.Problem{Row: c.Row(), Class: c.String(), Setting: "modules." + sp.what,
			Text: fmt.Sprintf("gopherfile: %v (row %d, %s)", sp.err, c.Row(), c)})
	}
	names := append(slices.Clone(probe.GoEnvNames), goenv.Names()...)
	eff := h.goEnv(ctx, names...)
	var r *doctor.Report
	if eff == nil {
		path, _ := h.getenv("PATH")
		r = &doctor.Report{Where: doctor.Builder, Problems: append(setup, doctor.Problem{Class: "no go command",
			Text: fmt.Sprintf("gopherfile: the builder image has no go command on its PATH (%s): use a Go builder image (builder:, --build-arg BUILDER_IMAGE)", path)})}
	} else {
		dc := h.diagContext(ctx, eff)
		dc.Stage = stepconfig.StageDownload
		r = probe.Run(ctx, probe.Input{
			Where:       doctor.Builder,
			Dir:         ".",
			Env:         h.env,
			GoEnv:       eff,
			Context:     dc,
			Settings:    h.doctorSettings(eff),
			RootCAs:     h.rootCAs,
			Netrc:       h.netrc,
			NetrcSource: "the netrc secret",
			Creds:       h.creds,
			SSHHosts:    n.SSHHosts,
			Agent:       h.hasAgent && n.SSH != "off",
			Deadline:    deadline,
			Setup:       setup,
		})
	}
	if err := os.MkdirAll(h.cfg.OutDir, 0o755); err != nil {
		h.printf("gopherfile: writing the doctor report: %v", err)
		return 1
	}
	if err := os.WriteFile(filepath.Join(h.cfg.OutDir, stepconfig.DoctorFile), r.JSON(), 0o644); err != nil {
		h.printf("gopherfile: writing the doctor report: %v", err)
		return 1
	}
	doctor.Render(h.stdout, r)
	return 0
}

// doctorSettings are the settings the report shows: the go settings with
// their origins, the HTTP proxies, and which netrc, CA bundle and SSH agent
// the download step has (named, never their content).
func (h *helper) doctorSettings(eff map[string]string) []doctor.Setting {
	var out []doctor.Setting
	for _, name := range goenv.Names() {
		s := h.setting(eff, name)
		out = append(out, doctor.Setting{Name: name, Value: goenv.Redact(name, s.Value), Origin: or(s.Origin, "default")})
	}
	for _, name := range goenv.ProxyArgs {
		v, ok := os.LookupEnv(name)
		if !ok {
			v, ok = os.LookupEnv(strings.ToLower(name))
		}
		if ok || name == "HTTPS_PROXY" {
			out = append(out, doctor.Setting{Name: name, Value: goenv.Redact(name, v), Origin: originIf(ok, "build arg "+name)})
		}
	}
	var machines []string
	for _, e := range h.netrc {
		if e.Machine != "" {
			machines = append(machines, e.Machine)
		}
	}
	out = append(out,
		doctor.Setting{Name: doctor.SettingNetrc, Value: MachineList(machines), Origin: originIf(len(h.netrc) > 0, "the netrc secret")},
		doctor.Setting{Name: doctor.SettingTrust, Value: trust(h.rootCAs != nil, "the cacert secret"), Origin: originIf(h.rootCAs != nil, "the cacert secret")},
		doctor.Setting{Name: doctor.SettingSSH, Value: map[bool]string{true: "forwarded", false: ""}[h.hasAgent], Origin: originIf(h.hasAgent, "--ssh")},
		doctor.Setting{Name: doctor.SettingGo, Value: trimGo(eff["GOVERSION"]), Origin: "the builder image"},
	)
	return out
}

// MachineList is the netrc setting's value: the machines, never a login or
// password.
func MachineList(machines []string) string {
	if len(machines) == 0 {
		return ""
	}
	slices.Sort(machines)
	return "machines " + strings.Join(slices.Compact(machines), " ")
}

func trust(extra bool, what string) string {
	if extra {
		return "system + " + what
	}
	return "system"
}

func originIf(ok bool, origin string) string {
	if ok {
		return origin
	}
	return "not given"
}
