module example.com/colors

go 1.24

tool golang.org/x/tools/cmd/stringer

require (
	golang.org/x/mod v0.20.0 // indirect
	golang.org/x/sync v0.8.0 // indirect
	golang.org/x/tools v0.24.0 // indirect
)
