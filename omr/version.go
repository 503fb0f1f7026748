package omr

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"tarazy/omr/form"
)

// Version names the reader's decisions. Every reading records it, so that a scan read
// again later (tarazy verify) is read by the same rules or the difference is named.
// Change it whenever a change to the reader can change any reading of any page.
const Version = "tarazy-omr/1"

// FormID names a form definition as a reading records it: its id and the SHA-256 of
// its definition, so a changed form file is never mistaken for the one a page was
// read with.
func FormID(f *form.Form) string {
	b, _ := json.Marshal(f) // plain data: never fails
	h := sha256.Sum256(b)
	return f.ID + "@" + hex.EncodeToString(h[:8])
}
