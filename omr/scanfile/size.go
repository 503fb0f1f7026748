package scanfile

import (
	"encoding/binary"
)

// DeclaredSize reads the pixel size a single-image file (JPEG, PNG, BMP, or the first
// page of a TIFF) declares in its header, and refuses one no decoder should be given.
func DeclaredSize(b []byte) (Size, error) {
	var s Size
	var err error
	switch k := Sniff(b); k {
	case JPEG:
		s, err = jpegSize(b)
	case PNG:
		s, err = pngSize(b)
	case BMP:
		s, err = bmpSize(b)
	case TIFF:
		t, terr := parseTIFF(bytesAt(b), int64(len(b)), 1)
		if terr != nil {
			return Size{}, terr
		}
		s = t.pages[0].size
	default:
		return Size{}, fail(CodeUnknown, "the file is not a scan tarazy can read: expected JPEG, PNG, TIFF, BMP or PDF")
	}
	if err != nil {
		return Size{}, err
	}
	return s, checkSize(s, "picture")
}

// jpegSize walks the marker segments up to the first start-of-frame, as libjpeg does,
// skipping APPn segments whole (an EXIF thumbnail inside one has a frame of its own).
func jpegSize(b []byte) (Size, error) {
	i := 2
	for {
		if i >= len(b) {
			return Size{}, fail(CodeTruncated, "the JPEG file is cut short before its picture starts; copy or scan the sheet again")
		}
		if b[i] != 0xFF {
			return Size{}, fail(CodeDamaged, "the JPEG file is damaged before its picture starts; scan the sheet again")
		}
		// Markers may be preceded by any number of 0xFF fill bytes.
		for i < len(b) && b[i] == 0xFF {
			i++
		}
		if i >= len(b) {
			return Size{}, fail(CodeTruncated, "the JPEG file is cut short before its picture starts; copy or scan the sheet again")
		}
		m := b[i]
		i++
		switch {
		case m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			continue // no length
		case m == 0x00 || m == 0xD9 || m == 0xDA:
			return Size{}, fail(CodeDamaged, "the JPEG file has no picture header: it is damaged; scan the sheet again")
		}
		if i+2 > len(b) {
			return Size{}, fail(CodeTruncated, "the JPEG file is cut short; copy or scan the sheet again")
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return Size{}, fail(CodeTruncated, "the JPEG file is cut short or damaged; copy or scan the sheet again")
		}
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			if n < 7 {
				return Size{}, fail(CodeDamaged, "the JPEG picture header is damaged; scan the sheet again")
			}
			h := int(binary.BigEndian.Uint16(b[i+3:]))
			w := int(binary.BigEndian.Uint16(b[i+5:]))
			return Size{W: w, H: h}, nil
		}
		i += n
	}
}

func pngSize(b []byte) (Size, error) {
	if len(b) < 33 || string(b[12:16]) != "IHDR" {
		return Size{}, fail(CodeTruncated, "the PNG file is cut short or damaged; scan the sheet again")
	}
	w := binary.BigEndian.Uint32(b[16:])
	h := binary.BigEndian.Uint32(b[20:])
	if w > 1<<30 || h > 1<<30 {
		return Size{W: MaxSide + 1, H: MaxSide + 1}, nil
	}
	depth, colour := b[24], b[25]
	return Size{W: int(w), H: int(h), Bitonal: depth == 1 && (colour == 0 || colour == 3)}, nil
}

func bmpSize(b []byte) (Size, error) {
	if len(b) < 26 {
		return Size{}, fail(CodeTruncated, "the BMP file is cut short; scan the sheet again")
	}
	hdr := binary.LittleEndian.Uint32(b[14:])
	switch {
	case hdr == 12: // OS/2 BITMAPCOREHEADER: 16-bit sizes
		bits := binary.LittleEndian.Uint16(b[24:])
		return Size{W: int(binary.LittleEndian.Uint16(b[18:])), H: int(binary.LittleEndian.Uint16(b[20:])), Bitonal: bits == 1}, nil
	case hdr >= 40 && len(b) >= 30:
		w := int64(int32(binary.LittleEndian.Uint32(b[18:])))
		h := int64(int32(binary.LittleEndian.Uint32(b[22:])))
		if h < 0 {
			h = -h // top-down rows
		}
		bits := binary.LittleEndian.Uint16(b[28:])
		if w > 1<<30 || h > 1<<30 {
			return Size{W: MaxSide + 1, H: MaxSide + 1}, nil
		}
		return Size{W: int(w), H: int(h), Bitonal: bits == 1}, nil
	}
	return Size{}, fail(CodeDamaged, "the BMP file has a header tarazy does not know; save the scan as JPEG, PNG or TIFF")
}
