// Command vulncheck prints the language a user prefers, from an
// Accept-Language value. It pins golang.org/x/text at v0.3.7, whose
// language.ParseAcceptLanguage has a known vulnerability (GO-2022-1059):
// the Gopherfile's vulncheck: setting finds it reachable from main.
package main

import (
	"fmt"
	"os"

	"golang.org/x/text/language"
)

var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println(version)
		return
	}
	accept := "fr-CH, fr;q=0.9, en;q=0.8"
	if len(os.Args) > 1 {
		accept = os.Args[1]
	}
	tags, _, err := language.ParseAcceptLanguage(accept)
	if err != nil || len(tags) == 0 {
		fmt.Println(language.English)
		return
	}
	fmt.Println(tags[0])
}
