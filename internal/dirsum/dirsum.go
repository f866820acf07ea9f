// Package dirsum computes go.sum's h1 hash of a module's files
// (golang.org/x/mod/sumdb/dirhash.Hash1) from their SHA-256 sums, taken
// while the files were written or copied, so that each file is read once.
package dirsum

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrNewline is dirhash's refusal of a file name with a newline (which
// would forge a line of the summary).
var ErrNewline = errors.New("file names with newlines are not supported")

// Hash1 is dirhash.Hash1 of the files whose hex SHA-256 sums are given by
// name (prefix/path, slash-separated): the SHA-256 of the sorted
// "sum  name" lines.
func Hash1(sums map[string]string) (string, error) {
	names := make([]string, 0, len(sums))
	for name := range sums {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		if strings.Contains(name, "\n") {
			return "", fmt.Errorf("%q: %w", name, ErrNewline)
		}
		fmt.Fprintf(h, "%s  %s\n", sums[name], name)
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}
