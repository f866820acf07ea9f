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
