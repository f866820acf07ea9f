module github.com/gopherfile/gopherfile/examples/workspace/app

go 1.26
