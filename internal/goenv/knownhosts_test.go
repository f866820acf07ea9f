package goenv

import (
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// The shipped host keys parse as known_hosts lines, and each key's SHA-256
// fingerprint is the one its host publishes (an independent check of every
// byte of the key).
func TestKnownHosts(t *testing.T) {
	published := map[string]string{
		"github.com ssh-ed25519":            "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU",
		"github.com ecdsa-sha2-nistp256":    "SHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM",
		"github.com ssh-rsa":                "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
		"gitlab.com ssh-ed25519":            "SHA256:eUXGGm1YGsMAS7vkcx6JOJdOGHPem5gQp4taiCfCLB8",
		"gitlab.com ecdsa-sha2-nistp256":    "SHA256:HbW3g8zUjNSksFbqTiUWPWg2Bq1x8xdGUrliXFzSnUw",
		"gitlab.com ssh-rsa":                "SHA256:ROQFvPThGrW4RuWLoL9tq9I9zJ42fK4XywyRtbOz/EQ",
		"bitbucket.org ssh-ed25519":         "SHA256:ybgmFkzwOSotHTHLJgHO0QN8L0xErw6vd0VhFA9m3SM",
		"bitbucket.org ecdsa-sha2-nistp256": "SHA256:FC73VB6C4OQLSCrjEayhMp9UMxS97caD/Yyi2bhW/J0",
		"bitbucket.org ssh-rsa":             "SHA256:46OSHA1Rmj8E8ERTC6xkNcmGOw9oFxYr0WF6zWW8l1E",
	}
	lines := KnownHostLines()
	if len(lines) != len(published) {
		t.Fatalf("%d key lines, want %d", len(lines), len(published))
	}
	for _, l := range lines {
		_, hosts, key, comment, rest, err := ssh.ParseKnownHosts([]byte(l))
		if err != nil || len(rest) != 0 || comment != "" {
			t.Errorf("%q does not parse as one known_hosts line: %v", l, err)
			continue
		}
		if len(hosts) != 1 || strings.Contains(hosts[0], "*") {
			t.Errorf("%q: want one literal host, got %q", l, hosts)
			continue
		}
		id := hosts[0] + " " + key.Type()
		want, ok := published[id]
		if !ok {
			t.Errorf("%q: %s is not a published key", l, id)
			continue
		}
		delete(published, id)
		if got := ssh.FingerprintSHA256(key); got != want {
			t.Errorf("%s: fingerprint %s, the host publishes %s", id, got, want)
		}
		if !IsCodeHost(hosts[0]) {
			t.Errorf("%s is not one of CodeHosts", hosts[0])
		}
	}
	for id := range published {
		t.Errorf("no key line for %s", id)
	}
}
