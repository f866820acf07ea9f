package graph

import (
	"fmt"
	"path"
	"strings"

	"github.com/containerd/platforms"
	bk "github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// Paths of the vulncheck steps.
const (
	// VulnToolDir holds the govulncheck binary the tool step built; VulnDBDir
	// the converted database; both are mounted read-only in the govulncheck
	// step.
	VulnToolDir = "/gopherfile/govulncheck"
	VulnDBDir   = "/gopherfile/vulndb"
)

// VulnRun is one govulncheck run of a platform: the binaries that share
// their build tags, and the state of its report files.
type VulnRun struct {
	// Name is "" when one run covers every binary, else the first binary's
	// name (the folder of its files in the vulncheck target's output).
	Name     string
	Binaries []string
	State    bk.State
}

// vulnTool is `go install golang.org/x/vuln/cmd/govulncheck@VERSION` with the
// builder's Go, through the module proxies with the download step's
// settings, credentials and retries: `go install -n` fetches the modules
// within modules.timeout, then the step helper builds it from the module
// cache without that deadline. Its output (the binary) is cached by
// the builder and the version; it never sees the build context. The
// toolchain may be switched (GOTOOLCHAIN=auto) when the builder's Go is
// older than golang.org/x/vuln's go line.
func (g *Graph) vulnTool() bk.State {
	v := g.p.Vulncheck
	arg := plan.GovulncheckPkg + "@" + v.Govulncheck
	es := g.run(goStep{
		kind:  stepconfig.VulnTool,
		name:  "[vulncheck] go install " + arg,
		field: "vulncheck",
		args:  []string{"install", "-n", arg}, // then the step helper builds it
		src:   bk.Scratch(),
		dir:   HomeDir,
		out:   plan.OutDir,
		// Its build cache is this module's (stepconfig.CacheOwn): the
		// module settings decide which code it compiles, and with
		// GOTOOLCHAIN=auto which toolchain compiles it.
		gocache: &g.in.BuildPlatform,
		env:     map[string]string{goenv.GOBIN: plan.OutDir, goenv.GOFLAGS: "", goenv.GOTOOLCHAIN: "auto", goenv.CGO_ENABLED: "0", goenv.GOWORK: "off"},
		cfg:     stepconfig.Config{Stage: stepconfig.StageVulnTool},
	})
	return es.GetMount(plan.OutDir)
}

// vulnDB is `go mod download -json golang.org/x/vulndb@VERSION`, through the
// module proxies with the download step's settings, credentials, retries
// and checksum checks, converted into govulncheck's database layout: the
// step's output, cached by the version.
func (g *Graph) vulnDB() bk.State {
	v := g.p.Vulncheck
	arg := plan.VulnDBModule + "@" + v.DB
	es := g.run(goStep{
		kind:  stepconfig.VulnDB,
		name:  "[vulncheck] go mod download " + arg,
		field: "vulncheck",
		args:  []string{"mod", "download", "-json", arg},
		src:   bk.Scratch(),
		dir:   HomeDir,
		out:   plan.OutDir,
		env:   map[string]string{goenv.GOFLAGS: "", goenv.GOWORK: "off"},
		cfg: stepconfig.Config{Stage: stepconfig.StageVulnDB, Vuln: &stepconfig.VulnOpts{
			Module: plan.VulnDBModule, Version: v.DB, DB: plan.OutDir,
		}},
	})
	return es.GetMount(plan.OutDir)
}

// Vulncheck runs govulncheck over the binaries' main packages for the
// target platform: offline, with the module cache read-only, GOOS/GOARCH
// and CGO_ENABLED as the compile has them. Binaries with other build tags
// get a run of their own. Each state holds the step's files
// (stepconfig.VulnSummary and the reports).
func (g *Graph) Vulncheck(target ocispecs.Platform) []VulnRun {
	if g.vulnToolState == nil {
		tool, db := g.vulnTool(), g.vulnDB()
		g.vulnToolState, g.vulnDBState = &tool, &db
	}
	var runs []VulnRun
	index := map[string]int{}
	var groups [][]plan.Binary
	for _, b := range g.p.Binaries {
		key := vulnGroupKey(b)
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], b)
	}
	for _, bins := range groups {
		var mains, names []string
		for _, b := range bins {
			mains = append(mains, b.Main)
			names = append(names, b.Name)
		}
		pl := platforms.Format(target)
		b := bins[0]
		es := g.run(goStep{
			kind:    stepconfig.Vulncheck,
			name:    fmt.Sprintf("[vulncheck %s] govulncheck %s", pl, strings.Join(mains, " ")),
			field:   "vulncheck",
			src:     g.source(),
			target:  &target,
			bin:     &b,
			gocache: &target,
			out:     plan.OutDir,
			extra: []bk.RunOption{
				g.in.snapshotMount(VulnToolDir, *g.vulnToolState),
				g.in.snapshotMount(VulnDBDir, *g.vulnDBState),
			},
			cfg: stepconfig.Config{Stage: stepconfig.StageVuln, Vuln: &stepconfig.VulnOpts{
				Module: plan.VulnDBModule, Version: g.p.Vulncheck.DB, DB: VulnDBDir,
				Tool: path.Join(VulnToolDir, "govulncheck"), ToolVersion: g.p.Vulncheck.Govulncheck,
				Patterns: mains, Tags: buildTags(b.Flags), Title: pl + " " + strings.Join(mains, " "),
			}},
		})
		run := VulnRun{Binaries: names, State: es.GetMount(plan.OutDir)}
		if len(groups) > 1 {
			run.Name = names[0]
		}
		runs = append(runs, run)
	}
	return runs
}

// VulnOutput is the vulncheck target's output of one platform: the files of
// the run, or of each run in a folder named after its first binary.
func VulnOutput(runs []VulnRun) bk.State {
	if len(runs) == 1 {
		return runs[0].State
	}
	st := bk.Scratch()
	for _, r := range runs {
		st = st.File(bk.Copy(r.State, "/", "/"+r.Name+"/", &bk.CopyInfo{CreateDestPath: true, CopyDirContentsOnly: true}),
			bk.WithCustomName("[vulncheck] reports of "+strings.Join(r.Binaries, ", ")))
	}
	return st
}

// buildTags are the tags of -tags flags, in order.
func buildTags(flags []string) []string {
	var out []string
	for i := 0; i < len(flags); i++ {
		f := strings.TrimPrefix(flags[i], "-")
		f = strings.TrimPrefix(f, "-")
		v, ok := strings.CutPrefix(f, "tags=")
		if !ok && f == "tags" && i+1 < len(flags) {
			i++
			v, ok = flags[i], true
		}
		if ok {
			for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
				out = append(out, t)
			}
		}
	}
	return out
}

// VulnRunNames are the folders of the runs' files in VulnOutput: "" for one
// run, else each run's first binary.
func (g *Graph) VulnRunNames() []string {
	seen := map[string]bool{}
	var names []string
	for _, b := range g.p.Binaries {
		key := vulnGroupKey(b)
		if !seen[key] {
			seen[key] = true
			names = append(names, b.Name)
		}
	}
	if len(names) == 1 {
		return []string{""}
	}
	return names
}

// vulnGroupKey groups the binaries govulncheck analyses in one run: those
// with the same build tags and env.
func vulnGroupKey(b plan.Binary) string {
	return strings.Join(buildTags(b.Flags), ",") + "\x00" + strings.Join(b.Env, "\x00")
}
