// Command worker is one of two binaries in the multi example.
package main

import (
	"fmt"

	"github.com/gopherfile/gopherfile/examples/multi/internal/greet"
)

func main() { fmt.Println(greet.Greeting("worker")) }
