package graph

import (
	bk "github.com/moby/buildkit/client/llb"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// Secret ids the networked module steps read.
const (
	SecretNetrc   = stepconfig.SecretNetrc
	SecretCACert  = stepconfig.SecretCACert
	SecretGOPROXY = stepconfig.SecretGOPROXY
	// SecretGitTokenPrefix + host is BuildKit's name for a git token.
	SecretGitTokenPrefix = stepconfig.SecretGitTokenPrefix
)

// downloadOpts are what every networked module step (download, tidy) gets
// besides its env: HTTP proxies (kept out of the cache key by BuildKit),
// the secrets and the SSH agent, and a tmpfs HOME. The step helper checks
// which secrets are there and points the go command and git at them.
func downloadOpts(p *plan.Plan) []bk.RunOption {
	d := p.Downloads
	var o []bk.RunOption
	if len(d.Proxy) > 0 {
		o = append(o, bk.WithProxy(bk.ProxyEnv{
			HTTPProxy:  d.Proxy["HTTP_PROXY"],
			HTTPSProxy: d.Proxy["HTTPS_PROXY"],
			FTPProxy:   d.Proxy["FTP_PROXY"],
			NoProxy:    d.Proxy["NO_PROXY"],
			AllProxy:   d.Proxy["ALL_PROXY"],
		}))
	}
	// Each secret is a file only its owner, stepconfig.SecretOwner, may read:
	// the step helper reads it as root with its capabilities; the go command
	// runs as root without them (dropExec) and cannot, whatever link the
	// source tree has.
	secret := func(id string) {
		o = append(o, bk.AddSecret(SecretDir+"/"+id, bk.SecretID(id), bk.SecretOptional,
			bk.SecretFileOpt(stepconfig.SecretOwner, stepconfig.SecretOwner, 0o400)))
	}
	if d.Netrc.Used() {
		secret(SecretNetrc)
	}
	if d.CACert.Used() {
		secret(SecretCACert)
	}
	// GOPROXY as a secret keeps a proxy URL with a password out of the
	// build args (which BuildKit records in provenance) and out of every
	// step definition.
	secret(SecretGOPROXY)
	for _, h := range d.GitHosts {
		secret(SecretGitTokenPrefix + h)
	}
	if d.SSH.Used() {
		o = append(o, bk.AddSSHSocket(bk.SSHID("default"), bk.SSHOptional))
	}
	o = append(o, bk.AddMount(HomeDir, bk.Scratch(), bk.Tmpfs()), bk.AddEnv("HOME", HomeDir))
	// Module zips of up to 500 MiB wait here while they arrive: on disk, not
	// in the tmpfs HOME; the mount is thrown away with the step.
	o = append(o, bk.AddMount(TempDir, bk.Scratch(), bk.ForceNoOutput))
	return o
}
