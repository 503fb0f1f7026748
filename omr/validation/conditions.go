package validation

import (
	"image"
	"math"
	"math/rand/v2"
	"strconv"

	"tarazy/omr"
	"tarazy/omr/form"
	"tarazy/omr/reading"
)

// condition is one named way of making corpus files.
type condition struct {
	name  string
	class Class
	what  string
	make  func(r *rand.Rand, tmp string) (output, error)
}

// encoder turns a page image into a file's bytes and extension.
type encoder func(r *rand.Rand, img image.Image) ([]byte, string, error)

func asJPEG(lo, hi int) encoder {
	return func(r *rand.Rand, img image.Image) ([]byte, string, error) {
		b, err := encJPEG(img, lo+r.IntN(hi-lo+1))
		return b, ".jpg", err
	}
}

func asPNG(r *rand.Rand, img image.Image) ([]byte, string, error) {
	b, err := encPNG(img)
	return b, ".png", err
}

// sheet makes a one-page file: the recipe is changed by tweak, then encoded.
func sheet(tweak func(r *rand.Rand, rc *recipe), enc encoder) func(r *rand.Rand, tmp string) (output, error) {
	return func(r *rand.Rand, tmp string) (output, error) {
		rc := defaultRecipe(r)
		if tweak != nil {
			tweak(r, rc)
		}
		img, want, note, err := rc.page(r)
		if err != nil {
			return output{}, err
		}
		data, ext, err := enc(r, img)
		if err != nil {
			return output{}, err
		}
		return output{ext: ext, data: data, pages: []pageTruth{{want: want, note: note}}}, nil
	}
}

// styles makes a share of the candidate's marks the given kind (the rest are fills).
func styles(k markKind, w float64) func(r *rand.Rand, rc *recipe) {
	return func(r *rand.Rand, rc *recipe) {
		rc.habits.styles = map[markKind]float64{k: w}
	}
}

func erasures(kinds ...eraseKind) func(r *rand.Rand, rc *recipe) {
	return func(r *rand.Rand, rc *recipe) {
		rc.habits.tool = []tool{pencil}
		rc.habits.eraseRate = 0.25
		rc.habits.loneErase = 0.12
		rc.habits.idErase = 0.1
		rc.habits.eraseKinds = kinds
	}
}

func defects(ds ...defect) func(r *rand.Rand, rc *recipe) {
	return func(r *rand.Rand, rc *recipe) { rc.paper.defects = append(rc.paper.defects, ds...) }
}

// bitonal scans pages in grey and turns them black and white as the condition says;
// a G4 file holds one to three pages, as a bitonal document scanner's batch does.
func bitonal(mode string) func(r *rand.Rand, tmp string) (output, error) {
	return func(r *rand.Rand, tmp string) (output, error) {
		n := 1
		if mode == "g4" && chance(r, 0.35) {
			n = 2 + r.IntN(2)
		}
		dpi := pick(r, 200.0, 300, 300)
		var out output
		var pages []*image.Gray
		for i := 0; i < n; i++ {
			rc := defaultRecipe(r)
			rc.scan.dpi = dpi
			img, want, note, err := rc.page(r)
			if err != nil {
				return output{}, err
			}
			g := img.(*image.Gray)
			var bw *image.Gray
			switch m := mode; {
			case m == "threshold" || (m == "g4" && chance(r, 0.5)):
				t := uint8(uni(r, 95, 175))
				bw = threshold(g, t)
				note += "; 1-bit, threshold " + strconv.Itoa(int(t))
			default:
				ordered := chance(r, 0.5)
				bw = dither(g, ordered)
				note += map[bool]string{true: "; 1-bit, ordered dither", false: "; 1-bit, error diffusion"}[ordered]
			}
			pages = append(pages, bw)
			out.pages = append(out.pages, pageTruth{want: want, note: note})
		}
		var err error
		if mode == "g4" {
			out.ext = ".tif"
			out.data, err = encG4(tmp, pages)
			return out, err
		}
		out.ext = ".png"
		out.data, err = encPNG(oneBit(pages[0]))
		return out, err
	}
}

