package scanfile

import (
	"encoding/binary"
	"io"
	"sort"
)

// A TIFF holds one image directory (IFD) per page, chained by offsets; every offset is
// absolute. A page is handed out as a new single-page TIFF holding that directory's
// decoding tags and its own strips or tiles only, so a page costs its own bytes, never
// the whole file's, and nothing a decoder reads lies outside what was checked.

type bytesAt []byte

func (b bytesAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	raw      [4]byte // the value, or its offset when it does not fit
}

type tiffPage struct {
	entries []tiffEntry
	size    Size
	offsets []int64 // strips or tiles
	lengths []int64
	tiled   bool
	bytes   int64 // the page's strips or tiles, summed
	used    int64 // every byte of the file the page takes: data, tables and tag values
	err     error // a page no decoder should see, with the reason
}

type tiffFile struct {
	bo    binary.ByteOrder
	src   io.ReaderAt
	size  int64
	pages []tiffPage
	tail  error // the chain breaks after the pages listed
}

var tiffTypeSize = map[uint16]int64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

// The tags a decoder needs to draw a page; everything else (EXIF, XMP, sub-images,
// free lists, private tags) is left behind.
var tiffKeep = map[uint16]bool{
	256: true, 257: true, 258: true, 259: true, 262: true, 266: true, 273: true, 274: true,
	277: true, 278: true, 279: true, 282: true, 283: true, 284: true, 292: true, 293: true,
	296: true, 317: true, 320: true, 322: true, 323: true, 324: true, 325: true, 338: true,
	339: true, 347: true, 529: true, 530: true, 531: true, 532: true,
}

const (
	// tiffShareSlack is how much of the file each page may share with others (a
	// colour map or JPEG tables written once for all pages).
	tiffShareSlack  = 4096
	maxIFDEntries   = 1024
	maxStrips       = 1 << 17
	maxTagValueSize = 1 << 20
)

// parseTIFF reads the chain of image directories (only the directories and their
// strip tables, never the pixels) and checks each page's declared size and data.
func parseTIFF(src io.ReaderAt, size int64, maxPages int) (*tiffFile, error) {
	var hdr [8]byte
	if n, _ := src.ReadAt(hdr[:], 0); n < 8 {
		return nil, fail(CodeTruncated, "the TIFF file is cut short; scan the sheets again")
	}
	t := &tiffFile{bo: binary.LittleEndian, src: src, size: size}
	if hdr[0] == 'M' {
		t.bo = binary.BigEndian
	}
	off := int64(t.bo.Uint32(hdr[4:]))
	seen := map[int64]bool{}
	for off != 0 {
		if len(t.pages) >= maxPages {
			if maxPages < MaxPages {
				return t, nil // the caller asked for the first pages only
			}
			return nil, fail(CodeTooManyPages, "the file holds more than %d pages; tarazy reads at most %d pages from one file: scan the stack in smaller batches", MaxPages, MaxPages)
		}
		if seen[off] || off < 8 || off+2 > size {
			if len(t.pages) == 0 {
				return nil, fail(CodeDamaged, "the TIFF file is damaged or cut short; scan the sheets again")
			}
			t.tail = fail(CodeDamaged, "the TIFF file is damaged after page %d; scan the remaining sheets again", len(t.pages))
			break
		}
		seen[off] = true
		p, next, err := t.readIFD(off)
		if err != nil {
			if len(t.pages) == 0 {
				return nil, err
			}
			t.tail = fail(CodeDamaged, "the TIFF file is damaged after page %d; scan the remaining sheets again", len(t.pages))
			break
		}
		t.pages = append(t.pages, p)
		off = next
	}
	if len(t.pages) == 0 {
		return nil, fail(CodeDamaged, "the TIFF file holds no page; scan the sheets again")
	}
	// Pages may not share or overlap their data: a file whose pages all point at the
	// same large strip would cost its size once per page.
	var total int64
	for _, p := range t.pages {
		total += p.used
	}
	if total > size+int64(len(t.pages))*tiffShareSlack {
		return nil, fail(CodeDamaged, "the TIFF file's pages share their picture data (%d bytes of pages in a %d-byte file): the file is damaged or was not written by a scanner; scan the sheets again", total, size)
	}
	return t, nil
}

func (t *tiffFile) read(off, n int64) ([]byte, bool) {
	if off < 0 || n < 0 || off+n > t.size {
		return nil, false
	}
	b := make([]byte, n)
	if got, _ := t.src.ReadAt(b, off); int64(got) < n {
		return nil, false
	}
	return b, true
}

