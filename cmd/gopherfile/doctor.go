package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/gopherfile/gopherfile/internal/doctor"
)

const doctorUsage = `Usage: gopherfile doctor [flags] [DIR]

Predicts, before a build, whether go mod download will work in the builder:
runs a probe in a step with exactly the download step's network, secrets,
SSH agent, CA bundle and settings, and asks every place the download would
go (each GOPROXY entry, the checksum database, the git hosts of modules
fetched directly, the toolchain) for go.mod's requirements. What will fail
is named with its catalogue row, the setting and the fix, in the words of
the build's own diagnosis. Nothing is downloaded into the module cache.

--host runs the same probe on this machine too (its go env, netrc and trust
store) and prints the two side by side, with the first difference that
explains a failure.

Exit status: 0 when every requirement can be fetched, 1 when one cannot,
2 for bad usage.
`

type doctorOptions struct {
	build  buildOptions
	format string
	host   bool
}

func parseDoctorFlags(args []string, stdout, stderr io.Writer) (*doctorOptions, error) {
	o := &doctorOptions{}
	b := &o.build
	c := newCommand("doctor", doctorUsage, stdout, stderr)
	fs := c.fs
	fs.StringVar(&b.file, "f", "", "the Gopherfile (default DIR/Gopherfile)")
	fs.StringVar(&b.file, "file", "", "same as -f")
	fs.Var(&b.buildArgs, "build-arg", "build arg KEY=VALUE, as for gopherfile build (repeatable)")
	fs.Var(&b.secrets, "secret", "secret for the download step: id=ID,src=PATH or id=ID,env=VAR (repeatable)")
	fs.Var(&b.ssh, "ssh", "SSH agent socket or keys to expose: default or ID=PATH (repeatable)")
	fs.StringVar(&b.network, "network", "default", "network of the download step: default, host or none")
	fs.StringVar(&b.addr, "addr", defaultAddr(), "buildkitd address (or $BUILDKIT_HOST)")
	fs.StringVar(&b.progress, "progress", "quiet", "progress output of the probe step: quiet, plain, tty, auto, rawjson")
	fs.StringVar(&b.helper, "helper-image", "", "frontend image whose binary runs the probe (as for gopherfile build)")
	fs.StringVar(&o.format, "format", "table", "output: table or json")
	fs.BoolVar(&o.host, "host", false, "probe this machine too and print host and builder side by side")
	positional, err := c.parse(args)
	if err != nil {
		return nil, err
	}
	if b.dir, err = c.dirArg(positional); err != nil {
		return nil, err
	}
	if o.format != "table" && o.format != "json" {
		return nil, c.usageError("--format %s: use table or json", o.format)
	}
	if b.file == "" {
		b.file = filepath.Join(b.dir, "Gopherfile")
	}
	b.call = "doctor"
	return o, nil
}

func doctorCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseDoctorFlags(args, stdout, stderr)
	if err != nil {
		return err
	}
	call, err := solveBuild(ctx, &o.build)
	if err != nil {
		return err
	}
	builder, err := doctor.Parse(call.json)
	if err != nil {
		return err
	}
	failed := builder.Failed()
	if !o.host {
		if o.format == "json" {
			stdout.Write(builder.JSON())
		} else {
			doctor.Render(stdout, builder)
		}
	} else {
		deadline := time.Duration(builder.DeadlineSeconds) * time.Second
		if deadline <= 0 {
			deadline = 5 * time.Minute
		}
		host := hostReport(ctx, o.build.dir, deadline)
		cmp := doctor.Compare(host, builder)
		if o.format == "json" {
			dt, _ := json.MarshalIndent(cmp, "", "  ")
			fmt.Fprintf(stdout, "%s\n", dt)
		} else {
			doctor.RenderComparison(stdout, cmp)
		}
	}
	if failed {
		return exitError(1)
	}
	return nil
}
