package spec

import (
	"fmt"
	"strings"

	"golang.org/x/mod/semver"
)

// MaxAllowReason bounds a vulncheck.allow[].reason.
const MaxAllowReason = 1000

func (v *Vulncheck) validate(r *report, field string) {
	checkEnum(r, field+".mode", v.Mode, v.Mode.Values())
	for _, f := range []struct{ name, value, example string }{
		{"db", v.DB, "v0.0.0-20261105234957-e22db6528018"},
		{"govulncheck", v.Govulncheck, "v1.9.0"},
	} {
		if f.value != "" && (!semver.IsValid(f.value) || semver.Canonical(f.value) != f.value) {
			r.add(field+"."+f.name, fmt.Sprintf("%s is not a module version", quote(f.value)), "write a full version like "+f.example)
		}
	}
	seen := map[string]int{}
	for i, a := range v.Allow {
		f := fmt.Sprintf("%s.allow[%d]", field, i)
		id := strings.ToUpper(string(a.ID))
		switch {
		case a.ID == "":
			r.add(f+".id", "the id is missing", "write the vulnerability's ID, e.g. GO-2022-1059")
		case !vulnIDRE.MatchString(string(a.ID)):
			r.add(f+".id", fmt.Sprintf("%s is not a vulnerability ID", quote(string(a.ID))), "write a Go vulnerability ID (GO-2022-1059), a CVE (CVE-2022-32149) or a GHSA ID")
		default:
			if j, dup := seen[id]; dup {
				r.add(f+".id", fmt.Sprintf("%s is listed twice (also vulncheck.allow[%d])", a.ID, j), "list each ID once")
			}
			seen[id] = i
		}
		reason := strings.TrimSpace(a.Reason)
		if c, bad := controlChar(a.Reason); bad {
			r.add(f+".reason", fmt.Sprintf("the reason contains %s", describeChar(c)), "write it on one line")
		} else if reason == "" {
			r.add(f+".reason", "the reason is missing", "say why the vulnerability is accepted, e.g. reason: \"only reached with a flag we never set; upgrade tracked in #123\"")
		} else if len(a.Reason) > MaxAllowReason {
			r.add(f+".reason", fmt.Sprintf("the reason is longer than %d characters", MaxAllowReason), "shorten it and link to the details")
		}
	}
}
