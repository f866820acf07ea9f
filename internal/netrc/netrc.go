// Package netrc reads .netrc files the way the go command and curl do:
// "machine HOST login USER password PASS" entries (in any order, across
// lines), a "default" entry that matches every host, and "macdef" blocks,
// which are skipped.
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

// Lookup returns the credentials for host: the first machine entry that
// names it, else the default entry.
func Lookup(entries []Entry, host string) (Entry, bool) {
	var def *Entry
	for i, e := range entries {
		if e.Machine == "" {
			if def == nil {
				def = &entries[i]
			}
			continue
		}
		if strings.EqualFold(e.Machine, host) {
			return e, true
		}
	}
	if def != nil {
		return *def, true
	}
	return Entry{}, false
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