func (t *tiffFile) readIFD(off int64) (tiffPage, int64, error) {
	damaged := fail(CodeDamaged, "the TIFF file is damaged or cut short; scan the sheets again")
	cb, ok := t.read(off, 2)
	if !ok {
		return tiffPage{}, 0, damaged
	}
	n := int64(t.bo.Uint16(cb))
	if n == 0 || n > maxIFDEntries {
		return tiffPage{}, 0, damaged
	}
	eb, ok := t.read(off+2, 12*n+4)
	if !ok {
		return tiffPage{}, 0, damaged
	}
	var p tiffPage
	bps, spp := int64(1), int64(1)
	for i := int64(0); i < n; i++ {
		e := eb[12*i:]
		en := tiffEntry{tag: t.bo.Uint16(e), typ: t.bo.Uint16(e[2:]), count: t.bo.Uint32(e[4:])}
		copy(en.raw[:], e[8:12])
		if p.find(en.tag) != nil || tiffTypeSize[en.typ] == 0 {
			continue // a repeated tag (decoders take the first) or one of no known type
		}
		p.entries = append(p.entries, en)
		switch en.tag {
		case 256, 257:
			v := 0
			if en.count == 1 {
				v = int(t.scalar(en))
			}
			if en.tag == 256 {
				p.size.W = v
			} else {
				p.size.H = v
			}
		case 258:
			bps = t.firstValue(en)
		case 277:
			spp = t.scalar(en)
		case 322, 323, 324, 325:
			p.tiled = true
		}
	}
	next := int64(t.bo.Uint32(eb[12*n:]))
	p.size.Bitonal = bps == 1 && spp == 1
	if err := checkSize(p.size, "TIFF page"); err != nil {
		p.err = err
		return p, next, nil
	}
	offTag, lenTag := uint16(273), uint16(279)
	if p.tiled {
		offTag, lenTag = 324, 325
	}
	p.offsets = t.array(p.find(offTag))
	p.lengths = t.array(p.find(lenTag))
	if len(p.offsets) == 0 || len(p.offsets) != len(p.lengths) {
		p.err = fail(CodeDamaged, "a page of the TIFF file has no picture data; scan it again")
		return p, next, nil
	}
	for i, o := range p.offsets {
		l := p.lengths[i]
		if o < 0 || l < 0 || o+l > t.size {
			p.err = fail(CodeTruncated, "a page of the TIFF file is cut short; scan it again")
			return p, next, nil
		}
		p.bytes += l
	}
	p.used = p.bytes
	for _, e := range p.entries {
		if sz := tiffTypeSize[e.typ] * int64(e.count); tiffKeep[e.tag] && sz > 4 {
			if sz > maxTagValueSize {
				p.err = fail(CodeDamaged, "a page of the TIFF file is damaged (tag %d is %d bytes long); scan it again", e.tag, sz)
				return p, next, nil
			}
			p.used += sz
		}
	}
	if p.bytes > MaxPageBytes {
		p.err = fail(CodeTooLarge, "a page of the TIFF file holds %d MB of picture data: it was scanned at too high a resolution; scan at 300 dpi", p.bytes>>20)
	}
	return p, next, nil
}

func (p *tiffPage) find(tag uint16) *tiffEntry {
	for i := range p.entries {
		if p.entries[i].tag == tag {
			return &p.entries[i]
		}
	}
	return nil
}

// scalar reads a one-value SHORT or LONG tag.
func (t *tiffFile) scalar(e tiffEntry) int64 {
	switch e.typ {
	case 3:
		return int64(t.bo.Uint16(e.raw[:]))
	case 4:
		return int64(t.bo.Uint32(e.raw[:]))
	}
	return 0
}

// firstValue reads the first of a SHORT tag's values wherever they are.
func (t *tiffFile) firstValue(e tiffEntry) int64 {
	if e.typ != 3 || e.count == 0 {
		return t.scalar(e)
	}
	if e.count <= 2 {
		return int64(t.bo.Uint16(e.raw[:]))
	}
	b, ok := t.read(int64(t.bo.Uint32(e.raw[:])), 2)
	if !ok {
		return 0
	}
	return int64(t.bo.Uint16(b))
}

