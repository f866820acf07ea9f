package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/opencontainers/go-digest"
)

// Phases a BuildKit build's time is split into, from the vertex timings of
// `--progress rawjson`. Each phase is the wall time during which at least one
// of its vertices ran (parallel vertices are not double counted); "overhead"
// is the wall time no vertex ran (client start, session, context scan,
// frontend start, scheduling); "compile_wait" is the time from the end of
// go mod download to the start of go build (for Gopherfile: the tidy check,
// which the compile waits for).
var phaseOrder = []string{"frontend", "context", "pull", "download", "tidy", "compile", "image", "export", "cache-import", "cache-load", "cache-export", "other", "overhead", "compile_wait"}

var phaseLabels = map[string]string{
	"frontend":     "frontend + image metadata",
	"context":      "context upload",
	"pull":         "base image pull + unpack",
	"download":     "go mod download",
	"tidy":         "go mod tidy -diff",
	"compile":      "go build",
	"image":        "image layer (copy binary)",
	"export":       "export (OCI tar)",
	"cache-import": "registry cache manifest",
	"cache-load":   "cached steps: layers pulled + unpacked",
	"cache-export": "registry cache export",
	"other":        "other steps",
	"overhead":     "no vertex running",
	"compile_wait": "from download end to go build start",
}

type interval struct{ a, b time.Time }

// phaseOf classifies a vertex by its name.
func phaseOf(name string) string {
	n := strings.ToLower(name)
	// The step after a "[stage 1/6] " or "[internal] " prefix.
	rest := n
	if strings.HasPrefix(rest, "[") {
		if i := strings.Index(rest, "] "); i >= 0 {
			rest = rest[i+2:]
		}
	}
	switch {
	case strings.Contains(n, "importing cache manifest"):
		return "cache-import"
	case strings.Contains(n, "exporting cache") || strings.Contains(n, "build cache for export") || strings.Contains(n, "writing cache"):
		return "cache-export"
	case strings.HasPrefix(n, "exporting "):
		return "export"
	case strings.Contains(n, "gopherfile/frontend") || strings.HasPrefix(rest, "load build definition") ||
		strings.HasPrefix(rest, "load metadata") || strings.HasPrefix(rest, "load .dockerignore") ||
		strings.HasPrefix(n, "resolve image config") || strings.HasPrefix(rest, "load go.mod, "):
		return "frontend"
	case strings.HasPrefix(rest, "load build context") || strings.HasPrefix(rest, "load go.mod and go.sum"):
		return "context"
	case strings.HasPrefix(rest, "from ") || strings.HasPrefix(n, "docker-image://") ||
		(strings.HasPrefix(n, "[internal] ") && imageRef.MatchString(rest)):
		return "pull"
	case strings.Contains(n, "go mod tidy"):
		return "tidy"
	case strings.Contains(n, "go mod download"):
		return "download"
	case strings.Contains(n, "go build"):
		return "compile"
	case strings.HasPrefix(rest, "copy --from") || strings.HasPrefix(n, "[image]"):
		return "image"
	}
	return "other"
}

// imageRef is an image reference as Gopherfile names its image vertices
// ("[internal] docker.io/library/golang:1.26").
var imageRef = regexp.MustCompile(`^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[\w.-]+)?(@sha256:[0-9a-f]+)?$`)

// phasesFromLog reads a build log with `--progress rawjson` lines: each is a
// BuildKit client.SolveStatus as JSON; other lines are skipped.
func phasesFromLog(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := map[digest.Digest]string{}
	cached := map[digest.Digest]bool{}
	ivs := map[digest.Digest][]interval{}
	open := map[digest.Digest]time.Time{}
	err = eachStatus(f, func(msg *client.SolveStatus) {
		for _, v := range msg.Vertexes {
			if v.Name != "" {
				names[v.Digest] = v.Name
			}
			if v.Cached {
				cached[v.Digest] = true
			}
			if v.Started == nil {
				continue
			}
			if v.Completed == nil {
				open[v.Digest] = *v.Started
				continue
			}
			delete(open, v.Digest)
			iv := interval{*v.Started, *v.Completed}
			// A vertex is reported again with the same interval: keep one.
			dup := false
			for _, x := range ivs[v.Digest] {
				if x.a.Equal(iv.a) {
					dup = true
					break
				}
			}
			if !dup && !iv.b.Before(iv.a) {
				ivs[v.Digest] = append(ivs[v.Digest], iv)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	byPhase := map[string][]interval{}
	var all []interval
	var first, last time.Time
	var compileStart, downloadEnd time.Time
	for d, list := range ivs {
		ph := phaseOf(names[d])
		if cached[d] && ph != "export" && ph != "frontend" && ph != "context" {
			// A cache hit that took time: its layers were pulled and
			// unpacked from an imported (registry) cache.
			ph = "cache-load"
		}
		for _, iv := range list {
			byPhase[ph] = append(byPhase[ph], iv)
			all = append(all, iv)
			if first.IsZero() || iv.a.Before(first) {
				first = iv.a
			}
			if iv.b.After(last) {
				last = iv.b
			}
			if ph == "compile" && (compileStart.IsZero() || iv.a.Before(compileStart)) {
				compileStart = iv.a
			}
			if ph == "download" && iv.b.After(downloadEnd) {
				downloadEnd = iv.b
			}
		}
	}
	out := map[string]float64{}
	for ph, list := range byPhase {
		out[ph] = union(list)
	}
	busy := union(all)
	out["vertices"] = busy
	out["span"] = last.Sub(first).Seconds()
	if !downloadEnd.IsZero() && !compileStart.IsZero() && compileStart.After(downloadEnd) {
		out["compile_wait"] = compileStart.Sub(downloadEnd).Seconds()
	}
	return out, nil
}

// union is the total length of a set of intervals.
func union(list []interval) float64 {
	if len(list) == 0 {
		return 0
	}
	sort.Slice(list, func(i, j int) bool { return list[i].a.Before(list[j].a) })
	var total time.Duration
	cur := list[0]
	for _, iv := range list[1:] {
		if iv.a.After(cur.b) {
			total += cur.b.Sub(cur.a)
			cur = iv
			continue
		}
		if iv.b.After(cur.b) {
			cur.b = iv.b
		}
	}
	total += cur.b.Sub(cur.a)
	return total.Seconds()
}

// eachStatus calls fn for every `--progress rawjson` line of a build log (a
// BuildKit client.SolveStatus as JSON); other lines are skipped.
func eachStatus(r io.Reader, fn func(*client.SolveStatus)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var msg client.SolveStatus
		if json.Unmarshal(line, &msg) != nil {
			continue
		}
		fn(&msg)
	}
	return sc.Err()
}
