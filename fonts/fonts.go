// Package fonts finds the TrueType fonts that sheets, protocols and receipts embed.
// Kazakh needs letters outside the common Cyrillic set (Ә Ғ Қ Ң Ө Ұ Ү Һ І), which DejaVu
// has and many fonts lack, so tarazy uses Debian's fonts-dejavu-core rather than a font
// compiled into the binary. TARAZY_FONT_DIR points elsewhere.
package fonts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Face names a font file of the DejaVu family.
type Face string

const (
	Sans     Face = "DejaVuSans.ttf"
	SansBold Face = "DejaVuSans-Bold.ttf"
	Mono     Face = "DejaVuSansMono.ttf"
)

// ErrNotFound means the font files are not installed.
var ErrNotFound = errors.New("font not found (install Debian's fonts-dejavu-core, or set TARAZY_FONT_DIR to a folder holding the DejaVu .ttf files)")

// Dirs searched in order after $TARAZY_FONT_DIR.
var Dirs = []string{
	"/usr/share/fonts/truetype/dejavu",
	"/usr/share/fonts/dejavu",
	"/usr/local/share/fonts/dejavu",
	"/usr/share/fonts/TTF",
}

var (
	mu    sync.Mutex
	cache = map[Face][]byte{}
)

// Load returns the bytes of a font file, read once per process.
func Load(f Face) ([]byte, error) {
	mu.Lock()
	defer mu.Unlock()
	if b, ok := cache[f]; ok {
		return b, nil
	}
	dirs := Dirs
	if d := os.Getenv("TARAZY_FONT_DIR"); d != "" {
		dirs = append([]string{d}, dirs...)
	}
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, string(f)))
		if err == nil {
			cache[f] = b
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s: %w", f, ErrNotFound)
}
