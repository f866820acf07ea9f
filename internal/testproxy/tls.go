package testproxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"time"
)

// tlsState is the TLS configuration of an HTTPS proxy.
type tlsState struct {
	config *tls.Config
	caPEM  []byte // nil when the caller supplied the certificate
}

func (s *tlsState) listener(ln net.Listener) net.Listener {
	return tls.NewListener(ln, s.config)
}

// StartTLS starts an HTTPS proxy on 127.0.0.1 with the given PEM-encoded
// certificate (chain) and private key. It speaks HTTP/1.1 only.
func StartTLS(certPEM, keyPEM []byte, mods ...Module) (*Proxy, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("testproxy: loading key pair: %w", err)
	}
	return start(&tlsState{config: serverConfig(cert)}, mods)
}

// StartTLSWithNewCA starts an HTTPS proxy whose certificate (for 127.0.0.1,
// ::1 and localhost) is signed by a new, throw-away ECDSA certificate
// authority, like a TLS-intercepting corporate proxy. It returns the CA
// certificate in PEM form; clients trust the proxy only if they are given it
// (for the go command: SSL_CERT_FILE=ca.pem).
func StartTLSWithNewCA(mods ...Module) (*Proxy, []byte, error) {
	caPEM, cert, err := NewCAAndLeaf()
	if err != nil {
		return nil, nil, err
	}
	p, err := start(&tlsState{config: serverConfig(cert), caPEM: caPEM}, mods)
	if err != nil {
		return nil, nil, err
	}
	return p, caPEM, nil
}

// CACertPEM returns the PEM certificate of the CA created by
// StartTLSWithNewCA, or nil for other proxies.
func (p *Proxy) CACertPEM() []byte {
	if p.tls == nil {
		return nil
	}
	return append([]byte(nil), p.tls.caPEM...)
}

func serverConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
}

// NewCAAndLeaf creates a throw-away CA and a server certificate for
// 127.0.0.1 and ::1 signed by it: the "corporate CA" of the tests.
func NewCAAndLeaf() (caPEM []byte, leaf tls.Certificate, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("testproxy: generating CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "testproxy corporate CA", Organization: []string{"Gopherfile tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("testproxy: creating CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("testproxy: parsing CA certificate: %w", err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("testproxy: generating server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("testproxy: creating server certificate: %w", err)
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	leaf = tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}
	return caPEM, leaf, nil
}

// discardLogger silences the HTTP server's own error log (TLS handshake
// errors from clients that do not trust the CA are expected in tests).
func discardLogger() *log.Logger {
	return log.New(io.Discard, "", 0)
}
