package retryproxy

import (
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// What keeps a loopback proxy to its own step and to what the go command
// itself would do: the random path prefix, no "." or ".." segments, no
// https→http redirects, go's limits on bodies.

// randomPrefix is a path segment nobody can guess: 128 random bits.
func randomPrefix() (string, error) {
	var b [16]byte
	if _, err := crand.Read(b[:]); err != nil {
		return "", fmt.Errorf("starting the loopback proxy: %w", err)
	}
	return "/" + hex.EncodeToString(b[:]), nil
}

// checkRedirect refuses a redirect from https to http, as the go command
// does: the request may carry credentials, and the module would arrive
// unprotected.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirected from secure URL %s to insecure URL %s", goenv.RedactURL(via[len(via)-1].URL.String()), goenv.RedactURL(req.URL.String()))
	}
	return nil
}

// localPath returns the path of a request of the go command without the
// proxy's prefix (escaped and unescaped), or ok false for a request that is
// not for this proxy or that tries to leave the GOPROXY path with "." or
// ".." segments.
func (p *proxy) localPath(r *http.Request) (raw, path string, ok bool) {
	raw = r.URL.EscapedPath()
	if !strings.HasPrefix(raw, p.prefix+"/") {
		return "", "", false
	}
	raw = strings.TrimPrefix(raw, p.prefix)
	path, err := url.PathUnescape(raw)
	if err != nil {
		return "", "", false
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." || strings.ContainsRune(seg, '\\') {
			return "", "", false
		}
	}
	return raw, path, true
}

func joinQuery(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "&" + b
}

// maxBody is the largest body the go command accepts for a path.
func maxBody(path string) int64 {
	if strings.HasSuffix(path, ".zip") {
		return MaxZipBody
	}
	return MaxBody
}

// tooLarge is the answer for a body larger than the go command accepts.
func tooLarge(target *url.URL, limit int64) *response {
	return textResponse(http.StatusBadGateway, fmt.Sprintf("gopherfile: the response for %s is larger than the go command accepts (%d MiB)\n",
		goenv.RedactURL(target.String()), limit>>20))
}
