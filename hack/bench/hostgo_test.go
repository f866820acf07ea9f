package main

import "testing"

// TestExactGo: only an exact release gives the host and ko a toolchain of
// their own; a minor ("1.26") leaves them the machine's go.
func TestExactGo(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want bool
	}{
		{"1.27.4", true},
		{"1.26.11", true},
		{"1.26", false},
		{"1.27rc1", false},
		{"go1.27.4", false},
		{"1.27.4 ", false},
	} {
		if got := exactGo.MatchString(tt.v); got != tt.want {
			t.Errorf("exactGo(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
