package retryproxy

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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

var errStall = errors.New("the response body stopped arriving")

type idleReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (r *idleReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if n > 0 {
		r.t.Reset(r.d)
	}
	return n, err
}

func bodyReason(ctx context.Context, err error) string {
	if errors.Is(context.Cause(ctx), errStall) {
		return "stall"
	}
	return reasonOf(err)
}

func bodyErr(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errStall) {
		return fmt.Errorf("reading the response body: %w", errStall)
	}
	return fmt.Errorf("reading the response body: %w", err)
}

// reasonOf names a transient error, or returns "" for one not worth a retry
// (an untrusted certificate, a malformed URL).
func reasonOf(err error) string {
	var uerr x509.UnknownAuthorityError
	var herr x509.HostnameError
	var cerr x509.CertificateInvalidError
	var tlsErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &uerr), errors.As(err, &herr), errors.As(err, &cerr), errors.As(err, &tlsErr):
		return ""
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.EPIPE):
		return "reset"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "dns"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	if strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe") {
		return "reset"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return "network"
	}
	return ""
}

// redactErr is err's text with the proxy's credentials and its own error
// wrapping (Get "URL": ...) reduced to what go would print.
func redactErr(err error, p *proxy) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return goenv.Redact(goenv.GOPROXY, err.Error())
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}
