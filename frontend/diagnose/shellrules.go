package diagnose

import "strings"

// ShellRule is the evidence of one catalogue class as a POSIX extended regular
// expression, for explaining a failure inside a build step that has only sh
// and grep.
type ShellRule struct {
	Class   Class
	Pattern string
}

// ShellRules returns one rule per class that has line markers, most specific
// first (the order of the marker table, which is also Classify's precedence):
// a script that explains a failure should print the first rule that matches.
// Like ShellPatterns, the patterns contain no single quote.
func ShellRules() []ShellRule {
	byClass := map[Class][]string{}
	var order []Class
	for _, m := range markers {
		if _, ok := byClass[m.class]; !ok {
			order = append(order, m.class)
		}
		byClass[m.class] = append(byClass[m.class], "("+m.pattern+")")
	}
	out := make([]ShellRule, 0, len(order))
	for _, c := range order {
		out = append(out, ShellRule{Class: c, Pattern: strings.Join(byClass[c], "|")})
	}
	return out
}
