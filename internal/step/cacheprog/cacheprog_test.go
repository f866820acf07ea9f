package cacheprog

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// client speaks the go command's side of the protocol to a Serve.
type client struct {
	t    *testing.T
	w    io.WriteCloser
	dec  *json.Decoder
	next int64
	done chan struct{}
	st   Stats
	err  error
}

func start(t *testing.T, cfg Config) *client {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &client{t: t, w: inW, dec: json.NewDecoder(bufio.NewReader(outR)), done: make(chan struct{})}
	go func() {
		c.st, c.err = Serve(context.Background(), inR, outW, cfg)
		outW.Close()
		close(c.done)
	}()
	var hello response
	if err := c.dec.Decode(&hello); err != nil {
		t.Fatal(err)
	}
	if strings.Join(hello.KnownCommands, ",") != "get,put,close" {
		t.Fatalf("commands %v", hello.KnownCommands)
	}
	return c
}

// send writes a request (and a body) and reads the response; the server
// may answer out of order, but this client waits for each answer.
func (c *client) send(req map[string]any, body []byte) response {
	c.t.Helper()
	c.next++
	req["ID"] = c.next
	if body != nil {
		req["BodySize"] = len(body)
	}
	dt, _ := json.Marshal(req)
	if _, err := c.w.Write(append(dt, '\n')); err != nil {
		c.t.Fatal(err)
	}
	if len(body) > 0 {
		fmt.Fprintf(c.w, "%q\n", base64.StdEncoding.EncodeToString(body))
	}
	var r response
	if err := c.dec.Decode(&r); err != nil {
		c.t.Fatal(err)
	}
	if r.ID != c.next {
		c.t.Fatalf("answer %d to request %d", r.ID, c.next)
	}
	return r
}

func (c *client) get(id []byte) response {
	return c.send(map[string]any{"Command": "get", "ActionID": id}, nil)
}

func (c *client) put(id, body []byte) response {
	out := sha256.Sum256(body)
	return c.send(map[string]any{"Command": "put", "ActionID": id, "OutputID": out[:]}, body)
}

func (c *client) close() Stats {
	c.t.Helper()
	c.send(map[string]any{"Command": "close"}, nil)
	c.w.Close()
	<-c.done
	if c.err != nil {
		c.t.Fatal(c.err)
	}
	return c.st
}

func actionID(s string) []byte {
	sum := sha256.Sum256([]byte("action " + s))
	return sum[:]
}

