// Command generate prints colors whose String methods go generate writes
// with stringer, a tool declared in go.mod: color_string.go is not in the
// repository, Gopherfile's generate: step makes it during the build.
package main

import "fmt"

//go:generate go tool stringer -type=Color

// Color is a color of the rainbow.
type Color int

// The colors.
const (
	Red Color = iota
	Green
	Blue
)

func main() {
	for _, c := range []Color{Red, Green, Blue} {
		fmt.Println("color:", c)
	}
}
