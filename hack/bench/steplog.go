package main

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client"
	"github.com/opencontainers/go-digest"
)

// stepLogLines returns the output lines of the build steps in a build log
// with `--progress rawjson` lines (BuildKit client.SolveStatus as JSON: the
// steps' output is in Logs, split across messages at arbitrary points).
// Lines are per vertex and stream, in the order their vertex first wrote.
func stepLogLines(logPath string) ([]string, error) {
	f, err := os.Open(logPath)
	if err != nil {
		return nil, fmt.Errorf("reading the build log: %w", err)
	}
	defer f.Close()
	type key struct {
		vertex digest.Digest
		stream int
	}
	var order []key
	bufs := map[key]*strings.Builder{}
	err = eachStatus(f, func(msg *client.SolveStatus) {
		for _, l := range msg.Logs {
			k := key{l.Vertex, l.Stream}
			if bufs[k] == nil {
				bufs[k] = &strings.Builder{}
				order = append(order, k)
			}
			bufs[k].Write(l.Data)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("reading the build log %s: %w", logPath, err)
	}
	var out []string
	for _, k := range order {
		for _, l := range strings.Split(bufs[k].String(), "\n") {
			if l = strings.TrimRight(l, "\r"); l != "" {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// retried is what one go step's closing line says was retried, e.g.
// "gopherfile: go mod download: 98 requests, 11 modules (13.1 MB) in 43.4s;
// retried 196 requests (503 x196) on 127.0.0.1:34707" (the step's summary,
// then retryproxy.Snapshot.Summary).
type retried struct {
	Stage    string         `json:"stage"`
	Requests int            `json:"requests"`
	ByReason map[string]int `json:"byReason"` // reason → count, all hosts
	Hosts    []string       `json:"hosts"`
}

var (
	retriedLine  = regexp.MustCompile(`gopherfile: (.+?): \d+ requests?, .*; retried (\d+) requests? (.+)$`)
	retriedHost  = regexp.MustCompile(`\(([^()]*)\) on (\S+)`)
	retriedCount = regexp.MustCompile(`^(.+) x(\d+)$`)
)

// parseRetried reads a step's closing "retried N requests (...) on HOST"
// line; ok is false for any other line (the progress lines' "N requests
// retried" included).
func parseRetried(line string) (r retried, ok bool) {
	m := retriedLine.FindStringSubmatch(line)
	if m == nil {
		return retried{}, false
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return retried{}, false
	}
	r = retried{Stage: m[1], Requests: n, ByReason: map[string]int{}}
	for _, h := range retriedHost.FindAllStringSubmatch(m[3], -1) {
		r.Hosts = append(r.Hosts, h[2])
		for _, part := range strings.Split(h[1], ", ") {
			c := retriedCount.FindStringSubmatch(strings.TrimSpace(part))
			if c == nil {
				continue
			}
			k, _ := strconv.Atoi(c[2])
			r.ByReason[c[1]] += k
		}
	}
	if len(r.Hosts) == 0 {
		return retried{}, false
	}
	return r, true
}

// retriedTotal sums the retried lines of a build's steps: the requests and
// the counts per reason.
func retriedTotal(lines []string) (n int, byReason map[string]int) {
	byReason = map[string]int{}
	for _, l := range lines {
		if r, ok := parseRetried(l); ok {
			n += r.Requests
			for k, v := range r.ByReason {
				byReason[k] += v
			}
		}
	}
	return n, byReason
}

// reasonList renders counts per reason as "503 x48, reset x2" (largest
// first), "" for none.
func reasonList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s x%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