// multiPage makes a file of several pages; back adds the back side after each sheet
// (a duplex scan).
func multiPage(format string, back bool) func(r *rand.Rand, tmp string) (output, error) {
	return func(r *rand.Rand, tmp string) (output, error) {
		n := 2 + r.IntN(3)
		if back {
			n = 2
		}
		dpi := pick(r, 200.0, 300)
		var imgs []image.Image
		var out output
		for i := 0; i < n; i++ {
			rc := defaultRecipe(r)
			rc.scan.dpi = dpi
			img, want, note, err := rc.page(r)
			if err != nil {
				return output{}, err
			}
			imgs = append(imgs, img)
			out.pages = append(out.pages, pageTruth{want: want, class: Read, note: note})
			if back {
				rb := defaultRecipe(r)
				rb.scan.dpi = dpi
				rb.paper.backSide = true
				rb.paper.defects = []defect{showThrough(0.14)}
				img, _, note, err := rb.page(r)
				if err != nil {
					return output{}, err
				}
				imgs = append(imgs, img)
				out.pages = append(out.pages, pageTruth{class: MustReject, note: "back side; " + note})
			}
		}
		var err error
		switch format {
		case "pdf":
			out.ext = ".pdf"
			out.data, err = encPDF(imgs, 80+r.IntN(12))
		default:
			out.ext = ".tif"
			out.data, err = encMultiTIFF(tmp, imgs)
		}
		return out, err
	}
}

// notSheet makes a file that is not a readable sheet.
func notSheet(fn func(r *rand.Rand, tmp string) ([]byte, string, string, error)) func(r *rand.Rand, tmp string) (output, error) {
	return func(r *rand.Rand, tmp string) (output, error) {
		data, ext, note, err := fn(r, tmp)
		return output{ext: ext, data: data, pages: []pageTruth{{want: reading.Reading{Status: reading.StatusRejected}, note: note}}}, err
	}
}

