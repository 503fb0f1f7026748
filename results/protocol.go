package results

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"tarazy/contest"
	"tarazy/store"
)

// Formats are the protocol's renderings, in the order they are made.
var Formats = []string{"pdf", "html", "csv", "json"}

// Render writes a protocol in a format.
func Render(w io.Writer, p *contest.Protocol, format string) error {
	switch format {
	case "pdf":
		return contest.WritePDF(w, p)
	case "html":
		return contest.WriteHTML(w, p)
	case "csv":
		return contest.WriteCSV(w, p)
	case "json":
		return contest.WriteJSON(w, p)
	}
	return fmt.Errorf("a protocol comes as pdf, html, csv or json, not %q", format)
}

// File is one rendered protocol file.
type File struct {
	Visibility string // store.VisibilityInternal or store.VisibilityPublic
	Format     string
	Data       []byte
}

// Protocols is a school grade's protocol, internal and public, in every format.
type Protocols struct {
	Ranked   *Ranked
	Result   *contest.Result
	Internal *contest.Protocol
	Public   *contest.Protocol
	Files    []File
}

// Final reports whether the protocol can be signed and published.
func (p *Protocols) Final() bool { return p.Internal.Final() }

// File returns one rendered file.
func (p *Protocols) File(visibility, format string) []byte {
	for _, f := range p.Files {
		if f.Visibility == visibility && f.Format == format {
			return f.Data
		}
	}
	return nil
}

// Protocol ranks a school grade (Rank) and builds and renders its protocol from the
// source's sitting: the same inputs give the same bytes, on the command line and the
// server.
func Protocol(ctx context.Context, src Source, school string, grade int) (*Protocols, error) {
	ranked, err := Rank(ctx, src, Scope{School: school, Grade: grade})
	if err != nil {
		return nil, err
	}
	res, err := ranked.Result(school, grade)
	if err != nil {
		return nil, err
	}
	sit, err := src.Sitting(ctx, school, grade)
	if err != nil {
		return nil, err
	}
	out := &Protocols{Ranked: ranked, Result: res}
	for _, public := range []bool{false, true} {
		pr, err := contest.BuildProtocol(res, ranked.Policy, sit, public)
		if err != nil {
			return nil, store.Errorf(store.Invalid, "%v", err)
		}
		vis := store.VisibilityInternal
		if public {
			vis, out.Public = store.VisibilityPublic, pr
		} else {
			out.Internal = pr
		}
		for _, f := range Formats {
			var b bytes.Buffer
			if err := Render(&b, pr, f); err != nil {
				return nil, fmt.Errorf("render the %s protocol as %s: %w", vis, f, err)
			}
			out.Files = append(out.Files, File{Visibility: vis, Format: f, Data: b.Bytes()})
		}
	}
	return out, nil
}
