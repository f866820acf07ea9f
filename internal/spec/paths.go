package spec

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"
)

// nameRE is a binary name: a plain file name.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// MaxNameLen bounds a binary name.
const MaxNameLen = 128

// pathChars are the characters a main package or a binary output may have
// besides ASCII letters and digits: enough for any Go package directory, and
// nothing a shell, a flag parser or a YAML reader would treat specially.
const pathChars = "/._-~+"

// badPathChar returns the first character of p that is not an ASCII letter,
// digit or one of pathChars.
func badPathChar(p string) (rune, bool) {
	for _, c := range p {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(pathChars, c)) {
			continue
		}
		return c, true
	}
	return 0, false
}

// controlChar returns the first control character of s (NUL, newline, tab,
// escape, DEL, ...).
func controlChar(s string) (rune, bool) {
	for _, c := range s {
		if unicode.IsControl(c) {
			return c, true
		}
	}
	return 0, false
}

// describeChar names a character for an error message.
func describeChar(c rune) string {
	switch c {
	case ' ':
		return "a space"
	case '\n':
		return "a newline"
	case 0:
		return "a NUL byte"
	}
	if unicode.IsControl(c) {
		return fmt.Sprintf("the control character %q", c)
	}
	return fmt.Sprintf("%q", c)
}

// checkRelDir accepts a clean relative directory inside the context.
func checkRelDir(p string) error {
	if c, bad := controlChar(p); bad {
		return fmt.Errorf("%s contains %s", quote(p), describeChar(c))
	}
	if path.IsAbs(p) || strings.Contains(p, "\\") {
		return fmt.Errorf("%s must be a relative path with forward slashes", quote(p))
	}
	c := path.Clean(p)
	if c == ".." || strings.HasPrefix(c, "../") {
		return fmt.Errorf("%s is outside the build context", quote(p))
	}
	return nil
}

// checkMain accepts a main package directory: relative, inside the module,
// one package, of safe characters.
func checkMain(p string) error {
	if err := checkRelDir(p); err != nil {
		return err
	}
	if strings.Contains(p, "...") {
		return fmt.Errorf("%s is a package pattern; name one main package", quote(p))
	}
	if c, bad := badPathChar(p); bad {
		return fmt.Errorf("%s contains %s, which a package directory here may not have (only letters, digits and %s)", quote(p), describeChar(c), spaced(pathChars))
	}
	return nil
}

// checkName accepts a binary name: a plain file name.
func checkName(n string) error {
	if len(n) > MaxNameLen {
		return fmt.Errorf("the name is %d bytes long, more than %d", len(n), MaxNameLen)
	}
	if !nameRE.MatchString(n) {
		for i, c := range n {
			if i == 0 && !(c < 0x80 && unicode.IsLetter(c) || unicode.IsDigit(c) && c < 0x80) {
				return fmt.Errorf("%s is not a valid binary name: it must start with a letter or digit", quote(n))
			}
			if !(c < 0x80 && (unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("._-", c))) {
				return fmt.Errorf("%s is not a valid binary name: it contains %s", quote(n), describeChar(c))
			}
		}
		return fmt.Errorf("%s is not a valid binary name", quote(n))
	}
	return nil
}

// CheckImagePath accepts a clean absolute path inside the image that is not the
// root, nor in a directory the container runtime mounts over.
func CheckImagePath(p string) error {
	if c, bad := controlChar(p); bad {
		return fmt.Errorf("%s contains %s", quote(p), describeChar(c))
	}
	if !path.IsAbs(p) {
		return fmt.Errorf("%s is not an absolute path", quote(p))
	}
	c := path.Clean(p)
	if c == "/" {
		return fmt.Errorf("%s is the image root, not a file", quote(p))
	}
	if strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") {
		return fmt.Errorf("%s contains ..", quote(p))
	}
	for _, m := range runtimeMounts {
		if c == m || strings.HasPrefix(c, m+"/") {
			return fmt.Errorf("%s is inside %s, which the container runtime mounts over: what the image has there is hidden", quote(p), m)
		}
	}
	return nil
}

// runtimeMounts are the directories a container runtime mounts at start.
var runtimeMounts = []string{"/proc", "/sys", "/dev"}

// systemPaths are the directories and files of a base image (or of the
// scratch extras Gopherfile adds) that a binary may not replace: a binary
// there breaks the image.
var systemPaths = map[string]bool{
	"/bin": true, "/sbin": true, "/lib": true, "/lib32": true, "/lib64": true, "/libx32": true,
	"/usr": true, "/usr/bin": true, "/usr/sbin": true, "/usr/lib": true, "/usr/lib64": true, "/usr/libexec": true,
	"/usr/local": true, "/usr/local/bin": true, "/usr/local/sbin": true, "/usr/local/lib": true,
	"/usr/share": true, "/usr/share/zoneinfo": true, "/usr/share/ca-certificates": true,
	"/etc": true, "/etc/ssl": true, "/etc/ssl/certs": true, "/etc/ssl/certs/ca-certificates.crt": true,
	"/etc/passwd": true, "/etc/group": true, "/etc/shadow": true, "/etc/gshadow": true,
	"/etc/hosts": true, "/etc/hostname": true, "/etc/resolv.conf": true, "/etc/nsswitch.conf": true,
	"/etc/os-release": true, "/etc/localtime": true, "/etc/timezone": true, "/etc/ld.so.cache": true, "/etc/ld.so.conf": true,
	"/tmp": true, "/var": true, "/var/tmp": true, "/var/run": true, "/var/lib": true, "/var/cache": true, "/var/log": true,
	"/run": true, "/home": true, "/home/nonroot": true, "/root": true, "/opt": true, "/srv": true, "/mnt": true, "/media": true, "/boot": true,
}

// outputProblem says what is wrong with a binary's path in the image, and what
// to do, or "": it must pass CheckImagePath, be clean, have only safe
// characters, and not be a system directory or file.
func outputProblem(p string) (msg, hint string) {
	if err := CheckImagePath(p); err != nil {
		return err.Error(), "write an absolute path in the image, e.g. /usr/local/bin/server"
	}
	if c := path.Clean(p); c != p {
		return fmt.Sprintf("%s is not a clean path", quote(p)), fmt.Sprintf("write it as %s", c)
	}
	if c, bad := badPathChar(p); bad {
		return fmt.Sprintf("%s contains %s, which a binary's path here may not have (only letters, digits and %s)", quote(p), describeChar(c), spaced(pathChars)),
			"e.g. /usr/local/bin/server"
	}
	if systemPaths[p] {
		return fmt.Sprintf("%s is a directory or file the image needs: the binary would replace it and break the image", p),
			fmt.Sprintf("write the binary's own path, e.g. %s", path.Join(DefaultBinDir, "server"))
	}
	return "", ""
}

// spaced writes chars as `"/", ".", ...`.
func spaced(chars string) string {
	var parts []string
	for _, c := range chars {
		parts = append(parts, fmt.Sprintf("%q", c))
	}
	return strings.Join(parts, " ")
}
