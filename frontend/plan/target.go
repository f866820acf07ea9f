package plan

import "slices"

// binaryImage is the image of one build alone (--target <build name>): the
// image of the whole Gopherfile, with that binary as the entrypoint. The
// cmd stays when the Gopherfile's entrypoint is that binary already (it is
// that binary's arguments), and is dropped otherwise.
func binaryImage(img Image, bins []Binary, name string) Image {
	var b Binary
	for _, x := range bins {
		if x.Name == name {
			b = x
		}
	}
	runsIt := len(img.Entrypoint) > 0 && img.Entrypoint[0] == b.Output
	if !runsIt {
		img.Entrypoint = []string{b.Output}
		img.Cmd = nil
	}
	return img
}

// onlyBinary is the binary named name, alone.
func onlyBinary(bins []Binary, name string) []Binary {
	i := slices.IndexFunc(bins, func(b Binary) bool { return b.Name == name })
	return []Binary{bins[i]}
}
