// Command colors prints its colors with the String method stringer writes
// (go generate): stringer comes from a golang.org/x/tools too old for the
// builder's Go, so the generate step fails with row 23 of the catalogue.
package main

import "fmt"

//go:generate go tool stringer -type=Color

// Color is a color.
type Color int

// The colors.
const (
	Red Color = iota
	Green
)

func main() { fmt.Println(Red, Green) }
