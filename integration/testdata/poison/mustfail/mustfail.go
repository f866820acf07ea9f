// Package mustfail has a test that fails: a cached PASS for it can only be
// planted.
package mustfail
