package gomod

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gopherfile/gopherfile/internal/safefile"
)

func TestLoad(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	const mod = "module example.com/tool\n\ngo 1.22\n"
	tests := []struct {
		name    string
		tree    fstest.MapFS
		dir     string
		opt     LoadOptions
		want    Module
		wantErr string
	}{
		{name: "plain", tree: fstest.MapFS{"go.mod": file(mod)}, dir: ".", want: Module{}},
		{name: "no go.mod", tree: fstest.MapFS{"main.go": file("package main")}, dir: ".", wantErr: "there is no go.mod in the build context at go.mod"},
		{name: "no go.mod in the module dir", tree: fstest.MapFS{"go.mod": file(mod)}, dir: "svc", wantErr: "at svc/go.mod"},
		{name: "vendored", tree: fstest.MapFS{"go.mod": file(mod), "vendor/modules.txt": file("# x\n")}, dir: ".", want: Module{Vendored: true}},
		{name: "vendor/ before go 1.14 is not used", tree: fstest.MapFS{"go.mod": file("module m\n\ngo 1.13\n"), "vendor/modules.txt": file("")}, dir: ".", want: Module{}},
		{name: "vendor/ without a go line is used", tree: fstest.MapFS{"go.mod": file("module m\n"), "vendor/modules.txt": file("")}, dir: ".", want: Module{Vendored: true}},
		{
			name: "workspace: vendor/ of the module is not used",
			tree: fstest.MapFS{"go.work": file("go 1.22\n\nuse ./app\n"), "app/go.mod": file(mod), "app/vendor/modules.txt": file("")},
			dir:  "app", want: Module{Work: &Workspace{}},
		},
		{
			name: "workspace module missing",
			tree: fstest.MapFS{"go.work": file("go 1.22\n\nuse (\n\t./app\n\t./lib\n)\n"), "app/go.mod": file(mod)},
			dir:  "app", wantErr: "lib/go.mod is not in the build context",
		},
		{
			name: "local replace inside",
			tree: fstest.MapFS{"go.mod": file(mod + "replace example.com/lib => ./lib\n"), "lib/go.mod": file("module example.com/lib\n")},
			dir:  ".", want: Module{},
		},
		{name: "local replace missing", tree: fstest.MapFS{"go.mod": file(mod + "replace example.com/lib => ./lib\n")}, dir: ".", wantErr: "lib/go.mod is not in the build context"},
		{name: "local replace outside: the plan refuses it", tree: fstest.MapFS{"go.mod": file(mod + "replace example.com/lib => ../lib\n")}, dir: ".", want: Module{}},
		{name: "bad go.mod", tree: fstest.MapFS{"go.mod": file("modul x\n")}, dir: ".", wantErr: "reading go.mod"},
		{
			name: "default main: the root",
			tree: fstest.MapFS{"go.mod": file(mod), "main.go": file("package main\n\nfunc main() {}\n")},
			dir:  ".", opt: LoadOptions{DefaultMain: true}, want: Module{DefaultMain: "."},
		},
		{
			name: "default main: cmd/<module name>",
			tree: fstest.MapFS{"go.mod": file(mod), "lib.go": file("package tool\n"), "cmd/tool/main.go": file("package main\n\nfunc main() {}\n")},
			dir:  ".", opt: LoadOptions{DefaultMain: true}, want: Module{DefaultMain: "./cmd/tool"},
		},
		{name: "go.mod that is not a regular file", tree: fstest.MapFS{"go.mod": &fstest.MapFile{Mode: fs.ModeDevice}}, dir: ".", wantErr: "no go.mod"},
		{name: "go.mod too large", tree: fstest.MapFS{"go.mod": file(mod + strings.Repeat("\n", safefile.MaxGoMod))}, dir: ".", wantErr: "larger than 16 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Load(context.Background(), FSReader{FS: tt.tree}, tt.dir, tt.opt)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Vendored != tt.want.Vendored || m.DefaultMain != tt.want.DefaultMain || (m.Work == nil) != (tt.want.Work == nil) {
				t.Errorf("got vendored %v, default main %q, workspace %v; want %v, %q, %v", m.Vendored, m.DefaultMain, m.Work != nil, tt.want.Vendored, tt.want.DefaultMain, tt.want.Work != nil)
			}
		})
	}
}

func TestNoGoModError(t *testing.T) {
	_, err := Load(context.Background(), FSReader{FS: fstest.MapFS{}}, "svc", LoadOptions{})
	var nf *NoGoModError
	if !errors.As(err, &nf) || nf.Path != "svc/go.mod" {
		t.Fatalf("err = %v, want a NoGoModError for svc/go.mod", err)
	}
}
