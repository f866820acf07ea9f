// Command embed prints a file it embeds from web/, a directory that is not
// in the repository: the Gopherfile's sources: copies the build context
// "web" there (built by the bake target web, or --build-context web=DIR).
package main

import (
	"embed"
	"fmt"
)

//go:embed web
var web embed.FS

func main() {
	dt, err := web.ReadFile("web/message.txt")
	if err != nil {
		panic(err)
	}
	fmt.Print(string(dt))
}
