package main

import (
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client"
)

// toolchainFetched is the step helper's line after it fetched the Go
// toolchain from the module proxy.
var toolchainFetched = regexp.MustCompile(`Go toolchain (golang\.org/toolchain@\S+) \(([0-9.]+) (MB|kB)\) fetched`)

// pulledFromLog is what a BuildKit build downloaded, from its --progress
// rawjson log: the layers of the images it pulled (each layer download
// status, sha256:…, counted once at its total) and the toolchain zips the
// step helper fetched; names lists the images (the vertices the layers
// belong to) and the toolchains.
func pulledFromLog(path string) (int64, []string) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	vertexNames := map[string]string{}
	layers := map[string]int64{}
	layerVertex := map[string]string{}
	var logs strings.Builder
	eachStatus(f, func(msg *client.SolveStatus) {
		for _, v := range msg.Vertexes {
			if v.Name != "" {
				vertexNames[v.Digest.String()] = v.Name
			}
		}
		for _, st := range msg.Statuses {
			if strings.HasPrefix(st.ID, "sha256:") && st.Total > 0 {
				layers[st.ID] = st.Total
				layerVertex[st.ID] = st.Vertex.String()
			}
		}
		for _, l := range msg.Logs {
			logs.Write(l.Data)
		}
	})
	var total int64
	seen := map[string]bool{}
	var names []string
	for id, n := range layers {
		total += n
		if name := vertexNames[layerVertex[id]]; name != "" && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	for _, m := range toolchainFetched.FindAllStringSubmatch(logs.String(), -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := 1e6
		if m[3] == "kB" {
			unit = 1e3
		}
		total += int64(v * unit)
		names = append(names, m[1]+" (module proxy)")
	}
	sort.Strings(names)
	return total, names
}
