//go:build integration

package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/mod/module"

	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/vulndb"
	"github.com/gopherfile/gopherfile/internal/vulnreport"
)

// The vulncheck tests build real programs pinned at old versions, fetched
// from the module proxy, with --target vulncheck, and compare the findings
// (each vulnerability's ID and whether it is reachable, imported or only
// required) with govulncheck run on this machine: the same golang.org/x/vuln
// version, built here from the module proxy, with the same database (the
// same golang.org/x/vulndb version, converted here by internal/vulndb) and
// the same Go version (GO_VERSION names the host's Go). They
// build with the gopherfile CLI (the frontend in-process, the CLI's own
// binary as the step helper) against the test buildkitd.

// vulnBuild runs the CLI with the cacert secret the steps that reach the
// module proxy need.
func vulnBuild(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return cli(t, dir, append(append([]string{"--progress", "plain"}, proxyCAArgs()...), args...)...)
}

// vulnProgram is a program of the comparison.
type vulnProgram struct {
	name, module, version string
	mains                 []string
	// reachable is a vulnerability the program must reach ("" for none
	// but the standard library's).
	reachable string
}

var vulnPrograms = []vulnProgram{
	// An HTTP load generator: golang.org/x/net's http2 client code is
	// reachable, other x/net and x/text vulnerabilities are not.
	{name: "hey", module: "github.com/rakyll/hey", version: "v0.1.4", mains: []string{"."}, reachable: "GO-2022-0236"},
	// A jq clone: its dependencies' vulnerabilities are imported or
	// required, never called.
	{name: "gojq", module: "github.com/itchyny/gojq", version: "v0.12.0", mains: []string{"./cmd/gojq"}},
}

var hostVuln struct {
	once sync.Once
	tool string // govulncheck built on the host
	db   string // the converted database
	err  error
}

// hostGovulncheck builds govulncheck at the frontend's default version and
// converts the frontend's default database, on the host, from the module proxy.
// hostGoVersion is the version of the go command on the host ("1.26.8").
func hostGoVersion(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatalf("go env GOVERSION: %v", err)
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "go")
}

func hostGovulncheck(t *testing.T) (tool, db string) {
	t.Helper()
	hostVuln.once.Do(func() {
		dir, err := os.MkdirTemp("", "gopherfile-vuln-")
		if err != nil {
			hostVuln.err = err
			return
		}
		cmd := exec.Command("go", "install", plan.GovulncheckPkg+"@"+plan.DefaultGovulncheck)
		cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			hostVuln.err = fmt.Errorf("go install govulncheck: %v\n%s", err, out)
			return
		}
		out, err := exec.Command("go", "mod", "download", "-json", plan.VulnDBModule+"@"+plan.DefaultVulnDB).Output()
		if err != nil {
			hostVuln.err = fmt.Errorf("go mod download %s: %v", plan.VulnDBModule, err)
			return
		}
		var d struct{ Dir string }
		if err := json.Unmarshal(out, &d); err != nil {
			hostVuln.err = err
			return
		}
		at, err := module.PseudoVersionTime(plan.DefaultVulnDB)
		if err != nil {
			hostVuln.err = err
			return
		}
		hostVuln.db = filepath.Join(dir, "db")
		if _, err := vulndb.Convert(os.DirFS(d.Dir), hostVuln.db, plan.DefaultVulnDB, at); err != nil {
			hostVuln.err = err
			return
		}
		hostVuln.tool = filepath.Join(dir, "govulncheck")
	})
	if hostVuln.err != nil {
		t.Fatal(hostVuln.err)
	}
	return hostVuln.tool, hostVuln.db
}

// fetchProgram copies a module version from the module proxy into a temp
// dir, with a Gopherfile that builds mains on the test builder's Go.
func fetchProgram(t *testing.T, p vulnProgram, vulncheck string) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", p.module+"@"+p.version)
	cmd.Dir = t.TempDir() // outside this module: its go.mod and GOFLAGS do not apply
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// -json reports the module's own error on stdout.
		t.Fatalf("go mod download %s@%s: %v\n%s%s", p.module, p.version, err, out, stderr.String())
	}
	var d struct{ Dir string }
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	dir := copyDir(t, d.Dir)
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err == nil {
			os.Chmod(path, map[bool]os.FileMode{true: 0o755, false: 0o644}[e.IsDir()])
		}
		return nil
	})
	var gf strings.Builder
	gf.WriteString("version: 1\ngo: \"1.26\"\ntidy: off\nbuilds:\n")
	for _, m := range p.mains {
		fmt.Fprintf(&gf, "  - main: %s\n", m)
	}
	gf.WriteString(vulncheck)
	writeFile(t, filepath.Join(dir, "Gopherfile"), gf.String())
	return dir
}

