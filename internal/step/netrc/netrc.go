// Package netrc reads .netrc files and finds credentials in them the way
// the go command does (cmd/go/internal/auth): "machine HOST login USER
// password PASS" entries (in any order, across lines), where HOST may carry
// a port and a path prefix; "macdef" blocks are skipped, and so is the
// "default" entry, which the go command does not use.
package netrc

import (
	"strings"
)

// Entry is one machine's credentials.
type Entry struct {
	Machine  string // "" for the default entry
	Login    string
	Password string
}

// Parse reads the entries of a netrc file. It never fails: tokens it does not
// know are skipped, as the go command does.
func Parse(data string) []Entry {
	var out []Entry
	var cur *Entry
	toks := tokens(data)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := func() string {
			if i+1 < len(toks) {
				i++
				return toks[i].text
			}
			return ""
		}
		switch t.text {
		case "machine":
			out = append(out, Entry{Machine: next()})
			cur = &out[len(out)-1]
		case "default":
			out = append(out, Entry{})
			cur = &out[len(out)-1]
		case "login", "user":
			v := next()
			if cur != nil {
				cur.Login = v
			}
		case "password", "passwd":
			v := next()
			if cur != nil {
				cur.Password = v
			}
		case "account":
			next()
		case "macdef":
			// A macro runs to the next blank line.
			next()
			for i+1 < len(toks) && !toks[i+1].afterBlank {
				i++
			}
			cur = nil
		}
	}
	return out
}

// Lookup returns the credentials the go command would send to a URL whose
// host (with its port, as in url.URL.Host) and path are hostPath: those of
// the first machine entry equal to hostPath or to a prefix of it ending at a
// "/" (example.com/org matches example.com/org/repo), the longest first.
func Lookup(entries []Entry, hostPath string) (Entry, bool) {
	prefix := strings.TrimSuffix(hostPath, "/")
	for {
		for _, e := range entries {
			if e.Machine != "" && e.Login != "" && e.Password != "" && strings.EqualFold(e.Machine, prefix) {
				return e, true
			}
		}
		i := strings.LastIndexByte(prefix, '/')
		if i < 0 {
			return Entry{}, false
		}
		prefix = prefix[:i]
	}
}

type token struct {
	text       string
	afterBlank bool // the token follows a blank line
}

func tokens(data string) []token {
	var out []token
	blank := false
	for _, line := range strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			blank = true
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, f := range strings.Fields(line) {
			out = append(out, token{text: f, afterBlank: blank})
			blank = false
		}
	}
	return out
}
