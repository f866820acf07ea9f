package probe

import (
	"context"
	"fmt"
	goversion "go/version"
	"strings"

	"github.com/gopherfile/gopherfile/internal/doctor"
)

// toolchain reports the go command the download runs and, when go.mod
// needs a newer one, whether GOTOOLCHAIN lets it switch and whether the
// module proxy has it (golang.org/toolchain), as the go command decides.
func (p *prober) toolchain(ctx context.Context) {
	have := p.in.GoEnv["GOVERSION"] // "go1.26.8"
	t := &p.r.Toolchain
	t.Go = strings.TrimPrefix(strings.Fields(have + " ")[0], "go")
	t.Source = "the go command on the PATH"
	if p.in.Where == doctor.Builder {
		t.Source = "the builder image"
	}
	t.OK = true
	need := ""
	if p.r.GoLine != "" && goversion.Compare("go"+p.r.GoLine, have) > 0 {
		need = "go" + p.r.GoLine
	}
	if tl := p.r.ToolchainLine; tl != "" && goversion.Compare(tl, have) > 0 && goversion.Compare(tl, or(need, have)) > 0 {
		need = tl
	}
	if need == "" || !goversion.IsValid(have) {
		return
	}
	gt := p.in.GoEnv["GOTOOLCHAIN"]
	mode := gt
	if i := strings.IndexByte(gt, '+'); i >= 0 {
		mode = gt[i+1:]
	}
	if gt == "local" || mode == "path" || gt == "" {
		t.OK = false
		p.classify(fmt.Sprintf("go: go.mod requires go >= %s (running go %s; GOTOOLCHAIN=%s)", strings.TrimPrefix(need, "go"), t.Go, or(gt, "local")))
		return
	}
	if gt != "auto" && mode != "auto" && !strings.HasSuffix(gt, "+auto") {
		// GOTOOLCHAIN names a toolchain: the go command uses that one.
		need = strings.Split(gt, "+")[0]
	}
	t.Switch = need
	goos, goarch := p.in.GoEnv["GOHOSTOS"], p.in.GoEnv["GOHOSTARCH"]
	for _, e := range proxyList(p.in.GoEnv["GOPROXY"]) {
		if !e.isURL() {
			continue
		}
		base := strings.TrimSuffix(e.value, "/") + "/golang.org/toolchain/@v/"
		ver := need
		if goversion.Lang(need) == need && !strings.Contains(strings.TrimPrefix(need, goversion.Lang(need)), ".") {
			// A language version such as go1.27: the go command picks its
			// newest release; the first one (go1.27.0) stands in for it.
			ver = need + ".0"
		}
		a := p.client.get(ctx, base+"v0.0.1-"+ver+"."+goos+"-"+goarch+".info", p.netrcCred)
		t.Source = "the module proxy " + e.host() + " (golang.org/toolchain)"
		if a.ok() {
			return
		}
		t.OK = false
		p.classify(fmt.Sprintf("go: download %s for %s/%s: toolchain not available\n\t%s", need, goos, goarch, a.line()))
		return
	}
	t.OK = false
	p.classify(fmt.Sprintf("go: go.mod requires go >= %s (running go %s; GOTOOLCHAIN=%s)", strings.TrimPrefix(need, "go"), t.Go, gt))
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