// levels are the findings of a govulncheck JSON stream: ID -> level.
func levels(t *testing.T, data []byte) (map[string]vulnreport.Level, *vulnreport.Report) {
	t.Helper()
	r, err := vulnreport.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]vulnreport.Level{}
	for _, f := range r.Findings {
		out[f.ID] = f.Level
	}
	return out, r
}

func diffLevels(a, b map[string]vulnreport.Level) []string {
	var d []string
	for id, l := range a {
		if b[id] != l {
			d = append(d, fmt.Sprintf("%s: build %q, host %q", id, l, b[id]))
		}
	}
	for id, l := range b {
		if _, ok := a[id]; !ok {
			d = append(d, fmt.Sprintf("%s: build none, host %q", id, l))
		}
	}
	sort.Strings(d)
	return d
}

// TestVulncheckMatchesHost: --target vulncheck on real programs finds what
// govulncheck on the host finds, reachable or not; the exported SARIF and
// OpenVEX documents validate against their JSON schemas; a second build of
// the same sources, modules and database runs no analysis.
func TestVulncheckMatchesHost(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	tool, db := hostGovulncheck(t)
	for _, p := range vulnPrograms {
		t.Run(p.name, func(t *testing.T) {
			dir := fetchProgram(t, p, "")
			out := t.TempDir()
			// report: the target exports the reports whatever it finds.
			// GO_VERSION: the build checks the standard library of the
			// host's Go, as govulncheck on the host does.
			args := []string{"--platform", "linux/amd64", "--target", "vulncheck", "--build-arg", "VULNCHECK=report", "--build-arg", "GO_VERSION=" + hostGoVersion(t), "-o", "type=local,dest=" + out, "."}
			cold := vulnBuild(t, dir, args...)
			mustOK(t, cold)
			built, err := os.ReadFile(filepath.Join(out, "vulncheck.json"))
			if err != nil {
				t.Fatal(err)
			}

			// govulncheck on the host, offline, with the same database.
			dl := exec.Command("go", "mod", "download")
			dl.Dir, dl.Env = dir, append(os.Environ(), "GOFLAGS=-mod=mod")
			if o, err := dl.CombinedOutput(); err != nil {
				t.Fatalf("go mod download: %v\n%s", err, o)
			}
			cmd := exec.Command(tool, append([]string{"-db", "file://" + db, "-format", "json"}, p.mains...)...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOPROXY=off", "GOFLAGS=-mod=mod")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			host, err := cmd.Output()
			if err != nil {
				t.Fatalf("govulncheck on the host: %v\n%s", err, stderr.String())
			}
			t.Logf("govulncheck on the host took %s", time.Since(start).Round(time.Millisecond))

			got, gotRep := levels(t, built)
			want, wantRep := levels(t, host)
			if gotRep.GoVersion != wantRep.GoVersion {
				t.Fatalf("the build checked the standard library of %s, the host of %s, although GO_VERSION named the host's", gotRep.GoVersion, wantRep.GoVersion)
			}
			if d := diffLevels(got, want); len(d) > 0 {
				t.Errorf("the build's findings differ from the host's:\n%s", strings.Join(d, "\n"))
			}
			reach, imp, req := gotRep.Counts()
			t.Logf("%s@%s: %d reachable, %d imported, %d required (%d findings); build took %s", p.module, p.version, reach, imp, req, len(got), cold.took.Round(time.Second))
			if p.reachable != "" && got[p.reachable] != vulnreport.Reachable {
				t.Errorf("%s is not reachable in %s: %v", p.reachable, p.name, got)
			}
			for _, f := range gotRep.Findings {
				if p.reachable == "" && f.Level == vulnreport.Reachable && f.Module != "stdlib" {
					t.Errorf("%s (%s) is reachable in %s", f.ID, f.Module, p.name)
				}
			}
			if !strings.Contains(cold.out, "gopherfile: govulncheck (golang.org/x/vuln@"+plan.DefaultGovulncheck+") with the database "+plan.VulnDBModule+"@"+plan.DefaultVulnDB) {
				t.Errorf("the log does not say which database was used:\n%s", cold.out)
			}
			checkReportSchemas(t, out)

			// Cached like the compile: nothing runs again.
			warm := vulnBuild(t, dir, args...)
			mustOK(t, warm)
			if !regexp.MustCompile(`(?m)^#\d+ \[vulncheck linux/amd64\] govulncheck .*\n#\d+ CACHED`).MatchString(warm.out) {
				t.Errorf("the second build ran govulncheck again:\n%s", warm.out)
			}
			t.Logf("%s: cold build %s, cached build %s", p.name, cold.took.Round(time.Second), warm.took.Round(time.Second))
		})
	}
}

// checkReportSchemas validates the exported SARIF and OpenVEX documents
// against the SARIF 2.1.0 and OpenVEX JSON schemas.
func checkReportSchemas(t *testing.T, dir string) {
	t.Helper()
	for file, schema := range map[string]string{
		"vulncheck.sarif":        "sarif-schema-2.1.0.json",
		"vulncheck.openvex.json": "openvex_json_schema.json",
	} {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		sf, err := os.Open(filepath.Join(repoRoot, "internal/vulnreport/testdata/schemas", schema))
		if err != nil {
			t.Fatal(err)
		}
		sdoc, err := jsonschema.UnmarshalJSON(sf)
		sf.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(schema, sdoc); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile(schema)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(doc); err != nil {
			t.Errorf("%s does not validate against %s: %v", file, schema, err)
		}
	}
}

// TestVulncheckFail: vulncheck: fail fails the image build on a reachable
// vulnerability with its ID, symbol, call path and fix; an allow-list entry
// with a reason lets it pass; a program whose findings are all unreachable
// (gojq) and a clean one (hello) pass.
func TestVulncheckFail(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	dir := copyDir(t, "examples/vulncheck")
	const head = "version: 1\ngo: \"1.26\"\nbuilds:\n  - name: langpick\n"
	writeFile(t, filepath.Join(dir, "Gopherfile"), head+"vulncheck:\n  mode: fail\n")
	tarball := filepath.Join(t.TempDir(), "img.tar")
	args := []string{"--platform", "linux/amd64", "-o", "type=oci,dest=" + tarball, "."}
	r := vulnBuild(t, dir, args...)
	if r.err == nil {
		t.Fatalf("the build passed with a reachable vulnerability:\n%s", r.out)
	}
	for _, want := range []string{
		"Gopherfile line 5",
		"found 1 reachable vulnerability",
		"GO-2022-1059 (CVE-2022-32149, GHSA-69ch-w2m2-3vjp)",
		"symbol:  golang.org/x/text/language.ParseAcceptLanguage",
		"path:    github.com/gopherfile/gopherfile/examples/vulncheck.main (main.go:",
		"fix:     go get golang.org/x/text@v0.3.8",
		plan.VulnDBModule + "@" + plan.DefaultVulnDB + " (2026-11-05, ",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("the failure does not say %q:\n%s", want, r.out)
		}
	}

	writeFile(t, filepath.Join(dir, "Gopherfile"), head+"vulncheck:\n  mode: fail\n  allow:\n    - id: CVE-2022-32149\n      reason: we parse only our own header values\n")
	// Allowed: the build passes (the warning that says so is checked
	// through docker buildx, which prints BuildKit's warnings, in
	// TestVulncheckAllowWarning).
	mustOK(t, vulnBuild(t, dir, args...))

	gojq := fetchProgram(t, vulnPrograms[1], "vulncheck:\n  mode: fail\n")
	mustOK(t, vulnBuild(t, gojq, args...))

	hello := copyDir(t, "examples/hello")
	writeFile(t, filepath.Join(hello, "Gopherfile"), "version: 1\ngo: \"1.26\"\nvulncheck:\n  mode: fail\n")
	r = vulnBuild(t, hello, args...)
	mustOK(t, r)
	if !strings.Contains(r.out, "0 reachable") {
		t.Errorf("no report for the clean program:\n%s", r.out)
	}
}

