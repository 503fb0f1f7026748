package synth

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"image"
)

// EncodeTIFF writes pages as one TIFF file, one image directory per page, as a
// document scanner's multi-page output: 1-bit black and white (PackBits, white is zero,
// as fax-style scanners write) when bitonal, else 8-bit grey (Deflate).
func EncodeTIFF(pages []*image.Gray, bitonal bool) ([]byte, error) {
	le := binary.LittleEndian
	out := bytes.NewBuffer([]byte("II*\x00\x00\x00\x00\x00"))
	var prevNext int // where the previous directory's next-IFD offset goes
	for _, g := range pages {
		w, h := g.Rect.Dx(), g.Rect.Dy()
		var strip []byte
		var compression, bits, photometric uint16
		if bitonal {
			compression, bits, photometric = 32773, 1, 0
			row := make([]byte, (w+7)/8)
			for y := 0; y < h; y++ {
				for i := range row {
					row[i] = 0
				}
				for x := 0; x < w; x++ {
					if g.Pix[y*g.Stride+x] < 128 {
						row[x/8] |= 0x80 >> (x % 8)
					}
				}
				strip = packBits(strip, row)
			}
		} else {
			compression, bits, photometric = 8, 8, 1
			var zb bytes.Buffer
			zw := zlib.NewWriter(&zb)
			for y := 0; y < h; y++ {
				if _, err := zw.Write(g.Pix[y*g.Stride : y*g.Stride+w]); err != nil {
					return nil, err
				}
			}
			if err := zw.Close(); err != nil {
				return nil, err
			}
			strip = zb.Bytes()
		}
		stripAt := out.Len()
		out.Write(strip)
		if out.Len()%2 == 1 {
			out.WriteByte(0)
		}
		ifdAt := out.Len()
		b := out.Bytes()
		if prevNext == 0 {
			le.PutUint32(b[4:], uint32(ifdAt))
		} else {
			le.PutUint32(b[prevNext:], uint32(ifdAt))
		}
		type entry struct {
			tag, typ uint16
			val      uint32
		}
		entries := []entry{
			{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, uint32(bits)}, {259, 3, uint32(compression)},
			{262, 3, uint32(photometric)}, {273, 4, uint32(stripAt)}, {277, 3, 1}, {278, 4, uint32(h)},
			{279, 4, uint32(len(strip))},
		}
		d := make([]byte, 2+12*len(entries)+4)
		le.PutUint16(d, uint16(len(entries)))
		for i, e := range entries {
			le.PutUint16(d[2+12*i:], e.tag)
			le.PutUint16(d[4+12*i:], e.typ)
			le.PutUint32(d[6+12*i:], 1)
			if e.typ == 3 {
				le.PutUint16(d[10+12*i:], uint16(e.val))
			} else {
				le.PutUint32(d[10+12*i:], e.val)
			}
		}
		out.Write(d)
		prevNext = ifdAt + 2 + 12*len(entries)
	}
	return out.Bytes(), nil
}

// packBits appends one row in Apple's PackBits run-length code, as TIFF uses it.
func packBits(dst, row []byte) []byte {
	for i := 0; i < len(row); {
		run := 1
		for i+run < len(row) && run < 128 && row[i+run] == row[i] {
			run++
		}
		if run > 1 {
			dst = append(dst, byte(1-run), row[i])
			i += run
			continue
		}
		j := i + 1
		for j < len(row) && j-i < 128 && (j+1 >= len(row) || row[j] != row[j+1]) {
			j++
		}
		dst = append(dst, byte(j-i-1))
		dst = append(dst, row[i:j]...)
		i = j
	}
	return dst
}
