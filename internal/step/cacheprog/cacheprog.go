// Package cacheprog is the step helper's GOCACHEPROG: the go command's
// build cache (Go 1.24 and newer) served from cache directories in the go
// command's own on-disk layout, with one rule the go command cannot express
// with GOCACHE alone: read several caches, write only one.
//
// The protocol is the go command's (cmd/go/internal/cacheprog): the
// program announces the commands it knows, then answers JSON requests on
// stdin with JSON responses on stdout, in any order. A "put" request is
// followed by its body as a base64 JSON string.
//
// A step that runs the tree's own code (go test, go generate) gets Dir, a
// cache of its own, and reads the builder's shared compile cache (Read,
// mounted read-only) after it: the standard library and the dependencies
// other builds compiled are found there, and whatever the step (or a test
// binary) writes goes to Dir alone. Every hit is checked: an action entry
// that does not parse, or an output whose size or SHA-256 is not the
// recorded one, is a miss.
package cacheprog

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Config says which caches the program serves.
type Config struct {
	// Dir is the cache the step writes: gets look here first, every put
	// goes here.
	Dir string
	// Read are caches that are only read, in order, after Dir.
	Read []string
	// Copy copies an entry found in Read into Dir, so that Dir holds every
	// entry the step used (the dependency compile step's layer).
	Copy bool
	// Also is another cache every put is written to as well ("" for
	// none): the shared compile cache, for the dependency compile step.
	Also string
	// Now is the clock (time.Now when nil).
	Now func() time.Time `json:"-"`
}

// Stats count what the program did.
type Stats struct {
	Gets   int `json:"gets"`
	Misses int `json:"misses"`
	// Hits counts the hits per directory (Dir and each of Read).
	Hits map[string]int `json:"hits"`
	Puts int            `json:"puts"`
	// Errors counts the requests answered with an error.
	Errors int `json:"errors"`
	// Trimmed counts the files a trim of Dir removed.
	Trimmed int `json:"trimmed,omitempty"`
}

// The commands of the protocol.
const (
	cmdGet   = "get"
	cmdPut   = "put"
	cmdClose = "close"
)

// request is what the go command sends.
type request struct {
	ID       int64
	Command  string
	ActionID []byte `json:",omitempty"`
	OutputID []byte `json:",omitempty"`
	// ObjectID is OutputID's name in the GOEXPERIMENT=cacheprog protocol
	// of Go 1.21 to 1.23.
	ObjectID []byte `json:",omitempty"`
	BodySize int64  `json:",omitempty"`
}

// response is what the program answers.
type response struct {
	ID            int64
	Err           string     `json:",omitempty"`
	KnownCommands []string   `json:",omitempty"`
	Miss          bool       `json:",omitempty"`
	OutputID      []byte     `json:",omitempty"`
	Size          int64      `json:",omitempty"`
	Time          *time.Time `json:",omitempty"`
	DiskPath      string     `json:",omitempty"`
}

// maxBody bounds a put's body (the largest outputs are archives of big
// packages, tens of MB).
const maxBody = 1 << 30

// maxInFlight bounds the requests answered at once.
const maxInFlight = 16

// server answers the requests of one go command.
type server struct {
	cfg Config
	mu  sync.Mutex // guards stats and out
	out *json.Encoder
	st  Stats
}

// Serve answers the go command's requests from in on out until a close
// request or the end of in, and returns what it did. An error is a broken
// protocol; a failed get or put is answered as such and counted.
func Serve(ctx context.Context, in io.Reader, out io.Writer, cfg Config) (Stats, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	bw := bufio.NewWriter(out)
	s := &server{cfg: cfg, out: json.NewEncoder(bw), st: Stats{Hits: map[string]int{}}}
	flush := func(r response) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.out.Encode(r); err != nil {
			return err
		}
		return bw.Flush()
	}
	if err := flush(response{KnownCommands: []string{cmdGet, cmdPut, cmdClose}}); err != nil {
		return s.st, fmt.Errorf("announcing the commands: %w", err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(in, 64<<10))
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	var werr error
	var werrOnce sync.Once
	answer := func(r response) {
		if err := flush(r); err != nil {
			werrOnce.Do(func() { werr = err })
		}
	}
	defer wg.Wait()
	for ctx.Err() == nil {
		var req request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return s.stats(), fmt.Errorf("reading a request: %w", err)
		}
		var body []byte
		if req.Command == cmdPut && req.BodySize > 0 {
			if req.BodySize > maxBody {
				return s.stats(), fmt.Errorf("put %x: a body of %d bytes is more than %d", req.ActionID, req.BodySize, maxBody)
			}
			if err := dec.Decode(&body); err != nil {
				return s.stats(), fmt.Errorf("reading the body of put %x: %w", req.ActionID, err)
			}
			if int64(len(body)) != req.BodySize {
				return s.stats(), fmt.Errorf("put %x: the body has %d bytes, the request says %d", req.ActionID, len(body), req.BodySize)
			}
		}
		if req.Command == cmdClose {
			wg.Wait()
			s.finish()
			answer(response{ID: req.ID})
			return s.stats(), werr
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			answer(s.handle(req, body))
		}()
	}
	wg.Wait()
	s.finish()
	return s.stats(), werr
}

