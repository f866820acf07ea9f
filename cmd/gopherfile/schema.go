package main

import (
	"fmt"
	"io"

	"github.com/gopherfile/gopherfile/schema"
)

const schemaUsage = `Usage: gopherfile schema

Prints the JSON schema (draft 2020-12) of the Gopherfile format, for editors
and validators. The YAML language server reads it from a comment line:

  # yaml-language-server: $schema=` + schemaURL + `
`

func schemaCmd(args []string, stdout, stderr io.Writer) error {
	c := newCommand("schema", schemaUsage, stdout, stderr)
	positional, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return c.usageError("no arguments expected, got %q", positional)
	}
	if _, err := stdout.Write(schema.JSON); err != nil {
		return fmt.Errorf("writing the schema: %w", err)
	}
	return nil
}
