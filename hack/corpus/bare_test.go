package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherfile/gopherfile/internal/plan"
)

func TestBareEligible(t *testing.T) {
	for _, tc := range []struct {
		gopherfile, module, main string
		ok                       bool
		why                      string
	}{
		{"version: 1\n", "filippo.io/age", "./cmd/age", true, ""},
		{"version: 1\n", "github.com/go-task/task/v3", "./cmd/task", true, ""},
		{"version: 1\n", "github.com/junegunn/fzf", ".", true, ""},
		{"version: 1\n", "mvdan.cc/sh/v3", "./cmd/shfmt", false, "neither the module root nor cmd/sh"},
		{"version: 1\nmodule: etcdctl\n", "go.etcd.io/etcd/etcdctl/v3", ".", false, "the main module is in etcdctl"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "Gopherfile"), []byte(tc.gopherfile), 0o644); err != nil {
			t.Fatal(err)
		}
		p := &plan.Plan{Binaries: []plan.Binary{{Main: tc.main}}}
		ok, why := bareEligible(dir, p, tc.module)
		if ok != tc.ok || !strings.Contains(why, tc.why) {
			t.Errorf("%s %s: got %v %q, want %v %q", tc.module, tc.main, ok, why, tc.ok, tc.why)
		}
	}
}
