//go:build integration

package integration

import "os"

func removeFile(p string) error { return os.Remove(p) }
