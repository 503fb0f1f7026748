// Package i18ntest holds the checks the pages' and documents' tests share: no Latin
// word reaches a reader of a Kazakh or Russian page except a short allow-list.
package i18ntest

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Allowed are the Latin words a Kazakh or Russian reader may meet: abbreviations that
// are written so in both languages, the key caps of a keyboard, and single letters
// (the answer options A–E printed on the sheet, key letters).
var Allowed = []string{"IIN", "QR", "PDF", "CSV", "XLSX", "Enter", "Shift", "Backspace", "Tab", "Esc", "Delete"}

var wordRE = regexp.MustCompile(`[\p{L}\p{N}]+`)
var latinRE = regexp.MustCompile(`[A-Za-z]`)

// LatinWords lists the words of text that contain a Latin letter and are neither in
// Allowed nor in allow, nor a single letter.
func LatinWords(text string, allow ...string) []string {
	ok := map[string]bool{}
	for _, w := range append(append([]string{}, Allowed...), allow...) {
		ok[w] = true
	}
	var out []string
	for _, w := range wordRE.FindAllString(text, -1) {
		if !latinRE.MatchString(w) || ok[w] || len([]rune(w)) == 1 {
			continue
		}
		out = append(out, w)
	}
	return out
}

// readable are the attributes a reader sees or hears besides the text.
var readable = []string{"title", "alt", "placeholder", "aria-label", "value"}

// HTMLText is what a reader of a page sees: its text and readable attributes, without
// scripts and styles, and without what is marked translate="no" (names, file names,
// serials, IINs: data, not words of the interface).
func HTMLText(page string) string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return page
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "script" || n.Data == "style" {
				return
			}
			for _, a := range n.Attr {
				if a.Key == "translate" && a.Val == "no" {
					return
				}
			}
			for _, a := range n.Attr {
				for _, r := range readable {
					if a.Key == r && !(a.Key == "value" && n.Data != "button" && n.Data != "input") {
						b.WriteString(a.Val + "\n")
					}
				}
			}
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data + "\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

// NoLatin fails the test when a page shows Latin words outside the allow-list.
func NoLatin(t testing.TB, name, page string, allow ...string) {
	t.Helper()
	if words := LatinWords(HTMLText(page), allow...); len(words) > 0 {
		t.Errorf("%s shows Latin words a Kazakh or Russian reader should not meet: %q", name, dedupe(words))
	}
}

func dedupe(words []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
