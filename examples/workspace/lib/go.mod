module github.com/gopherfile/gopherfile/examples/workspace/lib

go 1.26
