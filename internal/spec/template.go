package spec

import (
	"fmt"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/gopherfile/gopherfile/internal/goenv"
)

// MaxTemplateOutput bounds what one ldflags template expands to.
const MaxTemplateOutput = 64 << 10

// maxVerbWidth bounds a printf width or precision in a template, so that a
// template cannot make one call allocate megabytes.
const maxVerbWidth = 999

// Template fields an ldflags template may use, besides Arg.
var templateFields = []string{"Version", "Commit", "ShortCommit", "Date", "Os", "Arch", "Variant"}

// PlatformFields are the template values that differ per target platform.
var PlatformFields = []string{"Os", "Arch", "Variant"}

// templateFuncs are the functions an ldflags template may call: each returns
// a value bounded by its arguments.
var templateFuncs = []string{"printf", "print", "eq", "ne", "and", "or", "not"}

// refusedArg says why {{.Arg NAME}} may not read a build arg, "" when it
// may: the HTTP proxies, whose URLs often hold a password; the module
// download settings (GOPROXY with its credentials, GOAUTH's command...),
// which reach the download step only; BuildKit's own args (BUILDKIT_*) and
// Gopherfile's (GOPHERFILE_*). Compiled into a binary, any of these would
// travel with the image.
func refusedArg(name string) string {
	upper := strings.ToUpper(name)
	for _, p := range goenv.ProxyArgs {
		if upper == p {
			return "it is an HTTP proxy setting, whose URL may hold the proxy's password: a binary must not carry it"
		}
	}
	for _, v := range goenv.Vars {
		if upper == v.Name && strings.HasPrefix(v.Field, "modules.") {
			return "it is a module download setting (" + v.Field + "), which may hold credentials and reaches the download step only"
		}
	}
	if strings.HasPrefix(upper, "BUILDKIT_") || strings.HasPrefix(upper, ReservedEnvPrefix) {
		return "BuildKit's and Gopherfile's own build args configure the build, not the program"
	}
	return ""
}

// TemplateRef is a value an ldflags template uses: Field is one of
// templateFields or Arg; Arg is the build arg's name for Arg.
type TemplateRef struct {
	Field string
	Arg   string
}

// ParseTemplate parses an ldflags template and checks that it uses only
// .Version, .Commit, .ShortCommit, .Date, .Os, .Arch, .Variant, {{.Arg "NAME"}} with a constant name, if/else,
// and templateFuncs with printf widths up to maxVerbWidth: no range, with,
// define, template, variables or dot (which would print every build arg).
// Executing what it returns takes time bounded by the template's size. It
// returns the values the template uses, each once, in order.
func ParseTemplate(text string) (*template.Template, []TemplateRef, error) {
	t, err := template.New("ldflags").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, nil, fmt.Errorf("not a valid template: %s", strings.TrimPrefix(err.Error(), "template: "))
	}
	w := &templateWalker{}
	if t.Tree != nil && t.Root != nil {
		w.node(t.Root)
	}
	if w.err != nil {
		return nil, nil, w.err
	}
	return t, w.refs, nil
}

// CheckTemplate is ParseTemplate for validation.
func CheckTemplate(text string) error {
	if !strings.Contains(text, "{{") {
		return nil
	}
	_, _, err := ParseTemplate(text)
	return err
}

type templateWalker struct {
	refs []TemplateRef
	err  error
}

func (w *templateWalker) fail(format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf(format, args...)
	}
}

func (w *templateWalker) ref(r TemplateRef) {
	if !slices.Contains(w.refs, r) {
		w.refs = append(w.refs, r)
	}
}

func (w *templateWalker) node(n parse.Node) {
	if w.err != nil || n == nil {
		return
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.node(c)
		}
	case *parse.TextNode, *parse.CommentNode:
	case *parse.ActionNode:
		w.pipe(n.Pipe)
	case *parse.IfNode:
		w.pipe(n.Pipe)
		w.node(n.List)
		if n.ElseList != nil {
			w.node(n.ElseList)
		}
	case *parse.RangeNode:
		w.fail("{{range}} is not allowed in ldflags (a loop could expand without bound)")
	case *parse.WithNode:
		w.fail("{{with}} is not allowed in ldflags: use {{if .X}}...{{.X}}...{{end}}")
	case *parse.TemplateNode:
		w.fail("{{template}} and {{define}} are not allowed in ldflags")
	default:
		w.fail("%s is not allowed in ldflags", n)
	}
}

