module github.com/gopherfile/gopherfile/examples/embed

go 1.26