func (s *server) stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.Hits = map[string]int{}
	for k, v := range s.st.Hits {
		st.Hits[k] = v
	}
	return st
}

func (s *server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.st)
	s.mu.Unlock()
}

// finish trims Dir (at most once a day).
func (s *server) finish() {
	n := trim(s.cfg.Dir, s.cfg.Now())
	s.count(func(st *Stats) { st.Trimmed += n })
}

func (s *server) handle(req request, body []byte) response {
	switch req.Command {
	case cmdGet:
		return s.get(req)
	case cmdPut:
		return s.put(req, body)
	}
	s.count(func(st *Stats) { st.Errors++ })
	return response{ID: req.ID, Err: fmt.Sprintf("unknown command %q", req.Command)}
}

func (s *server) get(req request) response {
	s.count(func(st *Stats) { st.Gets++ })
	if len(req.ActionID) != hashSize {
		s.count(func(st *Stats) { st.Errors++ })
		return response{ID: req.ID, Err: fmt.Sprintf("get: an action id of %d bytes", len(req.ActionID))}
	}
	for i, dir := range append([]string{s.cfg.Dir}, s.cfg.Read...) {
		e, ok := readEntry(dir, req.ActionID)
		if !ok {
			continue
		}
		p, ok := bodyOK(dir, e)
		if !ok {
			continue
		}
		if i == 0 {
			now := s.cfg.Now()
			markUsed(fileName(dir, req.ActionID, "a"), now)
			markUsed(p, now)
		} else if s.cfg.Copy {
			cp, err := copyEntry(dir, s.cfg.Dir, req.ActionID, e)
			if err != nil {
				s.count(func(st *Stats) { st.Errors++ })
				return response{ID: req.ID, Err: fmt.Sprintf("get %x: copying the entry into %s: %v", req.ActionID, s.cfg.Dir, err)}
			}
			p = cp
		}
		t := e.time
		s.count(func(st *Stats) { st.Hits[dir]++ })
		return response{ID: req.ID, OutputID: e.output[:], Size: e.size, Time: &t, DiskPath: p}
	}
	s.count(func(st *Stats) { st.Misses++ })
	return response{ID: req.ID, Miss: true}
}

func (s *server) put(req request, body []byte) response {
	out := req.OutputID
	if len(out) == 0 {
		out = req.ObjectID
	}
	if len(req.ActionID) != hashSize || len(out) != hashSize {
		s.count(func(st *Stats) { st.Errors++ })
		return response{ID: req.ID, Err: fmt.Sprintf("put: an action id of %d bytes and an output id of %d", len(req.ActionID), len(out))}
	}
	p, err := put(s.cfg.Dir, req.ActionID, out, body)
	if err != nil {
		s.count(func(st *Stats) { st.Errors++ })
		return response{ID: req.ID, Err: fmt.Sprintf("put %x into %s: %v", req.ActionID, s.cfg.Dir, err)}
	}
	if s.cfg.Also != "" {
		if _, err := put(s.cfg.Also, req.ActionID, out, body); err != nil {
			// The step's own cache has the entry; the shared one only
			// misses a chance to be reused.
			fmt.Fprintf(os.Stderr, "gopherfile: cacheprog: put %x into %s: %v\n", req.ActionID, s.cfg.Also, err)
		}
	}
	s.count(func(st *Stats) { st.Puts++ })
	return response{ID: req.ID, DiskPath: p}
}