func (w *templateWalker) pipe(p *parse.PipeNode) {
	if w.err != nil || p == nil {
		return
	}
	if len(p.Decl) > 0 {
		w.fail("variables are not allowed in ldflags: use .Version, .Commit, .ShortCommit, .Date, .Os, .Arch, .Variant or .Arg \"NAME\" directly")
		return
	}
	for _, c := range p.Cmds {
		w.command(c)
	}
}

func (w *templateWalker) command(c *parse.CommandNode) {
	if len(c.Args) == 0 {
		return
	}
	switch first := c.Args[0].(type) {
	case *parse.FieldNode:
		if len(first.Ident) == 1 && first.Ident[0] == "Arg" {
			if len(c.Args) != 2 {
				w.fail(`.Arg takes one build arg name, as in {{.Arg "NAME"}}`)
				return
			}
			name, ok := c.Args[1].(*parse.StringNode)
			if !ok || name.Text == "" {
				w.fail(`.Arg takes a quoted build arg name, as in {{.Arg "NAME"}}, not %s`, c.Args[1])
				return
			}
			if why := refusedArg(name.Text); why != "" {
				w.fail(".Arg %q is refused: %s", name.Text, why)
				return
			}
			w.ref(TemplateRef{Field: "Arg", Arg: name.Text})
			return
		}
	case *parse.IdentifierNode:
		if !slices.Contains(templateFuncs, first.Ident) {
			w.fail("the function %s is not allowed in ldflags (allowed: %s)", first.Ident, strings.Join(templateFuncs, ", "))
			return
		}
		if first.Ident == "printf" {
			if len(c.Args) < 2 {
				w.fail("printf needs a format")
				return
			}
			format, ok := c.Args[1].(*parse.StringNode)
			if !ok {
				w.fail("printf's format must be a quoted string, not %s", c.Args[1])
				return
			}
			if err := checkFormat(format.Text); err != nil {
				w.fail("%v", err)
				return
			}
		}
		for _, a := range c.Args[1:] {
			w.arg(a)
		}
		return
	}
	for _, a := range c.Args {
		w.arg(a)
	}
}

func (w *templateWalker) arg(n parse.Node) {
	switch n := n.(type) {
	case *parse.FieldNode:
		if len(n.Ident) != 1 || !slices.Contains(templateFields, n.Ident[0]) {
			if len(n.Ident) == 1 && n.Ident[0] == "Arg" {
				w.fail(`write .Arg in parentheses with its name, as in (.Arg "NAME")`)
				return
			}
			w.fail("%s is not a template value: use .Version, .Commit, .ShortCommit, .Date, .Os, .Arch, .Variant or .Arg \"NAME\"", n)
			return
		}
		w.ref(TemplateRef{Field: n.Ident[0]})
	case *parse.PipeNode:
		w.pipe(n)
	case *parse.StringNode, *parse.NumberNode, *parse.BoolNode:
	case *parse.DotNode:
		w.fail("{{.}} is not allowed in ldflags: name the value, e.g. {{.Version}}")
	case *parse.VariableNode:
		w.fail("variables are not allowed in ldflags: use .Version, .Commit, .ShortCommit, .Date, .Os, .Arch, .Variant or .Arg \"NAME\" directly")
	case *parse.IdentifierNode:
		w.fail("the function %s must be called in parentheses", n.Ident)
	default:
		w.fail("%s is not allowed in ldflags", n)
	}
}

// checkFormat refuses printf verbs with a width or precision over
// maxVerbWidth, or given as an argument (*).
func checkFormat(f string) error {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		num := 0
		for ; i < len(f); i++ {
			c := f[i]
			switch {
			case c >= '0' && c <= '9':
				num = min(num*10+int(c-'0'), 1<<20)
				if num > maxVerbWidth {
					return fmt.Errorf("printf %q: widths and precisions above %d are not allowed in ldflags", f, maxVerbWidth)
				}
				continue
			case c == '*':
				return fmt.Errorf("printf %q: a width or precision from an argument (*) is not allowed in ldflags", f)
			case c == '.' || c == '+' || c == '-' || c == '#' || c == ' ' || c == '[' || c == ']':
				num = 0
				continue
			}
			break
		}
	}
	return nil
}
