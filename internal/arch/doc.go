// Package arch holds repository-wide structure tests, with no code of their
// own: the packages of the product form layers (pure data at the bottom, the
// BuildKit gateway above them, the binaries on top, the step helper on its
// own side of the stepconfig contract) and no import runs back up; and every
// Gopherfile field path written in the product names a real field.
package arch
