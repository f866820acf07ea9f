// Package arch holds the architecture test: the packages of the product form
// layers (pure data at the bottom, the BuildKit gateway above them, the
// binaries on top, the step helper on its own side of the stepconfig
// contract), and no import runs back up. It has no code of its own.
package arch
