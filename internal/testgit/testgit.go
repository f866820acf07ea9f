// Package testgit serves git repositories of fixture Go modules on 127.0.0.1,
// so that tests can fetch private modules the way the go command fetches them
// directly from version control (GOPRIVATE, no proxy):
//
//   - go-get discovery and smart-HTTP git (git http-backend through
//     net/http/cgi) over HTTPS on 127.0.0.1:443, with a certificate from a new,
//     throw-away CA; git can be made to require a token (HTTP basic auth, the
//     way git sends a credential helper's username and password);
//   - optionally the same repositories over SSH, with OpenSSH's sshd on
//     127.0.0.1:22 for the user git and an ssh-agent holding the only key it
//     accepts (see StartSSHD and StartAgent).
//
// Module paths are 127.0.0.1/<name>/...: the first element of a module path
// must contain a dot and cannot have a port, and the go command looks a path
// up at https://<path>?go-get=1, that is on port 443 of 127.0.0.1. That is why
// the server takes the fixed ports 443 (and 22 for SSH): a second server, in
// this or another test process, waits until the first one is closed.
package testgit

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/gopherfile/gopherfile/internal/testproxy"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// Host is the host of every module path served: 127.0.0.1.
const Host = "127.0.0.1"

// ListenWait is how long Start and StartSSHD wait for the fixed port to be
// free (another server, maybe of another test process, may hold it).
var ListenWait = 3 * time.Minute

// Module is one version of a fixture module: a commit tagged Version in the
// repository https://127.0.0.1/<path without the host>.git. Files maps
// slash-separated paths relative to the repository root to their contents; if
// it has no "go.mod", one with "module Path" and "go 1.22" is added.
type Module struct {
	Path    string
	Version string
	Files   map[string]string
}

// Request is one request the HTTPS server answered.
type Request struct {
	Method string
	// Path is the URL path and query.
	Path string
	// Git is true for git smart-HTTP requests (not go-get discovery).
	Git bool
	// User is the basic-auth user name the client sent, "" for none.
	User string
	// Authorized is true when the request carried the required token.
	Authorized bool
	Status     int
}

func (r Request) String() string {
	return fmt.Sprintf("%s %s user=%q authorized=%v -> %d", r.Method, r.Path, r.User, r.Authorized, r.Status)
}

// Server serves the repositories over HTTPS.
type Server struct {
	root  string // GIT_PROJECT_ROOT: <root>/<path without host>.git
	caPEM []byte
	srv   *http.Server
	ln    net.Listener
	cgi   http.Handler
	paths []string // module paths served, longest first

	mu      sync.Mutex
	token   string
	noGit   bool
	reqs    []Request
	sums    map[string][]string // "path version" → go.sum lines
	closed  bool
	servers []*SSHD
}

// Start builds a bare git repository per module path (one tagged commit per
// version, oldest first) and serves them on https://127.0.0.1:443.
func Start(mods ...Module) (*Server, error) {
	root, err := os.MkdirTemp("", "testgit-repos-")
	if err != nil {
		return nil, err
	}
	// The sshd serves the same repositories as the user git.
	if err := os.Chmod(root, 0o755); err != nil {
		return nil, err
	}
	s := &Server{root: root, sums: map[string][]string{}}
	if err := s.build(mods); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	execDir, err := gitExecPath()
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	gitconfig := filepath.Join(root, ".gitconfig")
	if err := os.WriteFile(gitconfig, []byte("[safe]\n\tdirectory = *\n"), 0o644); err != nil {
		return nil, err
	}
	s.cgi = &cgi.Handler{
		Path: filepath.Join(execDir, "git-http-backend"),
		Dir:  root,
		Env: []string{
			"GIT_PROJECT_ROOT=" + root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=" + gitconfig,
		},
		Stderr: io.Discard,
	}
	caPEM, cert, err := testproxy.NewCAAndLeaf()
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	s.caPEM = caPEM
	ln, err := listenWait(Host+":443", ListenWait)
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         serverConfig(cert),
		ErrorLog:          discardLogger(),
	}
	go func() { _ = s.srv.ServeTLS(ln, "", "") }()
	return s, nil
}

