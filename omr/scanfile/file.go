package scanfile

import (
	"errors"
	"io"
	"os"
)

// File is a scan file opened for reading page by page. Pages are independent: any
// number of goroutines may ask for different pages at once, and a page costs the memory
// of its own encoded image only.
type File struct {
	kind   Kind
	size   int64
	src    io.ReaderAt
	closer io.Closer
	tiff   *tiffFile
	pdf    *pdfFile
}

// Page is one page of a file: its encoded picture, on its own.
type Page struct {
	Data []byte
	Kind Kind
	Size Size // as declared, checked against the limits
}

// Open opens a file on disk. A file that cannot be a scan gives an *Error that says
// why; the file is then already closed.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, openError(err)
	}
	if st.IsDir() {
		f.Close()
		return nil, fail(CodeUnopenable, "the file cannot be opened: it is a folder")
	}
	sf, err := open(f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	sf.closer = f
	return sf, nil
}

func openError(err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fail(CodeUnopenable, "the file cannot be opened: it does not exist")
	case errors.Is(err, os.ErrPermission):
		return fail(CodeUnopenable, "the file cannot be opened: permission denied")
	}
	return fail(CodeUnopenable, "the file cannot be opened: %v", err)
}

// FromBytes opens a file already in memory.
func FromBytes(data []byte) (*File, error) {
	return open(bytesAt(data), int64(len(data)))
}

func open(src io.ReaderAt, size int64) (*File, error) {
	if size == 0 {
		return nil, fail(CodeEmpty, "the file is empty (0 bytes); copy it again from the scanner")
	}
	var head [32]byte
	n, _ := src.ReadAt(head[:], 0)
	f := &File{kind: Sniff(head[:n]), size: size, src: src}
	switch f.kind {
	case JPEG, PNG, BMP:
		if size > MaxPageBytes {
			return nil, fail(CodeTooLarge, "the file is larger than %d MB; this is not a sheet scan, or it was scanned at too high a resolution: scan at 300 dpi", MaxPageBytes>>20)
		}
	case TIFF:
		t, err := parseTIFF(src, size, MaxPages)
		if err != nil {
			return nil, err
		}
		f.tiff = t
	case PDF:
		p, err := openPDF(io.NewSectionReader(src, 0, size))
		if err != nil {
			return nil, err
		}
		f.pdf = p
	default:
		return nil, fail(CodeUnknown, "the file is not a scan tarazy can read: expected JPEG, PNG, TIFF, BMP or PDF")
	}
	return f, nil
}

// Kind is the file's format.
func (f *File) Kind() Kind { return f.kind }

// Pages is how many pages the file has (a TIFF damaged part-way counts one more page,
// whose error says where the damage is).
func (f *File) Pages() int {
	switch {
	case f.tiff != nil:
		n := len(f.tiff.pages)
		if f.tiff.tail != nil {
			n++
		}
		return n
	case f.pdf != nil:
		return f.pdf.pages()
	}
	return 1
}

// Page returns page i (from 0) on its own. The error is an *Error saying why the page
// cannot be read; the other pages are not affected.
func (f *File) Page(i int) (Page, error) {
	if i < 0 || i >= f.Pages() {
		return Page{}, fail(CodeDamaged, "the file has no page %d", i+1)
	}
	switch {
	case f.tiff != nil:
		if i == len(f.tiff.pages) {
			return Page{}, f.tiff.tail
		}
		p := f.tiff.pages[i]
		if p.err != nil {
			return Page{}, p.err
		}
		if len(f.tiff.pages) == 1 && f.tiff.tail == nil {
			// A single-page TIFF is its own page: the same bytes, the same hash as the
			// file, as for a JPEG.
			data, err := f.whole()
			return Page{Data: data, Kind: TIFF, Size: p.size}, err
		}
		data, err := f.tiff.extract(i)
		return Page{Data: data, Kind: TIFF, Size: p.size}, err
	case f.pdf != nil:
		data, size, err := f.pdf.page(i)
		return Page{Data: data, Kind: Sniff(data), Size: size}, err
	}
	data, err := f.whole()
	if err != nil {
		return Page{}, err
	}
	size, err := DeclaredSize(data)
	return Page{Data: data, Kind: f.kind, Size: size}, err
}

func (f *File) whole() ([]byte, error) {
	if b, ok := f.src.(bytesAt); ok {
		return b, nil
	}
	if f.size > MaxPageBytes {
		return nil, fail(CodeTooLarge, "the file is larger than %d MB; scan at 300 dpi", MaxPageBytes>>20)
	}
	b := make([]byte, f.size)
	if n, err := f.src.ReadAt(b, 0); int64(n) < f.size {
		return nil, fail(CodeUnopenable, "the file cannot be read to its end (%v); copy it again", err)
	}
	return b, nil
}

// Close releases the file.
func (f *File) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}
