module github.com/gopherfile/gopherfile/examples/server

go 1.26