// TestVersionFromGit: a program built from a git checkout at a release tag,
// with no build arg, prints the tag's version (the ldflags' {{.Version}}),
// and the image's org.opencontainers.image.version label and the SBOM's main
// module say the same; --build-arg VERSION still wins; a commit after the
// tag gets a pseudo-version.
func TestVersionFromGit(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	dir := copyDir(t, "examples/vulncheck")
	writeFile(t, filepath.Join(dir, "Gopherfile"), "version: 1\ngo: \"1.26\"\nbuilds:\n  - name: langpick\n    ldflags: -X main.version={{.Version}}\n")
	gitRun := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_COMMITTER_DATE=2026-11-20T08:00:00Z", "GIT_AUTHOR_DATE=2026-11-20T08:00:00Z")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	gitRun("init", "-q", "-b", "main")
	gitRun("add", ".")
	gitRun("commit", "-q", "-m", "release")
	gitRun("tag", "-a", "-m", "v1.4.2", "v1.4.2")
	commit := gitRun("rev-parse", "HEAD")

	build := func(extra ...string) (*ociImage, string) {
		t.Helper()
		tarball := filepath.Join(t.TempDir(), "img.tar")
		r := vulnBuild(t, dir, append(extra, "--sbom", "--platform", "linux/amd64", "-o", "type=oci,dest="+tarball, ".")...)
		mustOK(t, r)
		img := loadOCI(t, tarball)
		return img, runBinary(t, filepath.Join(img.Rootfs["linux/amd64"], "usr/local/bin/langpick"), "--version")
	}
	img, out := build()
	if strings.TrimSpace(out) != "1.4.2" {
		t.Errorf("--version printed %q, want 1.4.2", out)
	}
	labels := img.Configs["linux/amd64"].Config.Labels
	if labels["org.opencontainers.image.version"] != "1.4.2" || labels["org.opencontainers.image.revision"] != commit {
		t.Errorf("labels %v, want version 1.4.2 and revision %s", labels, commit)
	}
	if !sbomSays(t, img, `"pkg:golang/github.com/gopherfile/gopherfile/examples/vulncheck@v1.4.2"`, `"versionInfo": "v1.4.2"`) {
		t.Error("the SBOM does not give the main module the version v1.4.2")
	}

	_, out = build("--build-arg", "VERSION=9.9.9")
	if strings.TrimSpace(out) != "9.9.9" {
		t.Errorf("with --build-arg VERSION=9.9.9, --version printed %q", out)
	}

	writeFile(t, filepath.Join(dir, "extra.go"), "package main\n")
	gitRun("add", ".")
	gitRun("commit", "-q", "-m", "after the release")
	next := gitRun("rev-parse", "HEAD")
	_, out = build()
	if want := "0.0.0-20261120080000-" + next[:12]; strings.TrimSpace(out) != want {
		t.Errorf("untagged: --version printed %q, want %q", out, want)
	}
}

