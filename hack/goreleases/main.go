// Command goreleases prints the rows of the Go release table
// (internal/plan/releases.go): the newest patch release of every Go minor
// line since 1.21 that the module proxy lists as golang.org/toolchain
// versions, with the h1 hashes of its linux/amd64 and linux/arm64
// toolchains from the checksum database (verified against the database's
// signed tree, as the go command verifies them). hack/go-releases.sh runs it.
package main

import (
	"bufio"
	"context"
	"fmt"
	"go/version"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/gopherfile/gopherfile/internal/gotoolchain"
)

// arches are the build platforms whose hashes the table carries.
var arches = []string{"amd64", "arm64"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "goreleases:", err)
		os.Exit(1)
	}
}

func goEnv(name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	goproxy, gosumdb := goEnv("GOPROXY"), goEnv("GOSUMDB")
	client := &http.Client{Timeout: time.Minute}
	newest, err := newestPatches(ctx, client, goproxy)
	if err != nil {
		return err
	}
	for _, v := range newest {
		minor := strings.TrimPrefix(version.Lang("go"+v), "go")
		var hashes []string
		for _, a := range arches {
			h, err := gotoolchain.LookupSum(ctx, client, goproxy, gosumdb, gotoolchain.Version(v, a))
			if err != nil {
				// Left out: a build of it verifies against the checksum
				// database instead.
				fmt.Fprintf(os.Stderr, "goreleases: go%s linux/%s left out of the table: %v\n", v, a, err)
				continue
			}
			hashes = append(hashes, fmt.Sprintf("%q: %q", a, h))
		}
		patch := strings.TrimPrefix(v, minor+".")
		fmt.Printf("\t{%q, %s, map[string]string{%s}},\n", minor, patch, strings.Join(hashes, ", "))
	}
	return nil
}

// newestPatches lists the newest patch release of each minor line since
// 1.21, from the first proxy of goproxy that lists golang.org/toolchain.
func newestPatches(ctx context.Context, client *http.Client, goproxy string) ([]string, error) {
	proxy, _, _ := strings.Cut(strings.Split(goproxy, "|")[0], ",")
	if !gotoolchain.HasProxy(proxy) {
		return nil, fmt.Errorf("GOPROXY=%s names no module proxy first", goproxy)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(proxy, "/")+"/"+gotoolchain.Module+"/@v/list", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("listing %s: %s", gotoolchain.Module, resp.Status)
	}
	newest := map[string]string{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "v0.0.1-go")
		if !ok {
			continue
		}
		v, ok = strings.CutSuffix(v, ".linux-amd64")
		if !ok || !version.IsValid("go"+v) || strings.Count(v, ".") != 2 || strings.ContainsAny(v, "rcbeta") {
			continue
		}
		lang := version.Lang("go" + v)
		if version.Compare(lang, "go1.21") < 0 {
			continue
		}
		if cur, ok := newest[lang]; !ok || version.Compare("go"+v, "go"+cur) > 0 {
			newest[lang] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var out []string
	for _, v := range newest {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return version.Compare("go"+out[i], "go"+out[j]) < 0 })
	return out, nil
}
