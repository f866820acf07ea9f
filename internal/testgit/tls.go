package testgit

import (
	"crypto/tls"
	"io"
	"log"
)

func serverConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
}

// discardLogger silences TLS handshake errors of clients that do not trust
// the CA (expected in tests).
func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
