//go:build integration

package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopherfile/gopherfile/internal/testproxy"
)

// Reliability and security under load, faults and hostile input (issue 7).
// Every test bounds its builds with a context; all traffic stays on 127.0.0.1.

// TestReliabilityConcurrentBuilds runs 4 builds of 4 projects at once on the
// one buildkitd, three rounds. Each project requires its own fixture module
// from one shared proxy, so the four download steps share the module cache
// mount. Rounds 2 and 3 edit main.go: the compile step runs again and the
// download step stays cached. Every image is exported as OCI and its binary
// prints what that project's sources say.
func TestReliabilityConcurrentBuilds(t *testing.T) {
	const n, rounds = 4, 3
	var libs []testproxy.Module
	for i := range n {
		libs = append(libs, relModule(fmt.Sprintf("lib%d", i)))
	}
	p := startProxy(t, libs...)
	projects := make([]relProject, n)
	dirs := make([]string, n)
	for i := range n {
		projects[i] = relProject{
			Module:     fmt.Sprintf("example.com/rel/app%d", i),
			Deps:       libs[i : i+1],
			Gopherfile: "version: 1\n" + relModules(p, ""),
		}
		dirs[i] = t.TempDir()
	}
	maxCompiles, maxDownloads := 0, 0
	for round := 1; round <= rounds; round++ {
		for i := range n {
			projects[i].Say = fmt.Sprintf("app%d round %d %08x", i, round, rand.Uint32())
			if round == 1 {
				projects[i].write(t, p, dirs[i])
			} else {
				writeFile(t, filepath.Join(dirs[i], "main.go"), projects[i].mainGo())
			}
		}
		results := make([]result, n)
		tarballs := make([]string, n)
		var wg sync.WaitGroup
		start := time.Now()
		for i := range n {
			tarballs[i] = filepath.Join(t.TempDir(), "app.tar")
			wg.Go(func() {
				results[i] = relCLI(t, 4*time.Minute, dirs[i], "--progress", "rawjson", "-o", "type=oci,dest="+tarballs[i], ".")
			})
		}
		wg.Wait()
		wall := time.Since(start)

		var compiles, downloads [][2]time.Time
		for i, r := range results {
			pr := projects[i]
			if r.err != nil {
				t.Errorf("round %d, %s: %v\n%s", round, pr.Module, r.err, tail(relLogs(r.out), 40))
				continue
			}
			img := loadOCI(t, tarballs[i])
			got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin", pr.binary()))
			for _, w := range pr.want() {
				if !strings.Contains(got, w) {
					t.Errorf("round %d: %s printed %q, want a line %q", round, pr.binary(), got, w)
				}
			}
			steps := relSteps(r.out)
			builds := relFindSteps(steps, "[build "+pr.binary()+" ")
			if len(builds) != 1 {
				t.Fatalf("round %d, %s: %d compile steps", round, pr.Module, len(builds))
			}
			if b := builds[0]; b.Cached || b.Started == nil || b.Completed == nil {
				t.Errorf("round %d, %s: the compile step did not run (cached %v)", round, pr.Module, b.Cached)
			} else {
				compiles = append(compiles, [2]time.Time{*b.Started, *b.Completed})
			}
			for _, d := range relFindSteps(steps, "[deps] go mod download") {
				if round == 1 && d.Cached {
					t.Errorf("round 1, %s: the download step was cached, but its module is new", pr.Module)
				}
				if round > 1 && !d.Cached {
					t.Errorf("round %d, %s: editing main.go re-ran the download step", round, pr.Module)
				}
				if !d.Cached && d.Started != nil && d.Completed != nil {
					downloads = append(downloads, [2]time.Time{*d.Started, *d.Completed})
				}
			}
		}
		mc, md := relMaxOverlap(compiles), relMaxOverlap(downloads)
		maxCompiles, maxDownloads = max(maxCompiles, mc), max(maxDownloads, md)
		t.Logf("round %d: %d builds at once in %s; at most %d compile steps and %d download steps ran at the same time", round, n, wall.Round(time.Millisecond), mc, md)
	}
	if maxCompiles < 2 {
		t.Errorf("the compile steps of the concurrent builds never overlapped (max %d): the builds were not concurrent", maxCompiles)
	}
	t.Logf("held %d concurrent builds per round, %d rounds; max overlapping compile steps %d, download steps %d; proxy saw %d requests",
		n, rounds, maxCompiles, maxDownloads, p.Requests())
}

