module github.com/gopherfile/gopherfile/examples/multi

go 1.26
