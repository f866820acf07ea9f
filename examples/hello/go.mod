module github.com/gopherfile/gopherfile/examples/hello

go 1.26