var relRetriesRE = regexp.MustCompile(`retried [0-9]+ requests? \([^)]*\) on [^ \n]+`)

// TestReliabilityChaos: the proxy fails 30% of requests at random (500, 502,
// 503 and connection resets). A build with five fixture modules still
// succeeds with the default settings: each request is retried on its own,
// so one request fails the build only after 7 failures in a row (0.3^7).
//
// One attempt fetches .mod, .info and .zip of each missing module and fails
// if any request fails. At a 30% failure rate a simulation of that (which
// matches the runs: 1 to 9 retries, about 3.6 on average) needs more than 6
// retries (the default) in about 5.5% of builds, more than 10 in 0.13% and
// more than 12 in 0.02%: the test sets 12 so that it does not flake; the
// worst case is about 80s of backoff.
func TestReliabilityChaos(t *testing.T) {
	var mods []testproxy.Module
	for i := range 5 {
		mods = append(mods, relModule(fmt.Sprintf("chaos%d", i)))
	}
	p := startProxy(t, mods...)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("GF_CHAOS_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	p.FailRandom(0.3, seed, testproxy.Status500, testproxy.Status502, testproxy.Status503, testproxy.Reset)
	pr := relProject{
		Module:     "example.com/rel/chaos",
		Deps:       mods,
		Say:        fmt.Sprintf("chaos survived %08x", rand.Uint32()),
		Gopherfile: "version: 1\n" + relModules(p, ""),
	}
	dir := t.TempDir()
	pr.write(t, p, dir)
	out := t.TempDir()
	r := relCLI(t, 4*time.Minute, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+out, ".")

	kinds := map[string]int{}
	for _, l := range p.Log() {
		if i := strings.Index(l, " (fault)"); i >= 0 {
			f := l[:i]
			kinds[f[strings.LastIndexByte(f, ' ')+1:]]++
		}
	}
	t.Logf("seed %d (GF_CHAOS_SEED=%d reproduces the fault sequence, not the request order): the proxy saw %d requests and injected %d faults %v:\n%s",
		seed, seed, p.Requests(), p.Failures(), kinds, strings.Join(p.Log(), "\n"))
	if r.err != nil {
		t.Fatalf("the build did not survive %d injected faults: %v\n%s", p.Failures(), r.err, tail(r.out, 60))
	}
	for _, w := range pr.want() {
		if got := runBinary(t, filepath.Join(out, "chaos")); !strings.Contains(got, w) {
			t.Errorf("chaos printed %q, want %q", got, w)
		}
	}
	t.Logf("the build said:\n%s", relGrep(r.out, "gopherfile:"))
	m := relRetriesRE.FindStringSubmatch(r.out)
	if n := p.Failures() - kinds["reset"]; n > 0 && m == nil {
		t.Errorf("%d server errors were injected but the build never said it retried:\n%s", n, tail(r.out, 40))
	}
	if strings.Contains(r.out, "running go mod download again") {
		t.Errorf("go mod download ran more than once: the proxy layer should have retried each request:\n%s", tail(r.out, 40))
	}
	t.Logf("survived %d injected faults of %d requests with the default retries (6 per request): %s", p.Failures(), p.Requests(), m)
}

// TestReliabilityProxyDown: with the proxy down (connection refused) and
// retries: 3, the build fails in bounded time with the row 1 explanation.
func TestReliabilityProxyDown(t *testing.T) {
	mod := relModule("down")
	p := startProxy(t, mod)
	if err := p.Down(); err != nil {
		t.Fatal(err)
	}
	pr := relProject{Module: "example.com/rel/down", Deps: []testproxy.Module{mod}, Say: "never",
		Gopherfile: "version: 1\n" + relModules(p, "  retries: 3\n")}
	dir := t.TempDir()
	pr.write(t, p, dir)
	r := relCLI(t, 3*time.Minute, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatalf("the build succeeded with the proxy down:\n%s", tail(r.out, 30))
	}
	if r.took > 90*time.Second {
		t.Errorf("failing took %s, want less than 90s", r.took.Round(time.Second))
	}
	for _, w := range []string{"connection refused", "row 1, proxy unreachable", "retry 3 of 3", p.Addr()} {
		if !strings.Contains(r.out, w) {
			t.Errorf("output lacks %q:\n%s", w, tail(r.out, 40))
		}
	}
	if strings.Contains(r.out, "retry 4 of") {
		t.Errorf("retried more than retries: 3")
	}
	t.Logf("proxy down: failed after %s with:\n%s", r.took.Round(time.Millisecond), relGrep(r.out, "gopherfile:"))
}

// TestReliabilityProxyComesBack: the proxy is down when the build starts and
// comes back (same port) after the first retry: with the default retries the
// build succeeds and says it retried.
func TestReliabilityProxyComesBack(t *testing.T) {
	mod := relModule("flap")
	p := startProxy(t, mod)
	if err := p.Down(); err != nil {
		t.Fatal(err)
	}
	pr := relProject{Module: "example.com/rel/flap", Deps: []testproxy.Module{mod}, Say: fmt.Sprintf("back %08x", rand.Uint32()),
		Gopherfile: "version: 1\n" + relModules(p, "")}
	dir := t.TempDir()
	pr.write(t, p, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := t.TempDir()
	b := relStartCLI(ctx, t, dir, "--target", "binaries", "-o", "type=local,dest="+out, ".")
	if !b.waitUntil(2*time.Minute, func() bool { return strings.Contains(relLogs(b.out.String()), "retry 1 of") }) {
		t.Fatalf("the download never retried:\n%s", tail(relLogs(b.out.String()), 30))
	}
	if err := p.Up(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		t.Fatalf("the build did not finish after the proxy came back")
	}
	logs := relLogs(b.out.String())
	if b.err != nil {
		t.Fatalf("the build failed although the proxy came back: %v\n%s", b.err, tail(logs, 40))
	}
	if !relRetriesRE.MatchString(logs) || !strings.Contains(logs, "refused x") {
		t.Errorf("the build does not say it retried refused connections:\n%s", tail(logs, 30))
	}
	for _, w := range pr.want() {
		if got := runBinary(t, filepath.Join(out, "flap")); !strings.Contains(got, w) {
			t.Errorf("flap printed %q, want %q", got, w)
		}
	}
	t.Logf("the proxy came back; the build finished %s after it started:\n%s", b.ended.Sub(b.start).Round(time.Millisecond), relGrep(logs, "gopherfile:"))
}

// TestReliabilityProxyStalls: a proxy that accepts every request and never
// answers. modules.timeout: 5s is the download step's deadline, so the build
// fails in about 5s with a message naming the timeout, and leaves no go
// process behind.
func TestReliabilityProxyStalls(t *testing.T) {
	mod := relModule("stall")
	p := startProxy(t, mod)
	p.SetMaxStall(5 * time.Minute)
	p.FailRandom(1, 1, testproxy.Stall)
	pr := relProject{Module: "example.com/rel/stall", Deps: []testproxy.Module{mod}, Say: "never",
		Gopherfile: "version: 1\n" + relModules(p, "  retries: 1\n  timeout: 5s\n")}
	dir := t.TempDir()
	pr.write(t, p, dir)
	r := relCLI(t, 3*time.Minute, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatalf("the build succeeded with a stalled proxy:\n%s", tail(r.out, 30))
	}
	if r.took > 60*time.Second {
		t.Errorf("failing took %s, want less than 60s (a deadline of 5s)", r.took.Round(time.Second))
	}
	for _, w := range []string{"did not finish within 5s", "modules.timeout", "row 1"} {
		if !strings.Contains(r.out, w) {
			t.Errorf("output lacks %q:\n%s", w, tail(r.out, 40))
		}
	}
	if left, _ := relWaitNoProcs("GOPROXY="+p.URL(), 15*time.Second); len(left) > 0 {
		t.Errorf("processes of the timed-out download are still running: %q", left)
	}
	t.Logf("stalled proxy: failed after %s; the proxy held %d requests; the build said:\n%s", r.took.Round(time.Millisecond), p.Failures(), relGrep(r.out, "gopherfile:"))
}

// TestReliabilityCancelDownload interrupts the CLI (SIGINT) while go mod
// download waits on a stalled proxy. The CLI exits promptly, nothing keeps
// running in the builder, and afterwards the same build succeeds; a second
// project using the same module then checks the module cache from inside its
// compile step (go mod verify, and the recorded hash against go.sum).
func TestReliabilityCancelDownload(t *testing.T) {
	mod := relModule("cancel")
	p := startProxy(t, mod)
	p.SetMaxStall(5 * time.Minute)
	p.FailNext(1000, testproxy.Stall)
	pr := relProject{Module: "example.com/rel/cancel", Deps: []testproxy.Module{mod}, Say: fmt.Sprintf("after cancel %08x", rand.Uint32()),
		Gopherfile: "version: 1\n" + relModules(p, "")}
	dir := t.TempDir()
	pr.write(t, p, dir)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	goproxyEnv := "GOPROXY=" + p.URL()
	b := relStartCLI(ctx, t, dir, "-o", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"), ".")
	if !b.waitUntil(2*time.Minute, func() bool {
		return relStepRunning(b.out.String(), "[deps] go mod download") && p.Requests() > 0 && len(relProcsWithEnv(goproxyEnv)) > 0
	}) {
		t.Fatalf("the download step never reached the proxy:\n%s", tail(relLogs(b.out.String()), 30))
	}
	inFlight := relProcsWithEnv(goproxyEnv)
	t.Logf("go mod download is waiting on the stalled proxy (%d requests held); processes: %q", p.Requests(), inFlight)
	took, ok := b.interrupt(t, 30*time.Second)
	if !ok {
		t.Fatalf("the CLI did not exit within 30s of SIGINT")
	}
	if b.err == nil {
		t.Errorf("the interrupted build reported success")
	}
	t.Logf("the CLI exited %s after SIGINT (%v) saying:\n%s", took.Round(time.Millisecond), b.err, tail(strings.TrimSpace(relNonJSON(b.out.String())), 5))
	left, gone := relWaitNoProcs(goproxyEnv, 20*time.Second)
	if len(left) > 0 {
		t.Errorf("20s after the interrupt, processes of the cancelled download still run in the builder: %q", left)
	} else {
		t.Logf("the download's processes were gone %s after the CLI exited", gone.Round(time.Millisecond))
	}

	// The proxy is healthy again: the same build succeeds.
	p.ClearFaults()
	tarball := filepath.Join(t.TempDir(), "app.tar")
	mustOK(t, relCLI(t, 3*time.Minute, dir, "--progress", "plain", "-o", "type=oci,dest="+tarball, "."))
	img := loadOCI(t, tarball)
	got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/cancel"))
	for _, w := range pr.want() {
		if !strings.Contains(got, w) {
			t.Errorf("cancel printed %q, want %q", got, w)
		}
	}

	// The module cache is sound: another project using the module checks it.
	nonce := relNonce()
	v := relProject{Module: "example.com/rel/verify", Deps: []testproxy.Module{mod}, Say: fmt.Sprintf("verified %08x", rand.Uint32()),
		Gopherfile: "version: 1\nbuilder: " + shellBuilder + "\n" + relModules(p, "") + "builds:\n  - flags: [\"-toolexec=/bin/sh /src/verify.sh\"]\n",
		Files:      map[string]string{"verify.sh": relVerifyScript(nonce, mod)}}
	vdir := t.TempDir()
	v.write(t, p, vdir)
	out := t.TempDir()
	r := relCLI(t, 3*time.Minute, vdir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+out, ".")
	mustOK(t, r)
	relCheckVerify(t, r.out, nonce, p, mod)
	if got := runBinary(t, filepath.Join(out, "verify")); !strings.Contains(got, relHello(mod)) || !strings.Contains(got, v.Say) {
		t.Errorf("verify printed %q", got)
	}
}

// TestReliabilityCancelCompile interrupts the CLI while go build compiles a
// large generated package. The CLI exits promptly, the compiler does not keep
// running, and the same build then succeeds (the build cache is sound).
func TestReliabilityCancelCompile(t *testing.T) {
	mark := fmt.Sprintf("%016x", rand.Uint64())
	say := "big build " + mark
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/rel/bigbuild\n\ngo 1.26\n")
	writeFile(t, filepath.Join(dir, "main.go"), relBigMain(10000, say))
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\nbuilds:\n  - env: {GF_REL_MARK: \""+mark+"\"}\n")
	markEnv := "GF_REL_MARK=" + mark

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b := relStartCLI(ctx, t, dir, "-o", "type=oci,dest="+filepath.Join(t.TempDir(), "x.tar"), ".")
	// The compile of the generated main package, not of a standard library
	// package (those come and go in milliseconds while the build cache fills).
	compiling := func() bool {
		for _, pr := range relProcsWithEnv(markEnv) {
			if strings.Contains(pr, "/compile ") && strings.Contains(pr, " -p main ") {
				return true
			}
		}
		return false
	}
	if !b.waitUntil(2*time.Minute, func() bool { return relStepRunning(b.out.String(), "[build bigbuild ") && compiling() }) {
		t.Fatalf("the compiler never ran:\n%s", tail(relLogs(b.out.String()), 30))
	}
	time.Sleep(500 * time.Millisecond)
	if !compiling() {
		t.Fatalf("the compile finished within a second; make the generated package bigger")
	}
	took, ok := b.interrupt(t, 30*time.Second)
	if !ok {
		t.Fatalf("the CLI did not exit within 30s of SIGINT")
	}
	if b.err == nil {
		t.Errorf("the interrupted build reported success")
	}
	t.Logf("the CLI exited %s after SIGINT during go build (%v) saying:\n%s", took.Round(time.Millisecond), b.err, tail(strings.TrimSpace(relNonJSON(b.out.String())), 5))
	left, gone := relWaitNoProcs(markEnv, 20*time.Second)
	if len(left) > 0 {
		t.Errorf("20s after the interrupt, processes of the cancelled compile still run in the builder: %q", left)
	} else {
		t.Logf("the compiler was gone %s after the CLI exited", gone.Round(time.Millisecond))
	}

	tarball := filepath.Join(t.TempDir(), "big.tar")
	r := relCLI(t, 3*time.Minute, dir, "--progress", "rawjson", "-o", "type=oci,dest="+tarball, ".")
	if r.err != nil {
		t.Fatalf("the rebuild after the interrupt failed: %v\n%s", r.err, tail(relLogs(r.out), 40))
	}
	for _, s := range relFindSteps(relSteps(r.out), "[build bigbuild ") {
		if s.Started != nil && s.Completed != nil {
			t.Logf("the rebuild's compile step took %s (cached %v)", s.Completed.Sub(*s.Started).Round(time.Millisecond), s.Cached)
		}
	}
	img := loadOCI(t, tarball)
	if got := runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/bigbuild")); !strings.Contains(got, say+" 10000 ") {
		t.Errorf("bigbuild printed %q", got)
	}
}

// TestReliabilityTamperedModuleNotCached extends TestDownloadChecksumMismatch:
// after a build fails on a tampered zip, the same build (same Gopherfile,
// proxy now honest) succeeds, and from inside its compile step the module
// cache holds exactly the published module: go mod verify passes, the hash
// recorded at download is the go.sum hash, and no file of the tampered zip
// is there.
func TestReliabilityTamperedModuleNotCached(t *testing.T) {
	mod := relModule("poison")
	nonce := relNonce()
	p := startProxy(t, mod)
	p.Tamper(mod.Path, mod.Version)
	pr := relProject{Module: "example.com/rel/poison", Deps: []testproxy.Module{mod}, Say: fmt.Sprintf("clean %08x", rand.Uint32()),
		Gopherfile: "version: 1\nbuilder: " + shellBuilder + "\n" + relModules(p, "") + "builds:\n  - flags: [\"-toolexec=/bin/sh /src/verify.sh\"]\n",
		Files:      map[string]string{"verify.sh": relVerifyScript(nonce, mod)}}
	dir := t.TempDir()
	pr.write(t, p, dir)
	r := relCLI(t, 3*time.Minute, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")
	if r.err == nil {
		t.Fatalf("a tampered module was accepted:\n%s", tail(r.out, 30))
	}
	if !strings.Contains(r.out, "checksum mismatch") || !strings.Contains(r.out, "row 8") {
		t.Errorf("want the checksum mismatch explanation:\n%s", tail(r.out, 30))
	}
	zipPath := "/" + mod.Path + "/@v/" + mod.Version + ".zip"
	if p.PathRequests(zipPath) == 0 {
		t.Fatalf("the tampered zip was never fetched: %q", p.Log())
	}

	p.ClearFaults()
	out := t.TempDir()
	r = relCLI(t, 3*time.Minute, dir, "--progress", "plain", "--target", "binaries", "-o", "type=local,dest="+out, ".")
	mustOK(t, r)
	relCheckVerify(t, r.out, nonce, p, mod)
	if got := runBinary(t, filepath.Join(out, "poison")); !strings.Contains(got, relHello(mod)) || !strings.Contains(got, pr.Say) {
		t.Errorf("poison printed %q", got)
	}
	t.Logf("the zip was fetched %d times (tampered, then honest)", p.PathRequests(zipPath))
}

// TestReliabilitySecretsNotPrinted: an authenticated download over TLS fails
// because the netrc secret holds the wrong password. Neither that password,
// the right one, nor the netrc line appears in the output of the CLI or of
// docker buildx build; nor does a netrc or token secret in the output of
// --call outline.
func TestReliabilitySecretsNotPrinted(t *testing.T) {
	mod := relModule("secret")
	p, caPEM, err := testproxy.StartTLSWithNewCA(mod)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	right := fmt.Sprintf("right%016x", rand.Uint64())
	wrong := fmt.Sprintf("wrong%016x", rand.Uint64())
	user := fmt.Sprintf("gfuser%08x", rand.Uint32())
	p.RequireBasicAuth(user, right)
	secrets := t.TempDir()
	ca := filepath.Join(secrets, "ca.pem")
	writeFile(t, ca, string(caPEM))
	netrcLine := fmt.Sprintf("machine %s login %s password %s", p.Addr(), user, wrong)
	netrc := filepath.Join(secrets, "netrc")
	writeFile(t, netrc, netrcLine+"\n")
	token := fmt.Sprintf("ghtok%016x", rand.Uint64())
	t.Setenv("GF_REL_TOKEN", token)

	pr := relProject{Module: "example.com/rel/secret", Deps: []testproxy.Module{mod}, Say: "never",
		Gopherfile: "version: 1\n" + relModules(p, "  retries: 1\n  gitHosts: [git.example.com]\n")}
	dir := t.TempDir()
	pr.write(t, p, dir)
	secretArgs := []string{"--secret", "id=cacert,src=" + ca, "--secret", "id=netrc,src=" + netrc, "--secret", "id=GIT_AUTH_TOKEN.git.example.com,env=GF_REL_TOKEN"}
	leaks := func(what, out string) {
		t.Helper()
		for name, s := range map[string]string{"the wrong password": wrong, "the right password": right, "the netrc line": netrcLine, "the git token": token, "the netrc login": user} {
			if strings.Contains(out, s) {
				t.Errorf("%s: the output contains %s:\n%s", what, name, relGrep(out, s))
			}
		}
	}

	r := relCLI(t, 3*time.Minute, dir, append(append([]string{"--progress", "plain"}, secretArgs...), "--target", "binaries", "-o", "type=local,dest="+t.TempDir(), ".")...)
	if r.err == nil {
		t.Fatalf("the build succeeded with the wrong password:\n%s", tail(r.out, 30))
	}
	if !strings.Contains(r.out, "401") {
		t.Errorf("want the proxy's 401 in the output:\n%s", tail(r.out, 30))
	}
	leaks("CLI build", r.out)

	r = relBuildx(t, 3*time.Minute, dir, append(append([]string{"--progress", "plain", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX=" + frontImg}, secretArgs...),
		"-o", "type=local,dest="+t.TempDir(), ".")...)
	if r.err == nil || !strings.Contains(r.out, "401") {
		t.Errorf("buildx: want a failure with the proxy's 401:\n%s", tail(r.out, 30))
	}
	leaks("docker buildx build", r.out)

	r = relBuildx(t, 2*time.Minute, dir, append(append([]string{"--call", "outline", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX=" + frontImg}, secretArgs...), ".")...)
	if r.err != nil {
		t.Fatalf("--call outline failed: %v\n%s", r.err, r.out)
	}
	if !strings.Contains(r.out, "netrc") {
		t.Errorf("--call outline does not list the netrc secret:\n%s", r.out)
	}
	leaks("--call outline", r.out)
	t.Logf("the proxy answered %d requests; no secret in %d bytes of output", p.Requests(), len(r.out))
}

// TestReliabilityNoBuilderPathsInErrors: failures reported through docker
// buildx build (the frontend image) never show paths of the builder host:
// buildkitd's state directory, snapshot mounts, the run directory or temp
// directories. The user's own context and output paths are allowed.
func TestReliabilityNoBuilderPathsInErrors(t *testing.T) {
	forbidden := []string{"/var/lib/gopherfile-dev", "/var/lib/buildkit", "/run/gopherfile-dev", "snapshots/", "/root/", "buildkit-mount"}
	for _, e := range []string{"GF_STATE", "GF_RUN", "GF_CACHE"} {
		if v := os.Getenv(e); v != "" {
			forbidden = append(forbidden, v)
		}
	}
	tests := []struct {
		name  string
		files map[string]string // "" removes the file; "->TARGET" makes a symlink
		want  string
	}{
		{"yaml syntax", map[string]string{"Gopherfile": "version: 1\nimage:\n\tbase: scratch\n"}, "invalid YAML"},
		{"go.mod symlink out of the context", map[string]string{"go.mod": "->/etc/passwd"}, ""},
		{"go.mod symlink loop", map[string]string{"go.mod": "->go.mod"}, ""},
		{"Gopherfile symlink out of the context", map[string]string{"Gopherfile": "->/etc/hostname"}, ""},
		{"missing extra file", map[string]string{"Gopherfile": "version: 1\nimage:\n  files:\n    - {src: nope.txt, dst: /nope.txt}\n"}, "nope.txt"},
		{"module dir missing", map[string]string{"Gopherfile": "version: 1\nmodule: sub/dir\n"}, ""},
		{"alias bomb", map[string]string{"Gopherfile": relAliasBomb()}, "nodes (counting alias expansions)"},
		{"huge Gopherfile", map[string]string{"Gopherfile": "version: 1\n" + strings.Repeat("# padding\n", 30000)}, "more than the limit"},
		{"compile error", map[string]string{"main.go": "package main\n\nfunc main() { undefined() }\n"}, "undefined"},
		{"replace outside the context", map[string]string{"go.mod": "module example.com/hello\n\ngo 1.26\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
			"main.go": "package main\n\nimport \"example.com/lib\"\n\nfunc main() { lib.X() }\n"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, "examples/hello")
			for name, content := range tt.files {
				target := filepath.Join(dir, name)
				switch {
				case content == "":
					os.Remove(target)
				case strings.HasPrefix(content, "->"):
					os.Remove(target)
					if err := os.Symlink(strings.TrimPrefix(content, "->"), target); err != nil {
						t.Fatal(err)
					}
				default:
					writeFile(t, target, content)
				}
			}
			dest := filepath.Join(t.TempDir(), "x.tar")
			r := relBuildx(t, 2*time.Minute, dir, "--progress", "plain", "-f", "Gopherfile", "--build-arg", "BUILDKIT_SYNTAX="+frontImg, "-o", "type=oci,dest="+dest, ".")
			if r.err == nil {
				t.Fatalf("the build succeeded; want an error\n%s", tail(r.out, 20))
			}
			if tt.want != "" && !strings.Contains(r.out, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, tail(r.out, 20))
			}
			own := strings.NewReplacer(dir, "<context>", dest, "<dest>", filepath.Dir(dest), "<destdir>").Replace(r.out)
			for _, bad := range forbidden {
				if strings.Contains(own, bad) {
					t.Errorf("the output shows the builder path %q:\n%s", bad, relGrep(own, bad))
				}
			}
			if strings.Contains(own, "/tmp/") {
				t.Errorf("the output shows a temp path that is not the user's:\n%s", relGrep(own, "/tmp/"))
			}
			t.Logf("error: %s", strings.TrimSpace(tail(errorLines(own), 6)))
		})
	}
}

// relAliasBomb is a Gopherfile of a few hundred bytes whose aliases expand to
// 10^9 nodes.
func relAliasBomb() string {
	var b strings.Builder
	b.WriteString("version: 1\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "x%d: &x%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*x%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}
