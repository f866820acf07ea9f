// Package greet is what the attacker wants to replace in the image.
package greet

// Hello greets.
func Hello() string { return "hello, trusted" }
