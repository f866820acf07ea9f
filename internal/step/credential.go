package step

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopherfile/gopherfile/internal/stepconfig"
)

// gitCredential is git's credential helper (git config credential.helper):
// for "get" it answers the token of the secret GIT_AUTH_TOKEN.<host> in the
// secret directory given as the first argument. It never writes the token
// anywhere but to git.
func gitCredential(args []string, in io.Reader, out io.Writer) int {
	if len(args) < 2 || args[len(args)-1] != "get" {
		return 0 // store and erase: nothing to do
	}
	dir := args[0]
	host := ""
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		if k == "host" {
			host = v
		}
	}
	if host == "" || strings.ContainsAny(host, "/\\") || strings.HasPrefix(host, ".") {
		return 0
	}
	dt, err := os.ReadFile(filepath.Join(dir, stepconfig.SecretGitTokenPrefix+host))
	if err != nil {
		return 0
	}
	tok := strings.TrimSpace(string(dt))
	if tok == "" || strings.ContainsAny(tok, "\n\r") {
		return 0
	}
	fmt.Fprintf(out, "username=x-access-token\npassword=%s\n", tok)
	return 0
}
