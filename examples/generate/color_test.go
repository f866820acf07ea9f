package main

import "testing"

// TestString needs color_string.go, which go generate writes: the test
// target runs on the generated tree too.
func TestString(t *testing.T) {
	if got := Blue.String(); got != "Blue" {
		t.Errorf("Blue.String() = %q", got)
	}
}