// sbomSays reports whether an SPDX document in the image layout has every want.
func sbomSays(t *testing.T, img *ociImage, want ...string) bool {
	t.Helper()
	found := false
	filepath.Walk(filepath.Join(img.Dir, "blobs"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || found {
			return err
		}
		dt, _ := os.ReadFile(p)
		s := string(dt)
		if !strings.Contains(s, "SPDX-2.3") {
			return nil
		}
		// The attestation is an in-toto statement: the SBOM is its predicate, as JSON.
		var st struct{ Predicate json.RawMessage }
		if json.Unmarshal(dt, &st) == nil && len(st.Predicate) > 0 {
			var pretty bytes.Buffer
			json.Indent(&pretty, st.Predicate, "", "  ")
			s = pretty.String()
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		found = ok
		return nil
	})
	return found
}

// TestVulncheckAllowWarning: through docker buildx and the frontend image, an
// allowed reachable vulnerability is a build warning with its reason, at the
// vulncheck: line.
func TestVulncheckAllowWarning(t *testing.T) {
	t.Parallel() // a long test of its own (see parallelTests)
	dir := copyDir(t, "examples/vulncheck")
	tarball := filepath.Join(t.TempDir(), "img.tar")
	r := buildx(t, dir, syntaxArgs(append(proxyCAArgs(), "--platform", "linux/amd64", "-o", "type=oci,dest="+tarball, ".")...)...)
	mustOK(t, r)
	if !strings.Contains(r.out, "GO-2022-1059 is reachable (golang.org/x/text/language.ParseAcceptLanguage) and allowed by vulncheck.allow: the example pins golang.org/x/text v0.3.7 on purpose") {
		t.Errorf("no warning for the allowed vulnerability:\n%s", r.out)
	}
	// The OpenVEX document is attached to the image as an attestation.
	img := loadOCI(t, tarball)
	vex := false
	filepath.Walk(filepath.Join(img.Dir, "blobs"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		dt, _ := os.ReadFile(p)
		if s := string(dt); strings.Contains(s, `"predicateType":"https://openvex.dev/ns/v0.2.0"`) && strings.Contains(s, "GO-2022-1059") && strings.Contains(s, `"status":"not_affected"`) {
			vex = true
		}
		return nil
	})
	if !vex {
		t.Error("no OpenVEX attestation in the image index")
	}
}
