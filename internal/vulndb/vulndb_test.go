package vulndb

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func osvEntry(id, module string, events string) string {
	return `{"schema_version":"1.3.1","id":"` + id + `","modified":"0001-01-01T00:00:00Z","aliases":["CVE-1"],
"affected":[{"package":{"name":"` + module + `","ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":` + events + `}]}]}`
}

func TestConvert(t *testing.T) {
	at := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)
	src := fstest.MapFS{
		"data/osv/GO-2022-1059.json": {Data: []byte(osvEntry("GO-2022-1059", "golang.org/x/text", `[{"introduced":"0"},{"fixed":"0.3.8"}]`))},
		"data/osv/GO-2021-0001.json": {Data: []byte(osvEntry("GO-2021-0001", "golang.org/x/text", `[{"introduced":"0"},{"fixed":"0.3.3"},{"introduced":"0.3.5"}]`))},
		"data/osv/GO-2023-0002.json": {Data: []byte(osvEntry("GO-2023-0002", "stdlib", `[{"introduced":"0"},{"fixed":"1.20.1"}]`))},
		"data/osv/README.md":         {Data: []byte("not an entry")},
	}
	dst := t.TempDir()
	meta, err := Convert(src, dst, "v0.0.0-20261105234957-e22db6528018", at)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Entries != 3 || meta.Modules != 2 || !meta.Time.Equal(at) {
		t.Errorf("meta %+v", meta)
	}
	read := func(name string) string {
		dt, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(dt)
	}
	if got, want := read("index/db.json"), `{"modified":"2026-11-05T23:49:57Z"}`; got != want {
		t.Errorf("db.json = %s, want %s", got, want)
	}
	var mods []moduleMeta
	if err := json.Unmarshal([]byte(read("index/modules.json")), &mods); err != nil {
		t.Fatal(err)
	}
	if len(mods) != 2 || mods[0].Path != "golang.org/x/text" || mods[1].Path != "stdlib" {
		t.Fatalf("modules.json %+v", mods)
	}
	// Sorted by ID; a vulnerability introduced again after its last fix has no fixed version.
	if v := mods[0].Vulns; len(v) != 2 || v[0].ID != "GO-2021-0001" || v[0].Fixed != "" || v[1].Fixed != "0.3.8" {
		t.Errorf("x/text vulns %+v", v)
	}
	if !strings.Contains(read("index/vulns.json"), `{"id":"GO-2021-0001","modified":"2026-11-05T23:49:57Z","aliases":["CVE-1"]}`) {
		t.Errorf("vulns.json %s", read("index/vulns.json"))
	}
	// Entries are copied unchanged.
	if read("ID/GO-2022-1059.json") != string(src["data/osv/GO-2022-1059.json"].Data) {
		t.Error("the entry was changed")
	}
	back, err := ReadMeta(dst)
	if err != nil || back.Version != meta.Version || back.Entries != 3 {
		t.Errorf("ReadMeta = %+v, %v", back, err)
	}
}

func TestConvertRefusesBadInput(t *testing.T) {
	for name, src := range map[string]fstest.MapFS{
		"id and file name differ": {"data/osv/GO-2022-0001.json": {Data: []byte(osvEntry("GO-2022-0002", "m", `[]`))}},
		"path in the id":          {"data/osv/GO-2022-0001.json": {Data: []byte(osvEntry("../../x", "m", `[]`))}},
		"not JSON":                {"data/osv/GO-2022-0001.json": {Data: []byte("{")}},
		"too large":               {"data/osv/GO-2022-0001.json": {Data: make([]byte, MaxEntrySize+1)}},
		"no entries":              {"data/osv/README.md": {Data: []byte("x")}},
		"no data/osv":             {"go.mod": {Data: []byte("module golang.org/x/vulndb")}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Convert(src, t.TempDir(), "v1.0.0", time.Now()); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestLatestFixed(t *testing.T) {
	r := func(events string) []osvRange {
		var out []osvRange
		if err := json.Unmarshal([]byte(`[{"type":"SEMVER","events":`+events+`}]`), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tc := range []struct{ events, want string }{
		{`[{"introduced":"0"},{"fixed":"0.3.8"}]`, "0.3.8"},
		{`[{"introduced":"0"},{"fixed":"1.2.0"},{"introduced":"1.3.0"},{"fixed":"1.10.0"}]`, "1.10.0"},
		{`[{"introduced":"0"},{"fixed":"1.2.0"},{"introduced":"1.3.0"}]`, ""},
		{`[{"introduced":"0"}]`, ""},
		{`[{"introduced":"0"},{"fixed":"0.0.0-20220906165146-f3363e06e74c"}]`, "0.0.0-20220906165146-f3363e06e74c"},
	} {
		if got := LatestFixed(r(tc.events)); got != tc.want {
			t.Errorf("LatestFixed(%s) = %q, want %q", tc.events, got, tc.want)
		}
	}
}

func TestAge(t *testing.T) {
	m := Meta{Time: time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)}
	if got := m.Age(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)); got != 31 {
		t.Errorf("Age = %d, want 31", got)
	}
}
