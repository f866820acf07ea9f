module github.com/gopherfile/gopherfile/examples/cgo

go 1.26
