package goenv

import "testing"

func TestRedact(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"GOPROXY", "https://proxy.golang.org,direct", "https://proxy.golang.org,direct"},
		{"GOPROXY", "https://user:PASSWORD@art.example.com/api/go/x", "https://user:xxxxx@art.example.com/api/go/x"},
		{"GOPROXY", "https://a:p1@one.example|https://b:p2@two.example,direct", "https://a:xxxxx@one.example|https://b:xxxxx@two.example,direct"},
		{"GOPROXY", "https://TOKEN@host.example/go", "https://xxxxx@host.example/go"},
		{"GOPROXY", "off", "off"},
		{"GOPROXY", "https://u:p%zz@bad.example", "https://xxxxx@bad.example"},
		{"HTTPS_PROXY", "http://corp:secret@proxy.corp:3128", "http://corp:xxxxx@proxy.corp:3128"},
		{"https_proxy", "http://corp:secret@proxy.corp:3128", "http://corp:xxxxx@proxy.corp:3128"},
		{"GOSUMDB", "sum.golang.org https://u:p@sum.mirror.example", "sum.golang.org https://u:xxxxx@sum.mirror.example"},
		{"GOPRIVATE", "github.com/acme/*", "github.com/acme/*"},
		{"GOAUTH", "mycred https://u:p@x.example", "mycred https://u:xxxxx@x.example"},
		{"GOPROXY", "https://host.example/path@v1", "https://host.example/path@v1"},
		// Query strings are dropped always (hosted registries put tokens there).
		{"GOPROXY", "https://host.example/go?token=T0K3N,direct", "https://host.example/go,direct"},
		{"GOPROXY", "https://u:p@host.example/go?t=1#frag", "https://u:xxxxx@host.example/go"},
		{"HTTPS_PROXY", "http://proxy.corp:3128/?auth=T0K3N", "http://proxy.corp:3128/"},
		{"GOSUMDB", "sum.golang.org https://sum.mirror.example/?key=K", "sum.golang.org https://sum.mirror.example/"},
	}
	for _, tt := range tests {
		if got := Redact(tt.name, tt.value); got != tt.want {
			t.Errorf("Redact(%s, %q) = %q, want %q", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestHasCredentials(t *testing.T) {
	if !HasCredentials("GOPROXY", "https://u:p@h") || HasCredentials("GOPROXY", "https://h,direct") {
		t.Fatal("HasCredentials is wrong")
	}
}

func TestVarsUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range Vars {
		if seen[v.Name] || seen[v.Field] {
			t.Fatalf("duplicate %v", v)
		}
		seen[v.Name], seen[v.Field] = true, true
	}
}

// A value that came from a secret shows the scheme and host of each URL
// only: a token in the path or the user name stays hidden.
func TestRedactFromSecret(t *testing.T) {
	tests := []struct{ name, value, origin, want string }{
		{"GOPROXY", "https://art.example/api/go/T0K3N/v", SecretOrigin("GOPROXY"), "https://art.example"},
		{"GOPROXY", "https://ci:PW@a.example/x|https://b.example/T0K3N,direct", SecretOrigin("GOPROXY"), "https://a.example|https://b.example,direct"},
		{"GOPROXY", "https://u:p/w@a.example/x", SecretOrigin("GOPROXY"), "https://a.example"},
		{"GOPROXY", "https://art.example/api/go/T0K3N/v", "build arg GOPROXY", "https://art.example/api/go/T0K3N/v"},
		{"GOSUMDB", "sum.golang.org https://sum.example/T0K3N", SecretOrigin("GOSUMDB"), "sum.golang.org https://sum.example"},
	}
	for _, tt := range tests {
		if got := RedactFrom(tt.name, tt.value, tt.origin); got != tt.want {
			t.Errorf("RedactFrom(%s, %q, %q) = %q, want %q", tt.name, tt.value, tt.origin, got, tt.want)
		}
	}
	s := Setting{Name: "GOPROXY", Value: "https://art.example/T0K3N", Origin: SecretOrigin("GOPROXY")}
	if got := s.Shown(); got != "GOPROXY=https://art.example" {
		t.Errorf("Shown() = %q", got)
	}
}
