package main

import (
	"strings"
	"testing"
)

func TestBuildError(t *testing.T) {
	for _, tt := range []struct {
		name, out string
		want      []string
		notWant   []string
	}{
		{
			name: "diagnosis first, once",
			out: "#14 1.771 -golang.org/x/xerrors v0.0.0 h1:x=\n#14 1.773 go.mod and go.sum are not tidy (row 14, untidy go.mod). Fix it.\n" +
				"#14 ERROR: process \"/gopherfile/helper/gopherfile step\" did not complete successfully: exit code: 1\n" +
				"1.773 go.mod and go.sum are not tidy (row 14, untidy go.mod). Fix it.\nERROR: failed to solve: exit code: 1\n",
			want:    []string{"go.mod and go.sum are not tidy (row 14, untidy go.mod). Fix it.\n#14 ERROR", "ERROR: failed to solve"},
			notWant: []string{"#14 1.773", "xerrors"},
		},
		{name: "no error lines", out: "a\nb\nc\n", want: []string{"a\nb\nc"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := buildError(tt.out)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("buildError = %q, want %q in it", got, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("buildError = %q, want no %q", got, w)
				}
			}
			if strings.Count(got, "(row 14") > 1 {
				t.Errorf("the diagnosis twice: %q", got)
			}
		})
	}
}
