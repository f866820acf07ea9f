package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/cli/cli/config"
	"github.com/moby/buildkit/client"
	bkbuild "github.com/moby/buildkit/cmd/buildctl/build"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	"github.com/moby/buildkit/util/entitlements"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
)

type buildOptions struct {
	file      string
	target    string
	platforms listFlag
	buildArgs listFlag
	outputs   listFlag
	secrets   listFlag
	ssh       listFlag
	contexts  listFlag
	cacheFrom listFlag
	cacheTo   listFlag
	addr      string
	progress  string
	noCache   bool
	network   string
	dir       string
	helper    string
	tags      listFlag
	push      bool
	call      string
	sbom      string
	prov      string
}

func defaultAddr() string {
	if v := os.Getenv("BUILDKIT_HOST"); v != "" {
		return v
	}
	return "unix:///run/buildkit/buildkitd.sock"
}

const buildUsage = `Usage: gopherfile build [flags] [DIR]

Builds DIR (default ".") with the Gopherfile in it.
`

// buildHelp is the usage with the list of targets.
var buildHelp = buildUsage + targetsUsage()

func parseBuildFlags(args []string, stdout, stderr io.Writer) (*buildOptions, error) {
	o := &buildOptions{}
	c := newCommand("build", buildHelp, stdout, stderr)
	fs := c.fs
	fs.StringVar(&o.file, "f", "", "the Gopherfile (default DIR/Gopherfile)")
	fs.StringVar(&o.file, "file", "", "same as -f")
	fs.StringVar(&o.target, "target", "", "target to build: image (default), binaries, deps, tidy, test, vet, vulncheck, or a build's name (see Targets)")
	fs.Var(&o.tags, "t", "image name to export (repeatable); with --push, pushed to its registry")
	fs.Var(&o.tags, "tag", "same as -t")
	fs.BoolVar(&o.push, "push", false, "push the -t images to their registry")
	fs.StringVar(&o.call, "call", "build", "what to do: build, targets (list them), outline (build args, secrets), check (lint), doctor (probe what the download step would reach)")
	fs.Var(boolString{&o.sbom}, "sbom", "SBOM attestation: --sbom (or true), false, or BuildKit's options, e.g. generator=REF")
	fs.Var(boolString{&o.prov}, "provenance", "provenance attestation: --provenance (or true: mode=min), false, or mode=max")
	fs.Var(&o.platforms, "platform", "target platform(s), e.g. linux/amd64,linux/arm64 (repeatable)")
	fs.Var(&o.buildArgs, "build-arg", "build arg KEY=VALUE (repeatable)")
	fs.Var(&o.outputs, "o", "output, as in buildctl: type=local,dest=DIR | type=oci,dest=FILE | type=image,name=REF,push=true | DIR (repeatable)")
	fs.Var(&o.outputs, "output", "same as -o")
	fs.Var(&o.secrets, "secret", "secret to expose to the download step: id=ID,src=PATH or id=ID,env=VAR (repeatable)")
	fs.Var(&o.ssh, "ssh", "SSH agent socket or keys to expose: default or ID=PATH (repeatable)")
	fs.Var(&o.contexts, "build-context", "named context NAME=VALUE, e.g. golang:1.26=docker-image://REF (repeatable)")
	fs.Var(&o.cacheFrom, "cache-from", "cache import, as in buildctl --import-cache (repeatable)")
	fs.Var(&o.cacheTo, "cache-to", "cache export, as in buildctl --export-cache (repeatable)")
	fs.StringVar(&o.addr, "addr", defaultAddr(), "buildkitd address (or $BUILDKIT_HOST)")
	fs.StringVar(&o.progress, "progress", "auto", "progress output: auto, plain, tty, rawjson, quiet")
	fs.BoolVar(&o.noCache, "no-cache", false, "do not use the build cache")
	fs.StringVar(&o.helper, "helper-image", "", "frontend image whose binary runs in the build steps (default: this binary when it is a static linux binary for the builder, else the frontend image of this version)")
	fs.StringVar(&o.network, "network", "default", "network of the module steps (download, tidy, networked tests): default, host or none; host needs buildkitd's network.host entitlement")
	positional, err := c.parse(args)
	if err != nil {
		return nil, err
	}
	if o.dir, err = c.dirArg(positional); err != nil {
		return nil, err
	}
	if _, ok := callRequests[o.call]; !ok && o.call != "build" && o.call != "" {
		return nil, c.usageError("--call %s: use build, targets, outline, check or doctor", o.call)
	}
	if o.push && len(o.tags) == 0 {
		return nil, c.usageError("--push needs an image name: add -t REGISTRY/NAME:TAG")
	}
	if o.file == "" {
		o.file = filepath.Join(o.dir, "Gopherfile")
	}
	return o, nil
}

func buildCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseBuildFlags(args, stdout, stderr)
	if err != nil {
		return err
	}
	call, err := solveBuild(ctx, o)
	if err != nil {
		return err
	}
	if o.call != "" && o.call != "build" {
		return call.print(o.call, stdout)
	}
	return nil
}

