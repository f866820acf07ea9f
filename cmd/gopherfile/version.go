package main

import "github.com/gopherfile/gopherfile/internal/version"

func versionString() string { return version.Version }
