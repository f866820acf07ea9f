package retryproxy

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Stats counts what the proxies did.
type Stats struct {
	mu       sync.Mutex
	requests int
	bytes    int64
	zips     int
	retries  int
	byReason map[string]map[string]int // host → reason → count
	failures []Failure
}

// Failure is a request that failed after its retries.
type Failure struct{ Host, Path, Reason string }

// Snapshot is a copy of the counters.
type Snapshot struct {
	Requests, Zips, Retries int
	Bytes                   int64
	// ByReason counts retries per host and reason ("503", "reset", "timeout",
	// "stall", "refused", "dns", ...).
	ByReason map[string]map[string]int
	Failures []Failure
}

// Summary says what was retried: "retried 10 requests (503 x8, reset x2)
// on proxy.golang.org", "" when nothing was.
func (s Snapshot) Summary() string {
	if s.Retries == 0 {
		return ""
	}
	var parts []string
	for _, host := range slices.Sorted(maps.Keys(s.ByReason)) {
		m := s.ByReason[host]
		reasons := slices.Sorted(maps.Keys(m))
		slices.SortStableFunc(reasons, func(a, b string) int { return m[b] - m[a] })
		var rs []string
		for _, r := range reasons {
			rs = append(rs, fmt.Sprintf("%s x%d", r, m[r]))
		}
		parts = append(parts, fmt.Sprintf("(%s) on %s", strings.Join(rs, ", "), host))
	}
	noun := "requests"
	if s.Retries == 1 {
		noun = "request"
	}
	return fmt.Sprintf("retried %d %s %s", s.Retries, noun, strings.Join(parts, " and "))
}

func newStats() *Stats { return &Stats{byReason: map[string]map[string]int{}} }

func (s *Stats) served(path string, status int, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.bytes += n
	if status == http.StatusOK && strings.HasSuffix(path, ".zip") {
		s.zips++
	}
}

func (s *Stats) retried(host, reason string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retries++
	if s.byReason[host] == nil {
		s.byReason[host] = map[string]int{}
	}
	s.byReason[host][reason]++
	return s.retries
}

func (s *Stats) failed(host, path, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, Failure{Host: host, Path: path, Reason: reason})
}

func (s *Stats) snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Snapshot{Requests: s.requests, Zips: s.zips, Retries: s.retries, Bytes: s.bytes, ByReason: map[string]map[string]int{}}
	for h, m := range s.byReason {
		out.ByReason[h] = maps.Clone(m)
	}
	out.Failures = append(out.Failures, s.failures...)
	return out
}
