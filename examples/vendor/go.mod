module github.com/gopherfile/gopherfile/examples/vendor

go 1.26

require golang.org/x/sync v0.22.0
