package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/goenv"
	"github.com/gopherfile/gopherfile/internal/step/retryproxy"
)

// maxBody bounds what the probe reads of an answer.
const maxBody = 64 << 10

// client makes the probe's requests with the download step's limits: the
// retry proxy's connect and header timeouts, within the step's deadline.
type client struct {
	hc      *http.Client
	rootCAs *x509.CertPool
}

func newClient(roots *x509.CertPool, deadline time.Time) *client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: retryproxy.DefaultConnectTimeout}).DialContext,
		TLSHandshakeTimeout:   retryproxy.DefaultConnectTimeout,
		ResponseHeaderTimeout: retryproxy.DefaultHeaderTimeout,
		TLSClientConfig:       &tls.Config{RootCAs: roots},
		MaxIdleConnsPerHost:   Parallel,
		ForceAttemptHTTP2:     true,
	}
	return &client{
		hc: &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			// Credentials never follow a redirect to another host.
			if req.URL.Host != via[0].URL.Host {
				req.Header.Del("Authorization")
			}
			return nil
		}},
		rootCAs: roots,
	}
}

// answer is the outcome of one request.
type answer struct {
	// url is the URL asked, without credentials.
	url string
	// code is the HTTP status code, 0 after a transport error.
	code   int
	status string
	body   string
	err    error
	// tls is the peer's leaf certificate issuer, "" over http.
	issuer string
}

// ok reports a 200.
func (a answer) ok() bool { return a.err == nil && a.code == http.StatusOK }

// notFound reports a 404 or 410, on which "," falls through.
func (a answer) notFound() bool {
	return a.err == nil && (a.code == http.StatusNotFound || a.code == http.StatusGone)
}

// short is the answer in a few words, for the tables.
func (a answer) short() string {
	if a.err == nil {
		return a.status
	}
	s := a.err.Error()
	for _, k := range []string{"connection refused", "no such host", "i/o timeout", "certificate signed by unknown authority",
		"certificate is valid for", "connection reset by peer", "context deadline exceeded", "TLS handshake timeout", "EOF"} {
		if strings.Contains(s, k) {
			return k
		}
	}
	var ue *url.Error
	if errors.As(a.err, &ue) {
		return ue.Err.Error()
	}
	return s
}

// line is the answer as the go command prints a failed request: "reading
// URL: 404 Not Found" and the server's response, or the transport error
// ("Get \"URL\": dial tcp ...").
func (a answer) line() string {
	if a.err != nil {
		return a.err.Error()
	}
	s := fmt.Sprintf("reading %s: %s", a.url, a.status)
	if b := strings.TrimSpace(a.body); b != "" {
		if i := strings.IndexByte(b, '\n'); i >= 0 {
			b = b[:i]
		}
		if len(b) > 500 {
			b = b[:500]
		}
		s += "\n\tserver response: " + b
	}
	return s
}

// get asks rawURL (which may carry user:password, as a GOPROXY entry may)
// with basic auth from cred, if any.
func (c *client) get(ctx context.Context, rawURL string, cred func(hostPath string) (string, string, bool)) answer {
	u, err := url.Parse(rawURL)
	if err != nil {
		return answer{url: goenv.RedactURL(rawURL), err: err}
	}
	user := u.User
	u.User = nil
	a := answer{url: u.String()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		a.err = err
		return a
	}
	if user != nil {
		pass, _ := user.Password()
		req.SetBasicAuth(user.Username(), pass)
	} else if cred != nil && u.Scheme == "https" {
		// As the go command: netrc credentials over https only.
		if l, p, ok := cred(u.Host + u.Path); ok {
			req.SetBasicAuth(l, p)
		}
	}
	res, err := c.hc.Do(req)
	if err != nil {
		a.err = err
		return a
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxBody))
	a.code, a.status, a.body = res.StatusCode, res.Status, string(body)
	if res.TLS != nil && len(res.TLS.PeerCertificates) > 0 {
		a.issuer = issuerName(res.TLS.PeerCertificates[0])
	}
	return a
}

// untrustedIssuer connects to host (host:port) without verifying, to read
// the issuer of the certificate it presents after a verification failure.
// Nothing is sent over that connection.
func (c *client) untrustedIssuer(ctx context.Context, host string) string {
	if !strings.Contains(host, ":") {
		host += ":443"
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: retryproxy.DefaultConnectTimeout},
		Config: &tls.Config{InsecureSkipVerify: true, ServerName: hostOnly(host)}} // #nosec G402: only reads the issuer; no request is sent
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return ""
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return ""
	}
	return issuerName(certs[0])
}

func issuerName(c *x509.Certificate) string {
	n := c.Issuer.CommonName
	if len(c.Issuer.Organization) > 0 && !strings.Contains(n, c.Issuer.Organization[0]) {
		n = strings.TrimSpace(n + ", " + c.Issuer.Organization[0])
	}
	return strings.Trim(n, ", ")
}

func hostOnly(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return h
}

// interceptors are words in the issuer names of TLS-intercepting proxies
// and security products.
var interceptors = []string{"zscaler", "netskope", "palo alto", "fortinet", "fortigate", "blue coat", "bluecoat",
	"symantec web", "forcepoint", "websense", "sophos", "mcafee web", "cisco umbrella", "checkpoint", "check point",
	"mitmproxy", "charles proxy", "fiddler", "burp", "squid", "kaspersky", "eset ssl", "avast", "bitdefender", "proxy", "intercept", "inspection"}

// looksIntercepted reports whether a certificate the trust store rejects
// looks re-signed by an intercepting proxy: its issuer names one, or the
// host is a public service, which a public CA signs.
func looksIntercepted(host, issuer string) bool {
	l := strings.ToLower(issuer)
	for _, w := range interceptors {
		if strings.Contains(l, w) {
			return true
		}
	}
	h := hostOnly(host)
	if h == "proxy.golang.org" || h == "sum.golang.org" || h == "goproxy.io" || h == "goproxy.cn" {
		return true
	}
	for _, p := range goenv.PublicHosts {
		if h == p {
			return true
		}
	}
	return false
}