// listenWait listens on addr, waiting while the address is in use.
func listenWait(addr string, wait time.Duration) (net.Listener, error) {
	deadline := time.Now().Add(wait)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return nil, fmt.Errorf("testgit: listen on %s (waited up to %s for it to be free): %w", addr, wait, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// URL is the base URL of the server, https://127.0.0.1.
func (s *Server) URL() string { return "https://" + Host }

// RepoURL is the HTTPS URL of the repository of a module path.
func (s *Server) RepoURL(modPath string) string {
	return s.URL() + "/" + strings.TrimPrefix(modPath, Host+"/") + ".git"
}

// CACertPEM is the certificate of the CA that signed the server certificate
// (for 127.0.0.1): the go command trusts it with SSL_CERT_FILE, git with
// GIT_SSL_CAINFO.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.caPEM...) }

// RequireToken makes git requests need HTTP basic auth whose password is
// token (any user name, as with GitHub tokens). go-get discovery stays open,
// as on GitHub. An empty token turns the requirement off.
func (s *Server) RequireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// DisableHTTPGit answers every git request over HTTPS with 403, so that only
// discovery is served over HTTPS and a fetch must come over SSH.
func (s *Server) DisableHTTPGit() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noGit = true
}

// Requests returns the requests answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// GoSum returns the go.sum lines of a served module version.
func (s *Server) GoSum(path, version string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sums[path+" "+version]...)
}

// Close stops the server (and any sshd started from it) and removes the
// repositories.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	servers := s.servers
	s.mu.Unlock()
	for _, d := range servers {
		d.Close()
	}
	_ = s.srv.Close()
	os.RemoveAll(s.root)
}

// ServeHTTP answers go-get discovery and git smart-HTTP requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, Path: r.URL.RequestURI()}
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		rec.Status = rw.status
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		s.mu.Unlock()
	}()

	if r.URL.Query().Get("go-get") == "1" {
		s.serveMeta(rw, r)
		return
	}
	if !strings.Contains(r.URL.Path, ".git/") {
		http.NotFound(rw, r)
		return
	}
	rec.Git = true
	s.mu.Lock()
	token, noGit := s.token, s.noGit
	s.mu.Unlock()
	user, pass, hasAuth := r.BasicAuth()
	rec.User = user
	rec.Authorized = hasAuth && token != "" && pass == token
	if noGit {
		http.Error(rw, "testgit: git over HTTPS is disabled on this server; fetch over SSH", http.StatusForbidden)
		return
	}
	if token != "" && !rec.Authorized {
		rw.Header().Set("WWW-Authenticate", `Basic realm="testgit"`)
		http.Error(rw, "testgit: this repository needs a token", http.StatusUnauthorized)
		return
	}
	s.cgi.ServeHTTP(rw, r)
}

// serveMeta answers https://127.0.0.1/PATH?go-get=1 with the go-import meta
// tag of the served module path that PATH is in.
func (s *Server) serveMeta(w http.ResponseWriter, r *http.Request) {
	imp := Host + strings.TrimSuffix(r.URL.Path, "/")
	for _, p := range s.paths {
		if imp == p || strings.HasPrefix(imp, p+"/") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head>\n<meta name=\"go-import\" content=\"%s\">\n</head><body>%s</body></html>\n",
				html.EscapeString(p+" git "+s.RepoURL(p)), html.EscapeString(p))
			return
		}
	}
	http.NotFound(w, r)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// build creates one bare repository per module path.
func (s *Server) build(mods []Module) error {
	byPath := map[string][]Module{}
	for _, m := range mods {
		if err := module.Check(m.Path, m.Version); err != nil {
			return fmt.Errorf("testgit: %w", err)
		}
		if !strings.HasPrefix(m.Path, Host+"/") {
			return fmt.Errorf("testgit: module path %s does not start with %s/", m.Path, Host)
		}
		byPath[m.Path] = append(byPath[m.Path], m)
	}
	for p, vs := range byPath {
		sort.Slice(vs, func(i, j int) bool { return semver.Compare(vs[i].Version, vs[j].Version) < 0 })
		if err := s.buildRepo(p, vs); err != nil {
			return err
		}
		s.paths = append(s.paths, p)
	}
	sort.Slice(s.paths, func(i, j int) bool { return len(s.paths[i]) > len(s.paths[j]) })
	return nil
}

