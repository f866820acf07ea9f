// Package arch holds repository-wide structure tests, with no code of their
// own: the packages of the product form layers (pure data at the bottom, the
// BuildKit gateway above them, the binaries on top, the step helper on its
// own side of the stepconfig contract) and no import runs back up; every
// Gopherfile field path written in the product names a real field; go
// setting names are spelled in internal/goenv only (TestSettingNames); and
// no function is over 80 lines but the few listed in TestFuncLength's
// allow-list, which only shrinks.
package arch
