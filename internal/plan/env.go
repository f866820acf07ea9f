package plan

import (
	"sort"
	"strings"
)

func sortedEnv(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// EnvValue returns the value of key in a KEY=VALUE list, and whether it is set.
func EnvValue(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// setEnv sets KEY=VALUE in a sorted env list.
func setEnv(env []string, key, value string) []string {
	out := []string{}
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	out = append(out, key+"="+value)
	sort.Strings(out)
	return out
}
