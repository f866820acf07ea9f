// Package schema embeds the JSON schema of the Gopherfile format,
// gopherfile.schema.json, which go run ./cmd/gfdocs generates from the types of
// package internal/spec. It lets an installed binary print the schema without
// the repository's sources.
package schema

import _ "embed"

// JSON is the JSON Schema (draft 2020-12) of a Gopherfile.
//
//go:embed gopherfile.schema.json
var JSON []byte