func (s *Server) buildRepo(modPath string, versions []Module) error {
	work, err := os.MkdirTemp("", "testgit-work-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	git := func(dir string, when time.Time, args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		date := when.Format(time.RFC3339)
		cmd.Env = append(os.Environ(),
			"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+work,
			"GIT_AUTHOR_NAME=testgit", "GIT_AUTHOR_EMAIL=testgit@example.com", "GIT_AUTHOR_DATE="+date,
			"GIT_COMMITTER_NAME=testgit", "GIT_COMMITTER_EMAIL=testgit@example.com", "GIT_COMMITTER_DATE="+date,
		)
		out, err := combined(cmd)
		if err != nil {
			return fmt.Errorf("testgit: git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	wt := filepath.Join(work, "wt")
	if err := os.Mkdir(wt, 0o755); err != nil {
		return err
	}
	if err := git(wt, fixtureTime, "init", "-q", "-b", "main"); err != nil {
		return err
	}
	for i, m := range versions {
		files := withGoMod(m)
		entries, _ := os.ReadDir(wt)
		for _, e := range entries {
			if e.Name() != ".git" {
				os.RemoveAll(filepath.Join(wt, e.Name()))
			}
		}
		for name, content := range files {
			f := filepath.Join(wt, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
				return err
			}
		}
		when := fixtureTime.Add(time.Duration(i) * time.Hour)
		if err := git(wt, when, "add", "-A"); err != nil {
			return err
		}
		if err := git(wt, when, "commit", "-q", "--allow-empty", "-m", m.Path+" "+m.Version); err != nil {
			return err
		}
		if err := git(wt, when, "tag", m.Version); err != nil {
			return err
		}
		sums, err := goSum(m.Path, m.Version, files)
		if err != nil {
			return err
		}
		s.sums[m.Path+" "+m.Version] = sums
	}
	bare := filepath.Join(s.root, filepath.FromSlash(strings.TrimPrefix(modPath, Host+"/"))+".git")
	if err := os.MkdirAll(filepath.Dir(bare), 0o755); err != nil {
		return err
	}
	if err := git(work, fixtureTime, "clone", "-q", "--bare", wt, bare); err != nil {
		return err
	}
	// Readable by the user git of the sshd whatever the umask.
	return filepath.Walk(s.root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		mode := info.Mode().Perm() | 0o444
		if info.IsDir() {
			mode |= 0o111
		}
		return os.Chmod(p, mode)
	})
}

var fixtureTime = time.Date(2024, time.March, 4, 10, 0, 0, 0, time.UTC)

func withGoMod(m Module) map[string]string {
	files := make(map[string]string, len(m.Files)+1)
	for k, v := range m.Files {
		files[k] = v
	}
	if _, ok := files["go.mod"]; !ok {
		files["go.mod"] = "module " + m.Path + "\n\ngo 1.22\n"
	}
	return files
}

// goSum returns the go.sum lines of a module version with the given files,
// hashed as the go command hashes the zip it makes from the tagged commit.
func goSum(path, version string, files map[string]string) ([]string, error) {
	mv := module.Version{Path: path, Version: version}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var zfiles []modzip.File
	for _, n := range names {
		zfiles = append(zfiles, memFile{name: n, data: files[n]})
	}
	var buf bytes.Buffer
	if err := modzip.Create(&buf, mv, zfiles); err != nil {
		return nil, fmt.Errorf("testgit: zip of %s: %w", mv, err)
	}
	zipFile, err := os.CreateTemp("", "testgit-*.zip")
	if err != nil {
		return nil, err
	}
	defer os.Remove(zipFile.Name())
	if _, err := zipFile.Write(buf.Bytes()); err != nil {
		zipFile.Close()
		return nil, err
	}
	zipFile.Close()
	h, err := dirhash.HashZip(zipFile.Name(), dirhash.Hash1)
	if err != nil {
		return nil, err
	}
	hmod, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(files["go.mod"])), nil
	})
	if err != nil {
		return nil, err
	}
	return []string{path + " " + version + " " + h, path + " " + version + "/go.mod " + hmod}, nil
}

func gitExecPath() (string, error) {
	out, err := combined(exec.Command("git", "--exec-path"))
	if err != nil {
		return "", fmt.Errorf("testgit: git --exec-path: %w (is git installed?)", err)
	}
	dir := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(dir, "git-http-backend")); err != nil {
		return "", fmt.Errorf("testgit: git-http-backend: %w", err)
	}
	return dir, nil
}

// cmdTimeout bounds every command the package runs to set things up (git,
// ssh-keygen, ssh-add, useradd).
const cmdTimeout = time.Minute

// combined runs cmd and returns its output, killing it after cmdTimeout.
func combined(cmd *exec.Cmd) ([]byte, error) {
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	timer := time.AfterFunc(cmdTimeout, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	timer.Stop()
	return buf.Bytes(), err
}

// memFile is an in-memory file for golang.org/x/mod/zip.Create.
type memFile struct{ name, data string }

func (f memFile) Path() string                 { return f.name }
func (f memFile) Lstat() (os.FileInfo, error)  { return memInfo(f), nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(f.data)), nil }

type memInfo memFile

func (i memInfo) Name() string       { return filepath.Base(i.name) }
func (i memInfo) Size() int64        { return int64(len(i.data)) }
func (i memInfo) Mode() os.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return fixtureTime }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
