// Command hello is the smallest Gopherfile example: a CLI that greets.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
)

func main() {
	name := flag.String("name", "gopher", "who to greet")
	flag.Parse()
	fmt.Printf("Hello, %s! (built by Gopherfile, %s/%s, uid %d)\n", *name, runtime.GOOS, runtime.GOARCH, os.Getuid())
}
