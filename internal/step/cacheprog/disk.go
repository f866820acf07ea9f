package cacheprog

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The go command's on-disk build cache (GOCACHE), which every directory
// here uses, so that a go command without GOCACHEPROG (Go before 1.24, a
// compile step) reads and writes the same files: in <dir>/<first byte of
// the id in hex>/, "<action id>-a" holds one line
// "v1 <action id> <output id> <size, 20 wide> <unix nanoseconds, 20 wide>\n"
// and "<output id>-d" the output, whose SHA-256 is the output id.

// hashSize is the size of action and output ids (SHA-256).
const hashSize = sha256.Size

// entryLen is the length of an action entry line.
const entryLen = 2 + 1 + 2*hashSize + 1 + 2*hashSize + 1 + 20 + 1 + 20 + 1

// Timing of the go command's own cache maintenance, kept here: the mtime of
// a used entry is updated at most once an hour, and entries unused for five
// days are removed, at most once a day.
const (
	mtimeInterval = time.Hour
	trimInterval  = 24 * time.Hour
	trimLimit     = 5 * 24 * time.Hour
)

// entry is an action entry.
type entry struct {
	output [hashSize]byte
	size   int64
	time   time.Time
}

func fileName(dir string, id []byte, suffix string) string {
	return filepath.Join(dir, fmt.Sprintf("%02x", id[0]), hex.EncodeToString(id)+"-"+suffix)
}

// readEntry reads the action entry of id in dir; ok is false for a missing
// or malformed one.
func readEntry(dir string, id []byte) (entry, bool) {
	f, err := os.Open(fileName(dir, id, "a"))
	if err != nil {
		return entry{}, false
	}
	defer f.Close()
	buf := make([]byte, entryLen+1)
	n, _ := io.ReadFull(f, buf)
	if n != entryLen {
		return entry{}, false
	}
	line := string(buf[:n])
	fields := strings.Fields(line)
	if !strings.HasPrefix(line, "v1 ") || line[entryLen-1] != '\n' || len(fields) != 5 {
		return entry{}, false
	}
	if fields[1] != hex.EncodeToString(id) {
		return entry{}, false
	}
	var e entry
	out, err := hex.DecodeString(fields[2])
	if err != nil || len(out) != hashSize {
		return entry{}, false
	}
	copy(e.output[:], out)
	size, err1 := strconv.ParseInt(fields[3], 10, 64)
	nanos, err2 := strconv.ParseInt(fields[4], 10, 64)
	if err1 != nil || err2 != nil || size < 0 || nanos < 0 {
		return entry{}, false
	}
	e.size, e.time = size, time.Unix(0, nanos)
	return e, true
}

// bodyOK reports whether the output file of e exists in dir as a regular
// file of the recorded size whose SHA-256 is its output id: a truncated,
// corrupt or changed output is a miss, not a wrong build.
func bodyOK(dir string, e entry) (string, bool) {
	p := fileName(dir, e.output[:], "d")
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != e.size {
		return "", false
	}
	f, err := os.Open(p)
	if err != nil {
		return "", false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", false
	}
	return p, string(h.Sum(nil)) == string(e.output[:])
}

// put writes an output and its action entry into dir, each through a
// temporary file and a rename, so that a concurrent reader sees the old
// file or the new one, never a part. An existing output with the same id is
// kept (its content is fixed by the id); an existing action entry is
// replaced, as the go command does.
func put(dir string, id, output []byte, body []byte) (string, error) {
	if sum := sha256.Sum256(body); string(sum[:]) != string(output) {
		return "", errors.New("the body does not match its output id")
	}
	var e entry
	copy(e.output[:], output)
	e.size = int64(len(body))
	bodyPath, ok := bodyOK(dir, e)
	if !ok {
		bodyPath = fileName(dir, output, "d")
		if err := writeAtomic(bodyPath, body); err != nil {
			return "", err
		}
	}
	line := fmt.Sprintf("v1 %x %x %20d %20d\n", id, output, e.size, time.Now().UnixNano())
	if err := writeAtomic(fileName(dir, id, "a"), []byte(line)); err != nil {
		return "", err
	}
	return bodyPath, nil
}

// writeAtomic writes p through a temporary file in its directory.
func writeAtomic(p string, dt []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(dt)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o666)
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// copyEntry copies an action entry and its output from one cache
// directory to another.
func copyEntry(from, to string, id []byte, e entry) (string, error) {
	body, err := os.ReadFile(fileName(from, e.output[:], "d"))
	if err != nil {
		return "", err
	}
	return put(to, id, e.output[:], body)
}

// markUsed updates the mtime of a used entry, at most once an hour, as the
// go command does (trim keeps what was used).
func markUsed(p string, now time.Time) {
	if fi, err := os.Stat(p); err == nil && now.Sub(fi.ModTime()) >= mtimeInterval {
		os.Chtimes(p, now, now)
	}
}

// trim removes the entries of dir unused for trimLimit, at most once per
// trimInterval (dir/trim.txt holds the time of the last trim, as for the
// go command's own trims), and reports how many files it removed.
func trim(dir string, now time.Time) int {
	tf := filepath.Join(dir, "trim.txt")
	if dt, err := os.ReadFile(tf); err == nil {
		if t, err := strconv.ParseInt(strings.TrimSpace(string(dt)), 10, 64); err == nil {
			if d := now.Sub(time.Unix(t, 0)); d < trimInterval && d > -mtimeInterval {
				return 0
			}
		}
	}
	if err := writeAtomic(tf, []byte(strconv.FormatInt(now.Unix(), 10))); err != nil {
		return 0
	}
	cutoff := now.Add(-trimLimit - mtimeInterval)
	n := 0
	for i := 0; i < 256; i++ {
		sub := filepath.Join(dir, fmt.Sprintf("%02x", i))
		ents, err := os.ReadDir(sub)
		if err != nil {
			continue
		}
		for _, de := range ents {
			name := de.Name()
			if !strings.HasSuffix(name, "-a") && !strings.HasSuffix(name, "-d") {
				continue
			}
			if fi, err := de.Info(); err == nil && fi.ModTime().Before(cutoff) {
				if os.RemoveAll(filepath.Join(sub, name)) == nil {
					n++
				}
			}
		}
	}
	return n
}
