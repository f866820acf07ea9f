// Package greet is shared by the api and worker binaries.
package greet

// Greeting is what both binaries print.
func Greeting(who string) string { return "hello from " + who }
