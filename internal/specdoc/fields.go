package specdoc

// FieldDoc is one field of the Gopherfile format.
type FieldDoc struct {
	// Doc is the field's doc comment, one paragraph.
	Doc string
	// Map is true for a map field, whose keys extend the path (env.NAME).
	Map bool
}

// Fields returns every field of the format by its path, as errors and
// positions name them with the indexes left out: "version", "image.base",
// "builds[].main", "env" (a map: its entries are "env.NAME").
func Fields(specDir string) (map[string]FieldDoc, error) {
	m, err := load(specDir)
	if err != nil {
		return nil, err
	}
	out := map[string]FieldDoc{}
	// Every struct type is one section, but a type may be reached at more
	// than one path (a type used twice): walk from the top instead.
	var walk func(st *structType, prefix string)
	walk = func(st *structType, prefix string) {
		for _, f := range st.fields {
			p := f.name
			if prefix != "" {
				p = prefix + "." + f.name
			}
			out[p] = FieldDoc{Doc: f.doc, Map: f.typ.kind == kindMap}
			switch {
			case f.typ.kind == kindStruct:
				walk(m.structs[f.typ.name], p)
			case f.typ.kind == kindList && f.typ.elem.kind == kindStruct:
				walk(m.structs[f.typ.elem.name], p+"[]")
			}
		}
	}
	walk(m.structs[RootType], "")
	return out, nil
}