// solveBuild runs the build (or the --call subrequest) o describes.
func solveBuild(ctx context.Context, o *buildOptions) (*callResult, error) {
	if _, err := os.Stat(o.file); err != nil {
		return nil, fmt.Errorf("no Gopherfile at %s: pass -f FILE, or write one starting with `version: 1`", o.file)
	}
	attrs := map[string]string{
		"filename": filepath.Base(o.file),
	}
	if o.target != "" {
		attrs["target"] = o.target
	}
	if len(o.platforms) > 0 {
		attrs["platform"] = strings.Join(o.platforms, ",")
	}
	for _, a := range o.buildArgs {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			// Like docker: --build-arg NAME takes the value from the environment.
			v, ok = os.LookupEnv(k)
			if !ok {
				continue
			}
		}
		attrs["build-arg:"+k] = v
	}
	if err := callAttr(o.call, attrs); err != nil {
		return nil, err
	}
	attestAttr(attrs, "sbom", o.sbom)
	attestAttr(attrs, "provenance", o.prov)
	if o.noCache {
		attrs["no-cache"] = ""
	}
	var allow []string
	switch o.network {
	case "default", "":
	case "host":
		// Like docker buildx: --network host asks for the entitlement.
		attrs["force-network-mode"] = o.network
		allow = append(allow, string(entitlements.EntitlementNetworkHost))
	case "none":
		attrs["force-network-mode"] = o.network
	default:
		return nil, fmt.Errorf("--network %s: use default, host or none", o.network)
	}

	contextFS, err := fsutil.NewFS(o.dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", o.dir, err)
	}
	fileFS, err := fsutil.NewFS(filepath.Dir(o.file))
	if err != nil {
		return nil, fmt.Errorf("Gopherfile directory: %w", err)
	}
	exports, err := bkbuild.ParseOutput(o.outputs)
	if err != nil {
		return nil, fmt.Errorf("-o: %w", err)
	}
	if len(o.tags) > 0 {
		e, err := tagExport(o.tags, o.push)
		if err != nil {
			return nil, err
		}
		exports = append(exports, e)
	}
	cacheImports, err := bkbuild.ParseImportCache(o.cacheFrom)
	if err != nil {
		return nil, fmt.Errorf("--cache-from: %w", err)
	}
	cacheExports, err := bkbuild.ParseExportCache(o.cacheTo)
	if err != nil {
		return nil, fmt.Errorf("--cache-to: %w", err)
	}

	attachable := []session.Attachable{authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: authprovider.LoadAuthConfig(config.LoadDefaultConfigFile(os.Stderr)),
	})}
	if len(o.ssh) > 0 {
		confs, err := bkbuild.ParseSSH(o.ssh)
		if err != nil {
			return nil, fmt.Errorf("--ssh: %w", err)
		}
		sp, err := sshprovider.NewSSHAgentProvider(confs)
		if err != nil {
			return nil, fmt.Errorf("--ssh: %w", err)
		}
		attachable = append(attachable, sp)
	}
	if len(o.secrets) > 0 {
		sp, err := bkbuild.ParseSecret(o.secrets)
		if err != nil {
			return nil, fmt.Errorf("--secret: %w", err)
		}
		attachable = append(attachable, sp)
	}

	c, err := client.New(ctx, o.addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to buildkitd at %s: %w", o.addr, err)
	}
	defer c.Close()

	mounts := map[string]fsutil.FS{"context": contextFS, "dockerfile": fileFS}
	for _, c := range o.contexts {
		k, v, ok := strings.Cut(c, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--build-context %q: want NAME=VALUE", c)
		}
		if err := localContext(k, v, attrs, mounts); err != nil {
			return nil, err
		}
	}
	if err := helperSource(ctx, c, o.helper, attrs, mounts); err != nil {
		return nil, err
	}
	solveOpt := client.SolveOpt{
		Exports:       exports,
		LocalMounts:   mounts,
		FrontendAttrs: attrs,
		CacheImports:  cacheImports,
		CacheExports:  cacheExports,
		Session:       attachable,

		AllowedEntitlements: allow,
	}

	display, err := progressui.NewDisplay(os.Stderr, progressui.DisplayMode(o.progress))
	if err != nil {
		return nil, fmt.Errorf("--progress: %w", err)
	}
	ch := make(chan *client.SolveStatus)
	eg, ctx := errgroup.WithContext(ctx)
	call := &callResult{}
	eg.Go(func() error {
		_, err := c.Build(ctx, solveOpt, "gopherfile", call.build, ch)
		if err != nil && len(allow) > 0 && strings.Contains(err.Error(), "granting entitlement network.host is not allowed") {
			return fmt.Errorf("--network host: the buildkitd at %s does not grant the network.host entitlement: start it with --allow-insecure-entitlement network.host (or insecure-entitlements = [\"network.host\"] in buildkitd.toml), or build without --network host: %w", o.addr, err)
		}
		return err
	})
	eg.Go(func() error {
		_, err := display.UpdateFrom(context.WithoutCancel(ctx), ch)
		return err
	})
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	return call, nil
}
