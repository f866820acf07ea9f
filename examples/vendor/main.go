// Command vendor hashes its arguments concurrently with
// golang.org/x/sync/errgroup, which is vendored: the build never downloads it.
package main

import (
	"crypto/sha256"
	"fmt"
	"os"

	"golang.org/x/sync/errgroup"
)

func main() {
	words := os.Args[1:]
	if len(words) == 0 {
		words = []string{"gopher"}
	}
	sums := make([]string, len(words))
	var g errgroup.Group
	for i, w := range words {
		g.Go(func() error {
			sums[i] = fmt.Sprintf("%x", sha256.Sum256([]byte(w)))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i, w := range words {
		fmt.Printf("sha256(%s) = %s (vendored golang.org/x/sync/errgroup)\n", w, sums[i][:16])
	}
}
