package spec

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// More properties of Parse on hostile input, beyond FuzzParse (no panic, typed
// errors): the answer is deterministic, an error points inside the file and
// stays short whatever the input, and a spec that parses survives a round trip
// through YAML unchanged.

var moreSeeds = []string{
	"version: 1\n",
	"version: 1\ngo: \"1.26\"\nplatforms: [linux/amd64, linux/arm64]\nbuilds:\n  - name: server\n    main: ./cmd/server\n    ldflags: -s -w\n    flags: [-race]\n    tags: [netgo]\n    env: {CGO_ENABLED: \"0\"}\n",
	"version: 1\nmodules:\n  private: [github.com/acme/*]\n  proxy: https://goproxy.acme.internal|https://proxy.golang.org,direct\n  retries: 3\n  timeout: 20s\n  netrc: required\n",
	"version: 1\nimage:\n  base: scratch\n  cmd: [--listen=:8080]\n  expose: [\"8080\", 53/udp]\n  env: {A: b}\n  labels: {a: b}\n  healthcheck: {cmd: [/x, -h], interval: 30s, retries: 3}\n  files:\n    - {src: a.txt, dst: /a.txt, mode: \"0644\", owner: \"65532:65532\"}\n  tzdata: false\n",
	"version: 1\ntest: {packages: [./...], race: true, args: [-count=1]}\ntidy: off\n",
	"version: 1\nimage:\n  entrypoints: [/x]\n",
	"a: &a [*a, *a]\nb: &b [*a, *a]\nc: [*b, *b]\n",
	"version: 1\nbuilds:\n  - main: ./cmd/x\n  - main: ./cmd/x\n",
	"version: 1\n" + strings.Repeat("x", 300) + ": 1\n",
	// One bad key among several in a map: a mutation away from two bad keys.
	"version: 1\nenv: {\"a b\": x, C: d, E: f}\n",
	"version: 1\nimage:\n  labels: {a: b, c: d}\n  env: {A: b, \"C D\": e}\n",
	"version: 1\ncc: {linux/arm64: gcc, linux/riscv64: gcc}\n",
}

// FuzzParseDeterministic: parsing the same bytes twice gives the same spec,
// positions and error text (no map-order dependence in messages).
func FuzzParseDeterministic(f *testing.F) {
	for _, s := range moreSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Several parses, so that a result that depends on map order (a
		// random order each time) almost surely differs once.
		s1, p1, err1 := Parse(data)
		for range 4 {
			s2, p2, err2 := Parse(data)
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("one parse failed, the other did not: %v / %v", err1, err2)
			}
			if err1 != nil {
				if err1.Error() != err2.Error() {
					t.Fatalf("two different errors for the same input:\n%s\n%s", err1, err2)
				}
				continue
			}
			if !reflect.DeepEqual(s1, s2) || !reflect.DeepEqual(p1, p2) {
				t.Fatalf("two different results for the same input")
			}
		}
	})
}

// maxErrorLen bounds one problem's message: it quotes the offending value,
// but a hostile file must not make it echo kilobytes back into a build log.
const maxErrorLen = 2048

// FuzzParseErrorBounded: every problem's line is a line of the file (or 0 for
// the whole file), its message is short, valid UTF-8 and reads like a
// message, not a crash; there are at most MaxErrors of them (and a count of
// the rest).
func FuzzParseErrorBounded(f *testing.F) {
	for _, s := range moreSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := Parse(data)
		if err == nil {
			return
		}
		errs := Errors(err)
		if len(errs) == 0 {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if len(errs) > MaxErrors+1 {
			t.Errorf("%d problems reported, more than %d", len(errs), MaxErrors+1)
		}
		// YAML breaks lines at \n, \r and \r\n.
		lines := bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte{'\n'}) +
			bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte{'\r'}) + 1
		for _, se := range errs {
			if se.Pos.Line < 0 || se.Pos.Line > lines+1 {
				t.Errorf("error at line %d of a %d-line file: %v", se.Pos.Line, lines, se)
			}
			msg := se.Error()
			if len(msg) > maxErrorLen {
				t.Errorf("a problem is %d bytes long (limit %d): %.300s...", len(msg), maxErrorLen, msg)
			}
			if !utf8.ValidString(msg) {
				t.Errorf("the error is not valid UTF-8: %q", msg)
			}
			for _, bad := range []string{"goroutine ", "panic", "runtime error", "reflect:"} {
				if strings.Contains(msg, bad) {
					t.Errorf("the error looks like a crash (%q): %s", bad, msg)
				}
			}
		}
	})
}

// FuzzParseRoundTrip: a spec that parses, written back as YAML, parses to the
// same spec: what Parse accepts is exactly what its types can express.
func FuzzParseRoundTrip(f *testing.F) {
	for _, s := range moreSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := Parse(data)
		if err != nil {
			return
		}
		out, err := yaml.Marshal(s)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		s2, _, err := Parse(out)
		if err != nil {
			t.Fatalf("the spec written back does not parse: %v\ninput:\n%s\nwritten:\n%s", err, data, out)
		}
		// Compare as JSON (omitempty): an empty list and no list mean the same.
		j1, err1 := json.Marshal(s)
		j2, err2 := json.Marshal(s2)
		if err1 != nil || err2 != nil {
			t.Fatalf("json: %v %v", err1, err2)
		}
		if !bytes.Equal(j1, j2) {
			t.Fatalf("the round trip changed the spec:\ninput:\n%s\nwritten:\n%s\nfirst:  %s\nsecond: %s", data, out, j1, j2)
		}
	})
}
