package netrc

import "testing"

func TestLookup(t *testing.T) {
	data := `# corporate proxies
machine art.example.com login ci password s3cret
machine git.example.com
  login x-access-token
  password tok

macdef init
  machine evil.example.com login no password no

default login anon password anon
`
	e := Parse(data)
	tests := []struct{ host, login, pass string }{
		{"art.example.com", "ci", "s3cret"},
		{"GIT.example.com", "x-access-token", "tok"},
		{"other.example.com", "anon", "anon"},
		{"evil.example.com", "anon", "anon"},
	}
	for _, tt := range tests {
		got, ok := Lookup(e, tt.host)
		if !ok || got.Login != tt.login || got.Password != tt.pass {
			t.Errorf("Lookup(%s) = %+v, %v; want %s/%s", tt.host, got, ok, tt.login, tt.pass)
		}
	}
	if _, ok := Lookup(Parse("machine a login b password c"), "x"); ok {
		t.Error("no default entry: want no match")
	}
}
