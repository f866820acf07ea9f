package netrc

import "testing"

func TestLookup(t *testing.T) {
	data := `# corporate proxies
machine art.example.com login ci password s3cret
machine git.example.com
  login x-access-token
  password tok
machine 127.0.0.1:8443 login local password p1
machine example.com/org login org password p2

macdef init
  machine evil.example.com login no password no

default login anon password anon
`
	e := Parse(data)
	tests := []struct{ hostPath, login, pass string }{
		{"art.example.com/api/go", "ci", "s3cret"},
		{"GIT.example.com", "x-access-token", "tok"},
		{"127.0.0.1:8443/x/@v/list", "local", "p1"},
		{"example.com/org/repo/@v/v1.0.0.mod", "org", "p2"},
		{"other.example.com", "", ""},
		{"evil.example.com", "", ""},
		{"127.0.0.1/x", "", ""},
	}
	for _, tt := range tests {
		got, ok := Lookup(e, tt.hostPath)
		if ok != (tt.login != "") || got.Login != tt.login || got.Password != tt.pass {
			t.Errorf("Lookup(%s) = %+v, %v; want %s/%s", tt.hostPath, got, ok, tt.login, tt.pass)
		}
	}
}
