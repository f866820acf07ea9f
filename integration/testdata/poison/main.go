// Command poisoned prints what greet says: "hello, trusted", unless a
// planted build cache entry made it link another greet.
package main

import (
	"fmt"

	"example.com/poisoned/greet"
)

func main() { fmt.Println(greet.Hello()) }
