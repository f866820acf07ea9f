// Command app is the main module of the workspace example.
package main

import (
	"flag"
	"fmt"

	"github.com/gopherfile/gopherfile/examples/workspace/lib"
)

func main() {
	name := flag.String("name", "gopher", "who to greet")
	flag.Parse()
	fmt.Println(lib.Greeting(*name))
}
