package scanfile

import (
	"fmt"
	"io"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// A scanner's PDF holds one picture per page. The document is parsed once; a page's
// picture is looked at (its declared size) before it is extracted, and extracted only
// when that page is asked for.
type pdfFile struct {
	mu       sync.Mutex // pdfcpu's context is not safe for concurrent use
	ctx      *model.Context
	firstUse map[int]int // picture object → the first page that shows it
}

func pdfConfig() *model.Configuration {
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Cmd = model.EXTRACTIMAGES
	conf.Limits.MaxImagePixels = MaxPixels
	conf.Limits.MaxImageBytes = 4 * MaxPixels
	conf.Limits.MaxStreamBytes = MaxPageBytes
	conf.Limits.MaxDecodeBytes = 4 * MaxPixels
	return conf
}

func openPDF(rs io.ReadSeeker) (pf *pdfFile, err error) {
	defer func() {
		// A malformed PDF must never stop a batch, whatever the parser does with it.
		if r := recover(); r != nil {
			pf, err = nil, fail(CodeDamaged, "the PDF file is damaged (%v); export it from the scanner again", r)
		}
	}()
	ctx, err := api.ReadValidateAndOptimize(rs, pdfConfig())
	if err != nil {
		return nil, fail(CodeDamaged, "the PDF file is damaged or cut short; export it from the scanner again")
	}
	switch {
	case ctx.PageCount == 0:
		return nil, fail(CodeNoPicture, "the PDF has no pages")
	case ctx.PageCount > MaxPages:
		return nil, fail(CodeTooManyPages, "the PDF holds %d pages; tarazy reads at most %d pages from one file: scan the stack in smaller batches", ctx.PageCount, MaxPages)
	}
	pf = &pdfFile{ctx: ctx, firstUse: map[int]int{}}
	for p := 1; p <= ctx.PageCount; p++ {
		for _, obj := range pdfcpu.ImageObjNrs(ctx, p) {
			if _, ok := pf.firstUse[obj]; !ok {
				pf.firstUse[obj] = p
			}
		}
	}
	return pf, nil
}

func (pf *pdfFile) pages() int { return pf.ctx.PageCount }

// page extracts the scanned picture of page i (0-based).
func (pf *pdfFile) page(i int) (data []byte, size Size, err error) {
	pf.mu.Lock()
	defer pf.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, fail(CodeDamaged, "page %d of the PDF file is damaged (%v); export it from the scanner again", i+1, r)
		}
	}()
	pageNr := i + 1
	stubs, err := pdfcpu.ExtractPageImages(pf.ctx, pageNr, true)
	if err != nil {
		return nil, Size{}, fail(CodeDamaged, "the picture on page %d of the PDF cannot be read (%v); export the scans as JPEG or TIFF", pageNr, err)
	}
	// The page's scan is its largest picture; thumbnails and masks are not scans.
	best, bestPx := -1, int64(0)
	for obj, s := range stubs {
		if s.Thumb || s.IsImgMask {
			continue
		}
		if px := int64(s.Width) * int64(s.Height); best < 0 || px > bestPx || (px == bestPx && obj < best) {
			best, bestPx = obj, px
		}
	}
	if best < 0 {
		return nil, Size{}, fail(CodeNoPicture, "PDF page %d holds no scanned picture (a scanner's PDF has one picture per page; this looks like a printed document)", pageNr)
	}
	stub := stubs[best]
	if err := checkSize(Size{W: stub.Width, H: stub.Height}, fmt.Sprintf("picture on PDF page %d", pageNr)); err != nil {
		return nil, Size{}, err
	}
	if first := pf.firstUse[best]; first != pageNr {
		return nil, Size{}, fail(CodeRepeated, "PDF page %d shows the same picture as page %d; it is read once, on page %d", pageNr, first, first)
	}
	obj := pf.ctx.Optimize.ImageObjects[best]
	if obj == nil {
		return nil, Size{}, fail(CodeDamaged, "the picture on page %d of the PDF cannot be found; export the scans again", pageNr)
	}
	img, err := pdfcpu.ExtractImage(pf.ctx, obj.ImageDict, false, stub.Name, best, false)
	if err != nil || img == nil {
		return nil, Size{}, fail(CodeDamaged, "the picture on page %d of the PDF cannot be extracted (%v); export the scans as JPEG or TIFF", pageNr, err)
	}
	data, err = io.ReadAll(io.LimitReader(img, MaxPageBytes+1))
	if err != nil {
		return nil, Size{}, fail(CodeDamaged, "the picture on page %d of the PDF cannot be extracted (%v); export the scans as JPEG or TIFF", pageNr, err)
	}
	if len(data) > MaxPageBytes {
		return nil, Size{}, fail(CodeTooLarge, "the picture on page %d of the PDF is larger than %d MB; scan at 300 dpi", pageNr, MaxPageBytes>>20)
	}
	switch Sniff(data) {
	case JPEG, PNG, TIFF, BMP:
	default:
		return nil, Size{}, fail(CodeUnknown, "the picture on page %d of the PDF is in a format tarazy cannot read (%s); export the scans as JPEG or TIFF", pageNr, stub.Filter)
	}
	size, err = DeclaredSize(data)
	if err != nil {
		return nil, Size{}, err
	}
	return data, size, nil
}
