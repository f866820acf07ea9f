package gosrc

import "strings"

// cgoModules are dependencies that need cgo, with what breaks without it.
// Most packages with cgo files have a pure Go fallback; these do not, or
// have one that only fails at run time. pkg, when set, is the one package
// of the module that needs cgo. gopherfile init and the build step
// of a Gopherfile that leaves cgo unset both go by this list.
var cgoModules = []struct{ module, pkg, why string }{
	{"github.com/mattn/go-sqlite3", "", "the SQLite driver github.com/mattn/go-sqlite3 is C code: built without cgo it fails at run time"},
	{"github.com/rqlite/go-sqlite3", "", "the SQLite driver github.com/rqlite/go-sqlite3 is C code"},
	{"github.com/mattn/go-oci8", "", "the Oracle driver github.com/mattn/go-oci8 needs cgo"},
	{"github.com/godror/godror", "", "the Oracle driver github.com/godror/godror needs cgo"},
	{"github.com/confluentinc/confluent-kafka-go", "", "confluent-kafka-go wraps the C library librdkafka"},
	{"github.com/DataDog/zstd", "", "github.com/DataDog/zstd wraps the C zstd library"},
	{"github.com/valyala/gozstd", "", "github.com/valyala/gozstd wraps the C zstd library"},
	{"github.com/linxGnu/grocksdb", "", "grocksdb wraps the C++ RocksDB library"},
	{"github.com/tecbot/gorocksdb", "", "gorocksdb wraps the C++ RocksDB library"},
	{"github.com/google/gopacket", "pcap", "gopacket/pcap wraps libpcap"},
	{"github.com/gopacket/gopacket", "pcap", "gopacket/pcap wraps libpcap"},
}

// KnownCgo says whether the package (or module) importPath is, or is in, a
// dependency known to need cgo, and why.
func KnownCgo(importPath string) (why string, ok bool) {
	for _, m := range cgoModules {
		p := m.module
		if m.pkg != "" {
			p += "/" + m.pkg
		}
		if importPath == p || strings.HasPrefix(importPath, p+"/") {
			return m.why, true
		}
	}
	return "", false
}

// MaybeKnownCgo says whether a go.mod, go.work or vendor/modules.txt may
// require a dependency known to need cgo: a quick test on its text before
// asking the go command which packages a build imports.
func MaybeKnownCgo(text string) bool {
	for _, m := range cgoModules {
		if strings.Contains(text, m.module) {
			return true
		}
	}
	return false
}
