package fonts_test

import (
	"bytes"
	"errors"
	"testing"

	"tarazy/fonts"
)

func TestLoadFindsDejaVu(t *testing.T) {
	for _, f := range []fonts.Face{fonts.Sans, fonts.SansBold, fonts.Mono} {
		b, err := fonts.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		// TrueType files start with version 1.0 (00 01 00 00).
		if !bytes.HasPrefix(b, []byte{0, 1, 0, 0}) {
			t.Errorf("%s is not a TrueType file", f)
		}
	}
}

func TestMissingFontSaysWhatToInstall(t *testing.T) {
	_, err := fonts.Load("NoSuchFont.ttf")
	if !errors.Is(err, fonts.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}