// array reads a SHORT or LONG array tag, inline or not; nil if it is malformed.
func (t *tiffFile) array(e *tiffEntry) []int64 {
	if e == nil || e.count == 0 || e.count > maxStrips || (e.typ != 3 && e.typ != 4) {
		return nil
	}
	sz := tiffTypeSize[e.typ]
	n := int64(e.count)
	raw := e.raw[:]
	if n*sz > 4 {
		b, ok := t.read(int64(t.bo.Uint32(e.raw[:])), n*sz)
		if !ok {
			return nil
		}
		raw = b
	}
	out := make([]int64, n)
	for i := range out {
		if e.typ == 3 {
			out[i] = int64(t.bo.Uint16(raw[2*i:]))
		} else {
			out[i] = int64(t.bo.Uint32(raw[4*i:]))
		}
	}
	return out
}

// extract writes page i as a self-contained single-page TIFF.
func (t *tiffFile) extract(i int) ([]byte, error) {
	p := &t.pages[i]
	if p.err != nil {
		return nil, p.err
	}
	var keep []tiffEntry
	for _, e := range p.entries {
		if tiffKeep[e.tag] && tiffTypeSize[e.typ] > 0 {
			keep = append(keep, e)
		}
	}
	sort.Slice(keep, func(a, b int) bool { return keep[a].tag < keep[b].tag })
	n := int64(len(keep))
	ifdEnd := 8 + 2 + 12*n + 4
	out := make([]byte, ifdEnd, ifdEnd+p.used+2*int64(len(p.offsets))+1024)
	if t.bo == binary.LittleEndian {
		copy(out, "II*\x00")
	} else {
		copy(out, "MM\x00*")
	}
	t.bo.PutUint32(out[4:], 8)
	t.bo.PutUint16(out[8:], uint16(n))
	appendData := func(b []byte) uint32 {
		if len(out)%2 == 1 {
			out = append(out, 0) // values start on a word boundary
		}
		at := uint32(len(out))
		out = append(out, b...)
		return at
	}
	offTag, lenTag := uint16(273), uint16(279)
	if p.tiled {
		offTag, lenTag = 324, 325
	}
	type fixup struct{ at int } // where the data offsets go, once the data is placed
	var offsetsAt fixup
	offsetsAt.at = -1
	for k, e := range keep {
		at := 10 + 12*k
		t.bo.PutUint16(out[at:], e.tag)
		switch e.tag {
		case offTag, lenTag:
			vals := p.lengths
			if e.tag == offTag {
				vals = p.offsets // placeholders, rewritten below
			}
			t.bo.PutUint16(out[at+2:], 4)
			t.bo.PutUint32(out[at+4:], uint32(len(vals)))
			b := make([]byte, 4*len(vals))
			for j, v := range vals {
				t.bo.PutUint32(b[4*j:], uint32(v))
			}
			if len(vals) == 1 {
				copy(out[at+8:at+12], b)
			} else {
				t.bo.PutUint32(out[at+8:], appendData(b))
			}
			if e.tag == offTag {
				offsetsAt.at = at
			}
		default:
			t.bo.PutUint16(out[at+2:], e.typ)
			t.bo.PutUint32(out[at+4:], e.count)
			sz := tiffTypeSize[e.typ] * int64(e.count)
			if sz <= 4 {
				copy(out[at+8:at+12], e.raw[:])
				continue
			}
			if sz > maxTagValueSize {
				return nil, fail(CodeDamaged, "a page of the TIFF file is damaged (tag %d is %d bytes long); scan it again", e.tag, sz)
			}
			b, ok := t.read(int64(t.bo.Uint32(e.raw[:])), sz)
			if !ok {
				return nil, fail(CodeTruncated, "a page of the TIFF file is cut short; scan it again")
			}
			t.bo.PutUint32(out[at+8:], appendData(b))
		}
	}
	// The strips or tiles, each copied once, and their new offsets.
	newOffs := make([]byte, 4*len(p.offsets))
	for j, o := range p.offsets {
		// Read straight into the page: a strip is copied once.
		if len(out)%2 == 1 {
			out = append(out, 0)
		}
		at, n := len(out), int(p.lengths[j])
		out = append(out, make([]byte, n)...)
		if got, _ := t.src.ReadAt(out[at:at+n], o); got < n {
			return nil, fail(CodeTruncated, "a page of the TIFF file is cut short; scan it again")
		}
		t.bo.PutUint32(newOffs[4*j:], uint32(at))
	}
	if offsetsAt.at >= 0 {
		at := offsetsAt.at
		if len(p.offsets) == 1 {
			copy(out[at+8:at+12], newOffs)
		} else {
			copy(out[t.bo.Uint32(out[at+8:]):], newOffs)
		}
	}
	return out, nil
}
