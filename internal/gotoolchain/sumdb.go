package gotoolchain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/note"
)

// sumGolangOrg is the verifier key of the Go checksum database, as the go
// command knows it.
const sumGolangOrg = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"

// LookupSum returns the h1 hash of the toolchain module version vers that
// the checksum database gosumdb (a GOSUMDB value) records, after checking
// the database's signed tree and the record's inclusion proof (package
// golang.org/x/mod/sumdb). The database is reached through the proxies of
// goproxy that support it (<proxy>/sumdb/<name>/supported), else directly,
// as the go command does.
func LookupSum(ctx context.Context, client *http.Client, goproxy, gosumdb, vers string) (string, error) {
	ops, err := newSumOps(ctx, client, goproxy, gosumdb)
	if err != nil {
		return "", err
	}
	lines, err := sumdb.NewClient(ops).Lookup(Module, vers)
	if ops.security != "" {
		return "", fmt.Errorf("checksum database %s: SECURITY ERROR: %s", ops.name, ops.security)
	}
	if err != nil {
		return "", fmt.Errorf("looking %s@%s up in the checksum database %s: %w", Module, vers, ops.name, err)
	}
	prefix := Module + " " + vers + " "
	for _, l := range lines {
		if h, ok := strings.CutPrefix(l, prefix); ok {
			return strings.TrimSpace(h), nil
		}
	}
	return "", fmt.Errorf("the checksum database %s has no hash of %s@%s", ops.name, Module, vers)
}

// sumOps are the sumdb.ClientOps of one lookup: the configuration and
// cache live in memory (the step has no state of its own).
type sumOps struct {
	ctx      context.Context
	client   *http.Client
	goproxy  string
	key      string
	name     string
	direct   string
	mu       sync.Mutex
	config   map[string][]byte
	cache    map[string][]byte
	base     string
	baseErr  error
	baseOnce sync.Once
	security string
}

func newSumOps(ctx context.Context, client *http.Client, goproxy, gosumdb string) (*sumOps, error) {
	if gosumdb == "" {
		gosumdb = "sum.golang.org"
	}
	if gosumdb == "sum.golang.google.cn" {
		gosumdb = "sum.golang.org https://sum.golang.google.cn"
	}
	if gosumdb == "off" {
		return nil, errors.New("GOSUMDB=off: no checksum database can verify the toolchain")
	}
	f := strings.Fields(gosumdb)
	if len(f) > 2 {
		return nil, fmt.Errorf("invalid GOSUMDB %q: too many fields", gosumdb)
	}
	if f[0] == "sum.golang.org" {
		f[0] = sumGolangOrg
	}
	v, err := note.NewVerifier(f[0])
	if err != nil {
		return nil, fmt.Errorf("invalid GOSUMDB %q: %w", gosumdb, err)
	}
	o := &sumOps{ctx: ctx, client: client, goproxy: goproxy, key: f[0], name: v.Name(),
		direct: "https://" + v.Name(), config: map[string][]byte{}, cache: map[string][]byte{}}
	if len(f) == 2 {
		o.base = strings.TrimSuffix(f[1], "/")
	}
	return o, nil
}

// initBase finds how to reach the database: the first proxy that answers
// 200 to /sumdb/<name>/supported; 404/410 (or any error after a "|") goes
// on to the next; no proxy left, "direct" or "off": the database itself.
func (o *sumOps) initBase() {
	if o.base != "" {
		return
	}
	for _, e := range proxyList(o.goproxy) {
		if e.value == "direct" || e.value == "off" {
			break
		}
		if strings.HasPrefix(e.value, "file://") {
			continue
		}
		p := strings.TrimSuffix(e.value, "/") + "/sumdb/" + o.name
		code, _, err := o.get(p + "/supported")
		if err == nil && code == http.StatusOK {
			o.base = p
			return
		}
		if err == nil && (code == http.StatusNotFound || code == http.StatusGone) {
			continue
		}
		if e.sep != "|" {
			if err == nil {
				err = fmt.Errorf("%s", http.StatusText(code))
			}
			o.baseErr = fmt.Errorf("checksum database through %s: %w", goenv.RedactURL(e.value), err)
			return
		}
	}
	o.base = o.direct
}

func (o *sumOps) get(u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(o.ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("reading %s: %w", goenv.RedactURL(u), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, data, err
}

func (o *sumOps) ReadRemote(path string) ([]byte, error) {
	o.baseOnce.Do(o.initBase)
	if o.baseErr != nil {
		return nil, o.baseErr
	}
	u, err := url.JoinPath(o.base, path)
	if err != nil {
		return nil, err
	}
	code, data, err := o.get(u)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("reading %s: %d %s", goenv.RedactURL(u), code, http.StatusText(code))
	}
	return data, nil
}

func (o *sumOps) ReadConfig(file string) ([]byte, error) {
	if file == "key" {
		return []byte(o.key), nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.config[file], nil
}

func (o *sumOps) WriteConfig(file string, old, new []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if string(o.config[file]) != string(old) {
		return sumdb.ErrWriteConflict
	}
	o.config[file] = new
	return nil
}

func (o *sumOps) ReadCache(file string) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if d, ok := o.cache[file]; ok {
		return d, nil
	}
	return nil, errors.New("not cached")
}

func (o *sumOps) WriteCache(file string, data []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cache[file] = data
}

func (o *sumOps) Log(string) {}

func (o *sumOps) SecurityError(msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.security = msg
}
