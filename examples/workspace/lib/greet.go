// Package lib is the workspace's library module: app imports it through
// go.work, without a require line or a replace directive.
package lib

// Greeting is what app prints.
func Greeting(name string) string {
	return "Hello, " + name + ", from the workspace module lib!"
}
