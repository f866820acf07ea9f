//go:build integration

package integration

import "os"

func removeFile(p string) error { return os.Remove(p) }

func readFile(t interface{ Fatal(...any) }, p string) string {
	dt, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(dt)
}
