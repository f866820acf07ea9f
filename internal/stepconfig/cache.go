package stepconfig

// CachePolicy is which build cache (GOCACHE) the steps of a kind write and
// read (docs/caches.md). Every kind has one in the table of kinds: the
// zero value is no decision, which a test refuses.
type CachePolicy int

const (
	// CacheUndecided is the zero value: a kind without a decided policy.
	CacheUndecided CachePolicy = iota
	// CacheNone: the step compiles nothing worth keeping (or runs no go
	// command); GOCACHE, if any, is a directory thrown away with the step.
	CacheNone
	// CacheCompile: the step runs only the builder's Go toolchain on the
	// sources, so it writes the compile cache shared by every project with
	// the same toolchain and platform (Go keys entries by their inputs).
	// When its settings name a program the tree chose (toolexec, a vettool,
	// a C compiler...), it is CacheOwn instead.
	CacheCompile
	// CacheOwn: the step runs the tree's code or a program other than the
	// builder's Go toolchain: it writes a cache of its own (per module) and
	// reads the shared compile cache, read-only, through GOCACHEPROG; it
	// never writes a cache that another project's step or a compile reads.
	CacheOwn
	// CacheOutput: the step's GOCACHE is its own output (the dependency
	// compile of cache.build: layer, which a registry cache carries); it
	// reads the shared compile cache and, like CacheCompile, adds to it
	// only when it runs the Go toolchain alone.
	CacheOutput
)

// String names the policy for test failures and notes.
func (c CachePolicy) String() string {
	switch c {
	case CacheNone:
		return "none"
	case CacheCompile:
		return "shared compile cache"
	case CacheOwn:
		return "own cache"
	case CacheOutput:
		return "output"
	}
	return "undecided"
}

// Cache is how a go step uses the build cache (docs/caches.md). GOCACHE is
// Dir. When Read or Also is set, the step helper is also GOCACHEPROG
// (`<helper> step cacheprog`, Go 1.24 and newer): gets look in Dir, then in
// each of Read; puts go to Dir (and Also). Go before 1.24 ignores
// GOCACHEPROG and uses Dir alone.
type Cache struct {
	// Dir is the cache the step writes.
	Dir string `json:"dir"`
	// Read are caches the step only reads, mounted read-only.
	Read []string `json:"read,omitempty"`
	// Copy copies what the step finds in Read into Dir (the dependency
	// compile step, whose output must hold everything it used).
	Copy bool `json:"copy,omitempty"`
	// Also is a cache every put goes to besides Dir ("" for none).
	Also string `json:"also,omitempty"`
	// Note says for the step's log which caches these are and why.
	Note string `json:"note,omitempty"`
}

// CacheProgArg is the helper's argument (after Arg) that makes it the go
// command's GOCACHEPROG.
const CacheProgArg = "cacheprog"

// ModViewOpts are the module view step's.
type ModViewOpts struct {
	// Src is the shared module cache (mounted read-only), Dst the view.
	Src string `json:"src"`
	Dst string `json:"dst"`
	// SumFiles are the go.sum and go.work.sum files, relative to the
	// record's SrcDir.
	SumFiles []string `json:"sumFiles"`
	// Toolchains are golang.org/toolchain versions to copy too, checked
	// against their own .ziphash (GOTOOLCHAIN is not local: the go
	// command may switch to one of them).
	Toolchains []string `json:"toolchains,omitempty"`
	// Part is which files of each module the view holds: "build" (no
	// _test.go files, no testdata directories) or "all".
	Part string `json:"part,omitempty"`
	// Early is the view made while the download step runs: it copies the
	// modules the shared cache already holds (from other builds), reads
	// no download record and reports nothing missing. The view after the
	// download starts from it and copies the rest.
	Early bool `json:"early,omitempty"`
}
