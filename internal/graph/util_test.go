package graph

import (
	digest "github.com/opencontainers/go-digest"
)

func digestOf(dt []byte) digest.Digest { return digest.FromBytes(dt) }