var conditions = []condition{
	// How candidates mark.
	{"ordinary", Read, "pencil, pen and ballpoint fills, a few blanks, deliberate double marks and well-rubbed erasures; white paper, 200–300 dpi grey JPEG q80–95",
		sheet(nil, asJPEG(80, 95))},
	{"pencil-light", MayReject, "a pencil pressed lightly: its fills take 24–42 % of the light where a firm pencil takes 55–95 %, graphite grain showing",
		sheet(func(r *rand.Rand, rc *recipe) { rc.habits.tool, rc.habits.light = []tool{pencil}, true }, asJPEG(80, 92))},
	{"pen", Read, "gel and felt pens, black or blue, solid fills sometimes outlined first",
		sheet(func(r *rand.Rand, rc *recipe) { rc.habits.tool = []tool{pen} }, asJPEG(80, 92))},
	{"ballpoint-gaps", Read, "ballpoint scribbles whose strokes leave white gaps between them",
		sheet(func(r *rand.Rand, rc *recipe) { rc.habits.tool = []tool{ballpoint} }, asJPEG(80, 92))},
	{"partial-fills", Read, "fills given up half way: dense strokes over one side of the bubble, or a smaller disc off centre, 45–75 % of it",
		sheet(styles(markPartial, 2), asJPEG(80, 92))},
	{"ticks", Read, "ticks inside the bubble instead of fills",
		sheet(styles(markTick, 2), asJPEG(80, 92))},
	{"crosses", Read, "crosses over the bubble instead of fills",
		sheet(styles(markCross, 2), asJPEG(80, 92))},
	{"big-ticks", Read, "big ticks with the vertex low in the bubble and arms far outside it (never over another bubble)",
		sheet(styles(markBigTick, 2), asJPEG(80, 92))},
	{"circled", Read, "a ring drawn around the printed bubble instead of filling it",
		sheet(styles(markCircle, 2), asJPEG(80, 92))},
	{"dots", Read, "a firm dot 1.1–1.8 mm across in the bubble instead of a fill",
		sheet(styles(markDot, 1.5), asJPEG(80, 92))},

	// Erasures: the truth is the candidate's remaining answer.
	{"erased-grey", Read, "incomplete erasures: an even grey disc at 20–40 % of the candidate's own fill darkness, beside the new answer or alone in a row",
		sheet(erasures(eraseGrey), asJPEG(80, 92))},
	{"erased-haze", Read, "incomplete erasures: a faint haze with a few graphite specks",
		sheet(erasures(eraseHaze), asJPEG(80, 92))},
	{"erased-smear", Read, "erasures smeared sideways by the rubber (the smear stops short of the neighbouring bubbles)",
		sheet(erasures(eraseSmear), asJPEG(80, 92))},
	{"erased-lone", Read, "rows left blank after an erasure: a lone grey disc, haze or smear is the only thing in the row",
		sheet(func(r *rand.Rand, rc *recipe) {
			erasures(eraseGrey, eraseHaze, eraseSmear)(r, rc)
			rc.habits.blank, rc.habits.loneErase = 0.3, 0.6
		}, asJPEG(80, 92))},

	// Paper.
	{"recycled-paper", Read, "grey recycled paper (reflectance 0.76–0.87) with cloudy texture, inclusions and fibres",
		sheet(func(r *rand.Rand, rc *recipe) { rc.paper = recycledPaper(r) }, asJPEG(80, 92))},
	{"creases", Read, "folds across the sheet: a cracked line and a band of shade beside it",
		sheet(func(r *rand.Rand, rc *recipe) {
			defects(crease)(r, rc)
			if chance(r, 0.5) {
				defects(crease)(r, rc)
			}
		}, asJPEG(80, 92))},
	{"coffee-stains", Read, "coffee rings (dark rim, faint tint inside) and dried spills over the answers",
		sheet(func(r *rand.Rand, rc *recipe) { defects(coffee, stain)(r, rc) }, asJPEG(80, 92))},
	{"tape", Read, "clear tape across the answers: slightly darker, with edges that scan as thin dark lines",
		sheet(func(r *rand.Rand, rc *recipe) {
			defects(tape)(r, rc)
			if chance(r, 0.5) {
				defects(tape)(r, rc)
			}
		}, asJPEG(80, 92))},
	{"staples-holes", Read, "a staple in the top-left corner and two punched holes in the left margin showing the lid",
		sheet(defects(staple, punchHoles), asJPEG(80, 92))},
	{"torn-corner", Read, "a corner torn off (clear of the corner square)",
		sheet(func(r *rand.Rand, rc *recipe) { defects(tornCorner(rc.scan.bg))(r, rc) }, asJPEG(80, 92))},
	{"show-through", Read, "the other side showing through thin paper at 8–18 %, mirrored and blurred: another filled sheet (a stack printed on both sides) or the candidate's rough work",
		sheet(defects(showThrough(0.13)), asJPEG(80, 92))},

	// Printing.
	{"printer-margins", Read, "a printer that shifts the page by up to 3 mm and prints nothing within 5–6 mm of the edge",
		sheet(func(r *rand.Rand, rc *recipe) {
			rc.print.off = pt{uni(r, -3, 3), uni(r, -3, 3)}
			rc.print.margin = uni(r, 5, 6.35)
		}, asJPEG(80, 92))},
	{"fit-to-page", Read, "printed \"fit to page\": scaled to 94–97 % about the page centre",
		sheet(func(r *rand.Rand, rc *recipe) {
			s := uni(r, 0.94, 0.97)
			rc.print.scale = s
			rc.print.off = pt{omr.PageW * (1 - s) / 2, omr.PageH * (1 - s) / 2}.add(pt{uni(r, -1, 1), uni(r, -1, 1)})
		}, asJPEG(80, 92))},
	{"faded-toner", Read, "a cartridge running out: toner at 45–70 % with streaks along the paper path",
		sheet(func(r *rand.Rand, rc *recipe) {
			rc.print.density = float32(uni(r, 0.45, 0.7))
			rc.print.banding = float32(uni(r, 0.15, 0.3))
		}, asJPEG(80, 92))},
	{"photocopy", Read, "the blank form photocopied: softer, harsher tone curve, toner dust, the original's edge, 97–100 % size",
		sheet(func(r *rand.Rand, rc *recipe) {
			rc.print.photocopy = true
			s := uni(r, 0.97, 1)
			rc.print.scale = s
			rc.print.off = pt{omr.PageW * (1 - s) / 2, omr.PageH * (1 - s) / 2}
		}, asJPEG(80, 92))},

	// Scanning.
	{"dpi-low", Read, "100–150 dpi scans",
		sheet(func(r *rand.Rand, rc *recipe) { rc.scan.dpi = pick(r, 100.0, 120, 150) }, asJPEG(80, 92))},
	{"dpi-high", Read, "400–600 dpi scans, PNG",
		sheet(func(r *rand.Rand, rc *recipe) { rc.scan.dpi = pick(r, 400.0, 600) }, asPNG)},
	{"rotated", Read, "fed sideways or upside down (90, 180, 270°) and up to 1.5° askew",
		sheet(func(r *rand.Rand, rc *recipe) {
			rc.scan.quarter = 1 + r.IntN(3)
			rc.scan.skew = uni(r, -1.5, 1.5)
		}, asJPEG(80, 92))},
	{"skewed", Read, "fed askew by 1.5–4°",
		sheet(func(r *rand.Rand, rc *recipe) { rc.scan.skew = pick(r, -1.0, 1) * uni(r, 1.5, 4) }, asJPEG(80, 92))},
	{"jpeg-q30", Read, "JPEG at quality 30–45",
		sheet(nil, asJPEG(30, 45))},
	{"colour", Read, "colour scans of tinted paper with blue and black ink and pencil",
		sheet(func(r *rand.Rand, rc *recipe) {
			rc.scan.colour = true
			rc.paper.tone = rgb{float32(uni(r, 0.9, 0.97)), float32(uni(r, 0.88, 0.95)), float32(uni(r, 0.78, 0.9))}
		}, asJPEG(75, 92))},
	{"bitonal-threshold", MayReject, "1-bit scans, thresholded at 95–175 (a light threshold loses pencil), PNG",
		bitonal("threshold")},
	{"bitonal-dither", MayReject, "1-bit scans, ordered or error-diffusion dither, PNG",
		bitonal("dither")},
	{"g4-tiff", MayReject, "1-bit scans, thresholded or dithered, as CCITT G4 TIFF of one to three pages",
		bitonal("g4")},
	{"multipage-tiff", Read, "2–4 sheets in one LZW TIFF",
		multiPage("tiff", false)},
	{"multipage-pdf", Read, "2–4 sheets in one PDF of JPEG pages",
		multiPage("pdf", false)},
	{"glass-streak", Read, "1–3 dark vertical lines 1–3 px wide from dust on the scanner glass, one through a letter column",
		sheet(func(r *rand.Rand, rc *recipe) {
			rc.scan.quarter = pick(r, 0, 0, 2)
			rc.scan.skew = uni(r, -0.3, 0.3)
			rc.habits.forms = []string{"g7"}
			// The streak runs through the A…E column of a question column: its x on the
			// paper is that of a bubble in it (the layout of g7 is fixed).
			l := layoutOf("g7")
			fd := l.Fields[r.IntN(l.Form.Questions())]
			b := l.Bubbles[fd.Bubbles[r.IntN(len(fd.Bubbles))]]
			x := b.X + uni(r, -0.6, 0.6)
			if rc.scan.quarter == 2 {
				x = omr.PageW - x
			}
			rc.scan.streaks = append(rc.scan.streaks, streak{paperX: x, w: uni(r, 1, 3), dark: float32(uni(r, 0.55, 0.9))})
			for i := r.IntN(3); i > 0; i-- {
				rc.scan.streaks = append(rc.scan.streaks, streak{paperX: math.NaN(), outX: uni(r, 0.05, 0.95) * rc.scan.bedW * rc.scan.dpi / 25.4, w: uni(r, 1, 3), dark: float32(uni(r, 0.4, 0.9))})
			}
			if rc.scan.quarter == 2 {
				rc.note("streak at paper x %.1f mm (fed upside down)", omr.PageW-x)
			} else {
				rc.note("streak at paper x %.1f mm", x)
			}
		}, asJPEG(80, 92))},
	{"uneven-light", Read, "a lamp fading towards one end and a sheet lifting off the glass along one edge",
		sheet(func(r *rand.Rand, rc *recipe) { rc.scan.uneven = float32(uni(r, 0.25, 0.5)) }, asJPEG(80, 92))},
	{"phone-photo", Read, "phone photos: perspective, lens bow, paper lifting 0.2–1 mm, blur, a shadow, colour cast; all marks in view",
		sheet(func(r *rand.Rand, rc *recipe) {
			rc.photo = photoWhole
			rc.scan.blur = 1 + r.IntN(3)
			rc.scan.noise = float32(uni(r, 2, 5))
		}, asJPEG(65, 92))},
	{"phone-corner-out", MayReject, "phone photos with one corner square outside the picture and the code strip under glare or shadow",
		sheet(func(r *rand.Rand, rc *recipe) {
			rc.photo = photoCornerOut
			rc.scan.blur = 1 + r.IntN(3)
			rc.scan.noise = float32(uni(r, 2, 5))
			defects(hideStrip)(r, rc)
		}, asJPEG(65, 92))},
	{"phone-mids-hidden", MayReject, "phone photos of a sheet held by both thumbs over the mid-edge squares, the code strip under glare or shadow",
		sheet(func(r *rand.Rand, rc *recipe) {
			rc.photo = photoMidsHidden
			rc.scan.blur = 1 + r.IntN(3)
			rc.scan.noise = float32(uni(r, 2, 5))
			defects(thumbs, hideStrip)(r, rc)
		}, asJPEG(65, 92))},
	{"thumbnail", MayReject, "a scanner's preview: the whole sheet under 300 px on its long side",
		sheet(func(r *rand.Rand, rc *recipe) { rc.scan.dpi = 150; rc.thumb = true }, func(r *rand.Rand, img image.Image) ([]byte, string, error) {
			if chance(r, 0.5) {
				return asPNG(r, img)
			}
			return asJPEG(70, 90)(r, img)
		})},
	{"bmp-jpe", Read, "a sheet saved as .bmp, or as JPEG named .jpe",
		sheet(nil, func(r *rand.Rand, img image.Image) ([]byte, string, error) {
			if chance(r, 0.5) {
				b, err := encBMP(img)
				return b, ".bmp", err
			}
			b, err := encJPEG(img, 85)
			return b, ".jpe", err
		})},

	// Not a readable sheet.
	{"huge-header", MustReject, "a PNG or TIFF whose header declares 60000×60000 pixels",
		notSheet(func(r *rand.Rand, tmp string) ([]byte, string, string, error) {
			if chance(r, 0.5) {
				return hugePNG(60000), ".png", "PNG header 60000x60000", nil
			}
			return hugeTIFF(60000), ".tif", "TIFF header 60000x60000", nil
		})},
	{"truncated", MustReject, "a sheet's JPEG, PNG or TIFF cut off after 20–60 % of its bytes",
		notSheet(func(r *rand.Rand, tmp string) ([]byte, string, string, error) {
			rc := defaultRecipe(r)
			img, _, _, err := rc.page(r)
			if err != nil {
				return nil, "", "", err
			}
			var data []byte
			ext := pick(r, ".jpg", ".png", ".tif")
			switch ext {
			case ".jpg":
				data, err = encJPEG(img, 85)
			case ".png":
				data, err = encPNG(img)
			default:
				data, err = encTIFF(img)
			}
			keep := uni(r, 0.2, 0.6)
			return data[:int(float64(len(data))*keep)], ext, "kept " + strconv.Itoa(int(keep*100)) + " %", err
		})},
	{"random-bytes", MustReject, "random bytes named as an image or a PDF",
		notSheet(func(r *rand.Rand, tmp string) ([]byte, string, string, error) {
			return randomBytes(r), pick(r, ".jpg", ".png", ".tif", ".pdf"), "", nil
		})},
	{"foreign-sheet", MustReject, "another exam's answer sheet (corner squares, timing marks, bubbles, filled in) or a handwritten letter",
		notSheet(func(r *rand.Rand, tmp string) ([]byte, string, string, error) {
			rc := defaultRecipe(r)
			rc.foreign = true
			img, _, _, err := rc.page(r)
			if err != nil {
				return nil, "", "", err
			}
			b, err := encJPEG(img, 85)
			return b, ".jpg", "", err
		})},
	{"duplex-back", MustReject, "the back side of a sheet from a duplex scan, blank but for what shows through: alone, or after each front (class read) in a PDF or TIFF",
		func(r *rand.Rand, tmp string) (output, error) {
			if chance(r, 0.4) {
				return multiPage(pick(r, "pdf", "tiff"), true)(r, tmp)
			}
			rc := defaultRecipe(r)
			rc.paper.backSide = true
			rc.paper.defects = []defect{showThrough(0.14)}
			img, _, note, err := rc.page(r)
			if err != nil {
				return output{}, err
			}
			b, err := encJPEG(img, 85)
			return output{ext: ".jpg", data: b, pages: []pageTruth{{note: "back side; " + note}}}, err
		}},
}

// layoutOf is a built-in form's layout; the forms are part of the binary, so a failure
// is a programming error.
func layoutOf(id string) *omr.Layout {
	f, err := form.Get(id)
	if err != nil {
		panic(err)
	}
	l, err := omr.NewLayout(f)
	if err != nil {
		panic(err)
	}
	return l
}
