package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gopherfile/gopherfile/internal/step/retryproxy"
	"github.com/moby/buildkit/client"
)

func TestParseRetried(t *testing.T) {
	tests := []struct {
		name string
		line string
		ok   bool
		want retried
	}{
		{
			name: "one host, one reason",
			line: "gopherfile: download: 96 requests, 24 modules (9.1 MB) in 4.2s; retried 48 requests (503 x48) on 127.0.0.1:40123",
			ok:   true,
			want: retried{Stage: "download", Requests: 48, ByReason: map[string]int{"503": 48}, Hosts: []string{"127.0.0.1:40123"}},
		},
		{
			name: "a real step's line",
			line: "gopherfile: go mod download: 98 requests, 11 modules (13.1 MB) in 43.4s; retried 196 requests (503 x196) on 127.0.0.1:34707",
			ok:   true,
			want: retried{Stage: "go mod download", Requests: 196, ByReason: map[string]int{"503": 196}, Hosts: []string{"127.0.0.1:34707"}},
		},
		{
			name: "one request",
			line: "gopherfile: tidy: 3 requests, 0 modules (1 kB) in 0.4s; retried 1 request (reset x1) on proxy.golang.org",
			ok:   true,
			want: retried{Stage: "tidy", Requests: 1, ByReason: map[string]int{"reset": 1}, Hosts: []string{"proxy.golang.org"}},
		},
		{
			name: "two hosts, reasons summed",
			line: "gopherfile: download: 40 requests, 9 modules (2 MB) in 3s; retried 10 requests (503 x6, reset x2) on a.example and (503 x2) on b.example",
			ok:   true,
			want: retried{Stage: "download", Requests: 10, ByReason: map[string]int{"503": 8, "reset": 2}, Hosts: []string{"a.example", "b.example"}},
		},
		{
			name: "in a BuildKit log line with a timestamp prefix",
			line: "#12 4.210 gopherfile: download: 5 requests, 1 module (3 kB) in 1.1s; retried 2 requests (503 x2) on 127.0.0.1:1",
			ok:   true,
			want: retried{Stage: "download", Requests: 2, ByReason: map[string]int{"503": 2}, Hosts: []string{"127.0.0.1:1"}},
		},
		{name: "progress line", line: "gopherfile: download: 3 of ~24 modules (1.2 MB) in 5s, 7 requests retried"},
		{name: "a real progress line", line: "gopherfile: go mod download: 0 of ~11 modules (1 kB) in 5s, 28 requests retried"},
		{name: "nothing retried", line: "gopherfile: download: 96 requests, 24 modules (9.1 MB) in 4.2s"},
		{name: "one retry logged", line: "gopherfile: 127.0.0.1:1/x/@v/list: 503; retry 1 of 6 in 0.2s"},
		{name: "no host", line: "gopherfile: download: 1 request; retried 3 requests"},
		{name: "empty", line: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRetried(tt.line)
			if ok != tt.ok {
				t.Fatalf("parseRetried(%q) ok = %v, want %v", tt.line, ok, tt.ok)
			}
			if ok && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseRetried(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}

// TestParseRetriedSummary parses what the step helper really prints: the
// retry proxy's own summary after the step's prefix.
func TestParseRetriedSummary(t *testing.T) {
	tests := []struct {
		snap  retryproxy.Snapshot
		n     int
		hosts int
	}{
		{retryproxy.Snapshot{Retries: 48, ByReason: map[string]map[string]int{"127.0.0.1:40123": {"503": 48}}}, 48, 1},
		{retryproxy.Snapshot{Retries: 1, ByReason: map[string]map[string]int{"h": {"timeout": 1}}}, 1, 1},
		{retryproxy.Snapshot{Retries: 7, ByReason: map[string]map[string]int{"a": {"503": 3, "reset": 1}, "b": {"stall": 3}}}, 7, 2},
	}
	for _, tt := range tests {
		line := "gopherfile: download: 9 requests, 2 modules (5 kB) in 1.0s; " + tt.snap.Summary()
		got, ok := parseRetried(line)
		if !ok {
			t.Fatalf("parseRetried(%q) found nothing", line)
		}
		sum := 0
		for _, v := range got.ByReason {
			sum += v
		}
		if got.Requests != tt.n || sum != tt.n || len(got.Hosts) != tt.hosts {
			t.Errorf("parseRetried(%q) = %+v, want %d requests (reasons summing to it) on %d host(s)", line, got, tt.n, tt.hosts)
		}
	}
}

func TestRetriedTotal(t *testing.T) {
	lines := []string{
		"gopherfile: download: 3 of ~24 modules (1.2 MB) in 5s, 7 requests retried",
		"gopherfile: download: 96 requests, 24 modules (9.1 MB) in 4.2s; retried 48 requests (503 x48) on 127.0.0.1:1",
		"some go output",
		"gopherfile: tidy: 10 requests, 2 modules (1 MB) in 1s; retried 4 requests (503 x3, reset x1) on 127.0.0.1:1",
	}
	n, by := retriedTotal(lines)
	if n != 52 || !reflect.DeepEqual(by, map[string]int{"503": 51, "reset": 1}) {
		t.Errorf("retriedTotal = %d %v, want 52 map[503:51 reset:1]", n, by)
	}
	if got := reasonList(by); got != "503 x51, reset x1" {
		t.Errorf("reasonList = %q", got)
	}
	if got := reasonList(nil); got != "" {
		t.Errorf("reasonList(nil) = %q, want empty", got)
	}
}

// TestStepLogLines: the step output of a rawjson log, split across messages
// in the middle of a line and interleaved between vertices.
func TestStepLogLines(t *testing.T) {
	msgs := []client.SolveStatus{
		{Logs: []*client.VertexLog{{Vertex: "sha256:a", Stream: 1, Data: []byte("gopherfile: download: 2 requests, 1 module (1 kB) in 1s; retr")}}},
		{Logs: []*client.VertexLog{{Vertex: "sha256:b", Stream: 1, Data: []byte("other step\n")}}},
		{Logs: []*client.VertexLog{{Vertex: "sha256:a", Stream: 1, Data: []byte("ied 2 requests (503 x2) on 127.0.0.1:9\nlast\n")}}},
	}
	path := filepath.Join(t.TempDir(), "build.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("$ buildctl build ...\n")
	enc := json.NewEncoder(f)
	for _, m := range msgs {
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	lines, err := stepLogLines(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"gopherfile: download: 2 requests, 1 module (1 kB) in 1s; retried 2 requests (503 x2) on 127.0.0.1:9", "last", "other step"}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("stepLogLines = %q, want %q", lines, want)
	}
	if n, _ := retriedTotal(lines); n != 2 {
		t.Errorf("retried %d, want 2", n)
	}
}
