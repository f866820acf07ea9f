// Package spec is a small spec package for the specdoc tests. It is not built.
package spec

// Spec is a whole test file.
type Spec struct {
	// Version of the format. Required; the only version is 1.
	Version int `yaml:"version"`

	// Name is a plain string, e.g. "demo". It may contain a pipe: a|b.
	Name string `yaml:"name,omitempty"`

	// Mode picks the behaviour: "fast" (default) skips checks; "safe" runs
	// them; "off" does nothing. Modes are not "levels".
	Mode Mode `yaml:"mode,omitempty"`

	// Wait is how long to wait.
	Wait Duration `yaml:"wait,omitempty"`

	// Waits are more of them.
	Waits []Duration `yaml:"waits,omitempty"`

	// Level is a named string type: "low" (the default), "high" or a number.
	Level Level `yaml:"level,omitempty"`

	// Verbose turns on logging.
	Verbose bool `yaml:"verbose,omitempty"`

	// Tags are words, like `a | b` or <tag>.
	Tags []string `yaml:"tags,omitempty"`

	// Env is a map of strings.
	Env map[string]string `yaml:"env,omitempty"`

	// Items lists the things.
	Items []Item `yaml:"items,omitempty"`

	// Output configures the output.
	Output *Output `yaml:"output,omitempty"`

	internal string // not exported: skipped

	Skipped string `yaml:"-"`

	NoTag string
}

// Level is a level.
type Level string

// Mode is a mode.
type Mode string

// The modes.
const (
	ModeFast Mode = "fast"
	ModeSafe Mode = "safe"
	ModeOff  Mode = "off"
)

// Duration is a duration.
type Duration string

// DurationPattern is its shape.
const DurationPattern = `^[0-9]+[smh]$`

// Tries counts attempts.
type Tries int

// Bounds of Tries; DefaultTries is neither.
const (
	MinTries     Tries = 1
	MaxTries     Tries = 9
	DefaultTries Tries = 3
)

// untyped constants of other names are ignored.
const other = "x"

// Item is one thing.
type Item struct {
	// ID of the item.
	ID string `yaml:"id"`

	// Retries is a pointer, so that 0 differs from unset. Default 3.
	Retries *int `yaml:"retries,omitempty"`

	// Tries is bounded.
	Tries *Tries `yaml:"tries,omitempty"`

	// Limits of the item.
	Limits Limits `yaml:"limits,omitempty"`
}

// Output is where things go.
type Output struct {
	// Dir is a directory.
	Dir string `yaml:"dir,omitempty"`

	// Limits are shared with items.
	Limits Limits `yaml:"limits,omitempty"`

	Counts map[string]int `yaml:"counts,omitempty"` // Counts per kind (a line comment).
}

// Limits bounds the work. It is reached from items and from output.
type Limits struct {
	// CPU in millicores.
	CPU int `yaml:"cpu,omitempty"`

	// Flags are switches.
	Flags []bool `yaml:"flags,omitempty"`
}
