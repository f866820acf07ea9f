package gitinfo

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// RangeReader is a Reader that can also read part of a file (pack files
// are large; one object of them is read).
type RangeReader interface {
	Reader
	ReadRange(name string, off, n int) ([]byte, error)
}

// objects reads objects of a repository's object store.
type objects struct {
	r   Reader
	dir string
}

var errNotFound = errors.New("object not found")

// loosePath is where a loose object would be.
func (o *objects) loosePath(sha string) string {
	if len(sha) < 3 {
		return path.Join(o.dir, sha)
	}
	return path.Join(o.dir, sha[:2], sha[2:])
}

// read returns an object's type and body, loose or packed.
func (o *objects) read(sha string) (string, []byte, error) {
	if !shaRE.MatchString(sha) {
		return "", nil, fmt.Errorf("%q is no object hash", sha)
	}
	if dt, err := o.r.ReadFile(o.loosePath(sha), maxSmall); err == nil {
		raw, err := inflate(dt, maxObject+64)
		if err != nil {
			return "", nil, err
		}
		hdr, body, ok := bytes.Cut(raw, []byte{0})
		if !ok {
			return "", nil, errors.New("a loose object without a header")
		}
		typ, _, _ := strings.Cut(string(hdr), " ")
		return typ, body, nil
	}
	rr, ok := o.r.(RangeReader)
	if !ok {
		return "", nil, errNotFound
	}
	entries, _ := o.r.ReadDir(path.Join(o.dir, "pack"))
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name, ".idx")
		if !ok || e.Dir {
			continue
		}
		off, err := idxLookup(rr, path.Join(o.dir, "pack", e.Name), sha)
		if err != nil {
			continue
		}
		return packEntry(rr, path.Join(o.dir, "pack", name+".pack"), off)
	}
	return "", nil, errNotFound
}

func inflate(dt []byte, max int) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(dt))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, int64(max)+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	if len(out) > max {
		return nil, errors.New("object too large")
	}
	return out, nil
}

// idxLookup finds an object's offset in a version 2 pack index.
func idxLookup(r RangeReader, idx, sha string) (int64, error) {
	want, _ := hex.DecodeString(sha)
	hdr, err := r.ReadRange(idx, 0, 8+256*4)
	if err != nil || len(hdr) < 8+256*4 || !bytes.Equal(hdr[:8], []byte{0xff, 't', 'O', 'c', 0, 0, 0, 2}) {
		return 0, errors.New("not a version 2 pack index")
	}
	fan := func(i int) int { return int(binary.BigEndian.Uint32(hdr[8+4*i:])) }
	total := fan(255)
	lo := 0
	if want[0] > 0 {
		lo = fan(int(want[0]) - 1)
	}
	hi := fan(int(want[0]))
	if hi < lo || hi > total || (hi-lo)*20 > maxPackIdx {
		return 0, errors.New("a broken pack index")
	}
	shas, err := r.ReadRange(idx, 8+256*4+lo*20, (hi-lo)*20)
	if err != nil || len(shas) < (hi-lo)*20 {
		return 0, errNotFound
	}
	pos := -1
	for i := 0; i < hi-lo; i++ {
		if bytes.Equal(shas[i*20:i*20+20], want) {
			pos = lo + i
			break
		}
	}
	if pos < 0 {
		return 0, errNotFound
	}
	offTable := 8 + 256*4 + total*24
	dt, err := r.ReadRange(idx, offTable+pos*4, 4)
	if err != nil || len(dt) < 4 {
		return 0, errNotFound
	}
	off := binary.BigEndian.Uint32(dt)
	if off&0x80000000 == 0 {
		return int64(off), nil
	}
	large := offTable + total*4 + int(off&0x7fffffff)*8
	dt, err = r.ReadRange(idx, large, 8)
	if err != nil || len(dt) < 8 {
		return 0, errNotFound
	}
	return int64(binary.BigEndian.Uint64(dt)), nil
}

// Pack object types.
var packTypes = map[byte]string{1: "commit", 2: "tree", 3: "blob", 4: "tag"}

// packEntry reads an undeltified object at off in a pack file.
func packEntry(r RangeReader, pack string, off int64) (string, []byte, error) {
	if off > 1<<40 {
		return "", nil, errors.New("a broken pack offset")
	}
	dt, err := r.ReadRange(pack, int(off), 32)
	if err != nil || len(dt) == 0 {
		return "", nil, errNotFound
	}
	typ, ok := packTypes[(dt[0]>>4)&7]
	if !ok {
		return "", nil, fmt.Errorf("a deltified pack object (type %d)", (dt[0]>>4)&7)
	}
	size := int(dt[0] & 15)
	n, shift := 1, 4
	for dt[n-1]&0x80 != 0 {
		if n >= len(dt) || shift > 35 {
			return "", nil, errors.New("a broken pack entry header")
		}
		size |= int(dt[n]&0x7f) << shift
		shift += 7
		n++
	}
	if size > maxObject {
		return "", nil, errors.New("object too large")
	}
	comp, err := r.ReadRange(pack, int(off)+n, size+size/2+1024)
	if err != nil {
		return "", nil, err
	}
	body, err := inflate(comp, size)
	if err != nil {
		return "", nil, err
	}
	if len(body) != size {
		return "", nil, errors.New("pack object size " + strconv.Itoa(len(body)) + ", header says " + strconv.Itoa(size))
	}
	return typ, body, nil
}