// readBody reads what a response's DiskPath holds.
func readBody(t *testing.T, r response) string {
	t.Helper()
	if r.Err != "" || r.Miss {
		t.Fatalf("not a hit: %+v", r)
	}
	dt, err := os.ReadFile(r.DiskPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(dt)
}

// snapshot lists the files of a directory with their contents.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		dt, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		lines = append(lines, fmt.Sprintf("%s %x", rel, sha256.Sum256(dt)))
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// fill writes entries into a cache directory with a server of its own.
func fill(t *testing.T, dir string, entries map[string]string) {
	t.Helper()
	c := start(t, Config{Dir: dir})
	for id, body := range entries {
		if r := c.put(actionID(id), []byte(body)); r.Err != "" {
			t.Fatal(r.Err)
		}
	}
	c.close()
}

func TestGetAndPut(t *testing.T) {
	tests := []struct {
		name     string
		dir      map[string]string // entries in Dir before
		read     map[string]string // entries in the one Read cache
		copy     bool
		get      string
		want     string // body; "" for a miss
		wantIn   string // "dir" or "read": where DiskPath points
		copiedTo bool   // the entry is in Dir afterwards
	}{
		{name: "miss", get: "a"},
		{name: "hit in dir", dir: map[string]string{"a": "A"}, get: "a", want: "A", wantIn: "dir", copiedTo: true},
		{name: "hit in read", read: map[string]string{"a": "A"}, get: "a", want: "A", wantIn: "read"},
		{name: "dir first", dir: map[string]string{"a": "mine"}, read: map[string]string{"a": "shared"}, get: "a", want: "mine", wantIn: "dir", copiedTo: true},
		{name: "copy from read", read: map[string]string{"a": "A"}, copy: true, get: "a", want: "A", wantIn: "dir", copiedTo: true},
		{name: "empty body", read: map[string]string{"e": ""}, get: "e", want: "", wantIn: "read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, read := t.TempDir(), t.TempDir()
			fill(t, dir, tt.dir)
			fill(t, read, tt.read)
			before := snapshot(t, read)
			c := start(t, Config{Dir: dir, Read: []string{read}, Copy: tt.copy})
			r := c.get(actionID(tt.get))
			if tt.wantIn == "" {
				if !r.Miss {
					t.Fatalf("want a miss, got %+v", r)
				}
			} else {
				if got := readBody(t, r); got != tt.want {
					t.Errorf("body %q, want %q", got, tt.want)
				}
				base := map[string]string{"dir": dir, "read": read}[tt.wantIn]
				if !strings.HasPrefix(r.DiskPath, base+string(filepath.Separator)) {
					t.Errorf("DiskPath %s, want it in the %s cache %s", r.DiskPath, tt.wantIn, base)
				}
				if sum := sha256.Sum256([]byte(tt.want)); string(r.OutputID) != string(sum[:]) || r.Size != int64(len(tt.want)) || r.Time == nil {
					t.Errorf("response %+v", r)
				}
			}
			// A put never reaches a Read cache.
			if r := c.put(actionID("new"), []byte("new body")); r.Err != "" || !strings.HasPrefix(r.DiskPath, dir) {
				t.Errorf("put: %+v", r)
			}
			st := c.close()
			if after := snapshot(t, read); after != before {
				t.Errorf("the read-only cache changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if _, ok := readEntry(dir, actionID(tt.get)); ok != tt.copiedTo {
				t.Errorf("entry in dir afterwards: %v, want %v", ok, tt.copiedTo)
			}
			if st.Gets != 1 || st.Puts != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestAlso(t *testing.T) {
	dir, also := t.TempDir(), t.TempDir()
	c := start(t, Config{Dir: dir, Also: also})
	c.put(actionID("a"), []byte("A"))
	c.close()
	for _, d := range []string{dir, also} {
		e, ok := readEntry(d, actionID("a"))
		if !ok {
			t.Fatalf("no entry in %s", d)
		}
		if _, ok := bodyOK(d, e); !ok {
			t.Errorf("bad body in %s", d)
		}
	}
}

// TestCorruptEntries: an entry that is damaged in any way is a miss, and
// the next cache is asked.
func TestCorruptEntries(t *testing.T) {
	id := actionID("a")
	body := []byte("the object file")
	out := sha256.Sum256(body)
	entryFile := func(dir string) string { return fileName(dir, id, "a") }
	bodyFile := func(dir string) string { return fileName(dir, out[:], "d") }
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"entry missing", func(t *testing.T, dir string) { os.Remove(entryFile(dir)) }},
		{"entry empty", func(t *testing.T, dir string) { os.WriteFile(entryFile(dir), nil, 0o666) }},
		{"entry truncated", func(t *testing.T, dir string) { truncate(t, entryFile(dir), 40) }},
		{"entry too long", func(t *testing.T, dir string) { appendTo(t, entryFile(dir), "x") }},
		{"entry of another id", func(t *testing.T, dir string) {
			dt, _ := os.ReadFile(entryFile(dir))
			os.WriteFile(entryFile(dir), []byte(strings.Replace(string(dt), fmt.Sprintf("%x", id), fmt.Sprintf("%x", actionID("b")), 1)), 0o666)
		}},
		{"entry garbage", func(t *testing.T, dir string) {
			os.WriteFile(entryFile(dir), []byte(strings.Repeat("z", entryLen)), 0o666)
		}},
		{"negative size", func(t *testing.T, dir string) {
			dt, _ := os.ReadFile(entryFile(dir))
			os.WriteFile(entryFile(dir), []byte(strings.Replace(string(dt), fmt.Sprintf("%20d", len(body)), fmt.Sprintf("%20d", -1), 1)), 0o666)
		}},
		{"body missing", func(t *testing.T, dir string) { os.Remove(bodyFile(dir)) }},
		{"body truncated", func(t *testing.T, dir string) { truncate(t, bodyFile(dir), 3) }},
		{"body changed, same size", func(t *testing.T, dir string) {
			os.WriteFile(bodyFile(dir), []byte(strings.ToUpper(string(body))), 0o666)
		}},
		{"body a directory", func(t *testing.T, dir string) {
			os.Remove(bodyFile(dir))
			os.Mkdir(bodyFile(dir), 0o777)
		}},
		{"body a link", func(t *testing.T, dir string) {
			real := filepath.Join(dir, "elsewhere")
			os.WriteFile(real, body, 0o666)
			os.Remove(bodyFile(dir))
			os.Symlink(real, bodyFile(dir))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, read := t.TempDir(), t.TempDir()
			fill(t, dir, map[string]string{"a": string(body)})
			tt.damage(t, dir)
			c := start(t, Config{Dir: dir})
			if r := c.get(id); !r.Miss {
				t.Errorf("a broken entry was a hit: %+v", r)
			}
			c.close()
			fill(t, read, map[string]string{"a": string(body)})
			tt.damage(t, dir)
			c = start(t, Config{Dir: dir, Read: []string{read}})
			r := c.get(id)
			if got := readBody(t, r); got != string(body) || !strings.HasPrefix(r.DiskPath, read) {
				t.Errorf("got %q from %s, want the read cache's entry", got, r.DiskPath)
			}
			c.close()
		})
	}
}

func truncate(t *testing.T, p string, n int64) {
	t.Helper()
	if err := os.Truncate(p, n); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, p, s string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(s)
	f.Close()
}

// TestPutExistingID: a second put for an action id replaces the entry (as
// the go command's own cache does); the first output stays where it is.
func TestPutExistingID(t *testing.T) {
	dir := t.TempDir()
	c := start(t, Config{Dir: dir})
	first := c.put(actionID("a"), []byte("first"))
	again := c.put(actionID("a"), []byte("first"))
	if first.DiskPath != again.DiskPath {
		t.Errorf("the same output went to %s and %s", first.DiskPath, again.DiskPath)
	}
	second := c.put(actionID("a"), []byte("second"))
	if got := readBody(t, c.get(actionID("a"))); got != "second" {
		t.Errorf("got %q after the second put", got)
	}
	c.close()
	if dt, _ := os.ReadFile(first.DiskPath); string(dt) != "first" || second.DiskPath == first.DiskPath {
		t.Errorf("first output %q at %s, second at %s", dt, first.DiskPath, second.DiskPath)
	}
}

// TestPutRefused: a put whose body is not what its output id says, or
// whose ids have the wrong size, is answered with an error and writes
// nothing.
func TestPutRefused(t *testing.T) {
	dir := t.TempDir()
	c := start(t, Config{Dir: dir})
	wrong := sha256.Sum256([]byte("something else"))
	tests := []map[string]any{
		{"Command": "put", "ActionID": actionID("a"), "OutputID": wrong[:]},
		{"Command": "put", "ActionID": []byte("short"), "OutputID": wrong[:]},
		{"Command": "get", "ActionID": []byte("short")},
		{"Command": "frobnicate"},
	}
	for _, req := range tests {
		body := []byte(nil)
		if req["Command"] == "put" {
			body = []byte("the body")
		}
		if r := c.send(req, body); r.Err == "" {
			t.Errorf("%v: no error: %+v", req, r)
		}
	}
	st := c.close()
	if st.Errors != len(tests) || st.Puts != 0 {
		t.Errorf("stats %+v", st)
	}
	if _, ok := readEntry(dir, actionID("a")); ok {
		t.Error("a refused put wrote an entry")
	}
}

// TestOldProtocol: Go 1.21 to 1.23 (GOEXPERIMENT=cacheprog) name the
// output id ObjectID.
func TestOldProtocol(t *testing.T) {
	dir := t.TempDir()
	c := start(t, Config{Dir: dir})
	body := []byte("old")
	out := sha256.Sum256(body)
	if r := c.send(map[string]any{"Command": "put", "ActionID": actionID("a"), "ObjectID": out[:]}, body); r.Err != "" {
		t.Fatal(r.Err)
	}
	if got := readBody(t, c.get(actionID("a"))); got != "old" {
		t.Errorf("got %q", got)
	}
	c.close()
}

// TestConcurrentPuts: several cache programs (the go commands of one
// step, nested go commands, another step on the same cache mount) put the
// same and different entries at once; every entry is whole afterwards.
func TestConcurrentPuts(t *testing.T) {
	dir, read := t.TempDir(), t.TempDir()
	fill(t, read, map[string]string{"shared": "from the shared cache"})
	const servers, ids = 6, 40
	var wg sync.WaitGroup
	for s := 0; s < servers; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := start(t, Config{Dir: dir, Read: []string{read}, Copy: s%2 == 0})
			for i := 0; i < ids; i++ {
				// Half the ids are put by every server with the same body,
				// half by each server with a body of its own.
				body := fmt.Sprintf("body %d %s", i, strings.Repeat("x", i*97))
				id := fmt.Sprintf("same %d", i)
				if i%2 == 1 {
					id = fmt.Sprintf("own %d %d", s, i)
				}
				if r := c.put(actionID(id), []byte(body)); r.Err != "" {
					t.Error(r.Err)
				}
				if r := c.get(actionID("shared")); r.Miss {
					t.Error("the shared entry was a miss")
				}
			}
			c.close()
		}()
	}
	wg.Wait()
	c := start(t, Config{Dir: dir})
	for s := 0; s < servers; s++ {
		for i := 0; i < ids; i++ {
			id := fmt.Sprintf("same %d", i)
			if i%2 == 1 {
				id = fmt.Sprintf("own %d %d", s, i)
			}
			want := fmt.Sprintf("body %d %s", i, strings.Repeat("x", i*97))
			if got := readBody(t, c.get(actionID(id))); got != want {
				t.Fatalf("%s: got %d bytes, want %d", id, len(got), len(want))
			}
		}
	}
	c.close()
	if left, _ := filepath.Glob(filepath.Join(dir, "*", ".tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestTrim(t *testing.T) {
	dir := t.TempDir()
	fill(t, dir, map[string]string{"old": "old body", "new": "new body"})
	now := time.Now()
	old, _ := readEntry(dir, actionID("old"))
	long := now.Add(-trimLimit - 2*mtimeInterval)
	for _, p := range []string{fileName(dir, actionID("old"), "a"), fileName(dir, old.output[:], "d")} {
		os.Chtimes(p, long, long)
	}
	// fill's own close trimmed already (no trim.txt yet): the next trim is
	// a day later.
	c := start(t, Config{Dir: dir, Now: func() time.Time { return now }})
	if st := c.close(); st.Trimmed != 0 {
		t.Errorf("trimmed %d files within a day of the last trim", st.Trimmed)
	}
	c = start(t, Config{Dir: dir, Now: func() time.Time { return now.Add(trimInterval + time.Minute) }})
	if st := c.close(); st.Trimmed != 2 {
		t.Errorf("trimmed %d files, want the old entry and its output", st.Trimmed)
	}
	c = start(t, Config{Dir: dir})
	if r := c.get(actionID("old")); !r.Miss {
		t.Error("the old entry survived the trim")
	}
	if r := c.get(actionID("new")); r.Miss {
		t.Error("the new entry was trimmed")
	}
	c.close()
}

// TestBrokenProtocol: a request that is not JSON, or a body that is not
// what the request says, ends the program with an error.
func TestBrokenProtocol(t *testing.T) {
	for _, in := range []string{
		"not json\n",
		`{"ID":1,"Command":"put","ActionID":"` + base64.StdEncoding.EncodeToString(actionID("a")) + `","BodySize":5}` + "\n\"YWJj\"\n",
		`{"ID":1,"Command":"put","BodySize":5}` + "\n12\n",
	} {
		_, err := Serve(context.Background(), strings.NewReader(in), io.Discard, Config{Dir: t.TempDir()})
		if err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
