// Package form holds the answer-sheet forms of the entrance contest as data: how many
// questions, which options, which sections (Model Admission Rules §33). It is pure Go so
// that scoring and ranking can use it without OpenCV; the sheet geometry that printing
// and reading share is derived from a Form elsewhere in omr/.
package form

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Section keys used by scoring and tie-breaks. A form may have any subset.
const (
	SectionMath    = "math"
	SectionReading = "reading"
	SectionHistory = "history"
)

// Section is a run of consecutive questions scored together.
type Section struct {
	Key       string `yaml:"key" json:"key"`
	NameKK    string `yaml:"name_kk" json:"name_kk"`
	NameRU    string `yaml:"name_ru" json:"name_ru"`
	Questions int    `yaml:"questions" json:"questions"`
	// First and Last are 1-based question numbers, filled in by Load.
	First int `yaml:"-" json:"first"`
	Last  int `yaml:"-" json:"last"`
}

// Form is one answer-sheet form, such as "g7".
type Form struct {
	ID       string    `yaml:"id" json:"id"`
	Grade    int       `yaml:"grade" json:"grade"`
	Minutes  int       `yaml:"minutes" json:"minutes"`
	TitleKK  string    `yaml:"title_kk" json:"title_kk"`
	TitleRU  string    `yaml:"title_ru" json:"title_ru"`
	Options  []string  `yaml:"options" json:"options"`
	Variants int       `yaml:"variants" json:"variants"`
	Sections []Section `yaml:"sections" json:"sections"`
}

// Questions is the number of questions on the form.
func (f *Form) Questions() int {
	n := 0
	for _, s := range f.Sections {
		n += s.Questions
	}
	return n
}

// SectionOf returns the section that question q (1-based) belongs to.
func (f *Form) SectionOf(q int) (Section, bool) {
	for _, s := range f.Sections {
		if q >= s.First && q <= s.Last {
			return s, true
		}
	}
	return Section{}, false
}

// OptionIndex returns the position of an option letter, or -1.
func (f *Form) OptionIndex(letter string) int {
	for i, o := range f.Options {
		if o == letter {
			return i
		}
	}
	return -1
}

// MaxScore is the best possible score, 4 points per question (§35).
func (f *Form) MaxScore() int { return 4 * f.Questions() }

// ErrUnknownForm is returned by Get for an id no form has.
var ErrUnknownForm = errors.New("unknown form")

//go:embed forms/*.yaml
var builtin embed.FS

var registry = mustLoadBuiltin()

func mustLoadBuiltin() map[string]*Form {
	forms, err := LoadFS(builtin, "forms")
	if err != nil {
		panic(fmt.Sprintf("built-in forms are broken: %v", err))
	}
	return forms
}

// Get returns a built-in form by id ("g5", "g6", "g7").
func Get(id string) (*Form, error) {
	f, ok := registry[id]
	if !ok {
		return nil, fmt.Errorf("form %q: %w (known: %s)", id, ErrUnknownForm, strings.Join(IDs(), ", "))
	}
	return f, nil
}

// ForGrade returns the built-in form for an entering grade.
func ForGrade(grade int) (*Form, error) {
	for _, f := range registry {
		if f.Grade == grade {
			return f, nil
		}
	}
	return nil, fmt.Errorf("grade %d: %w", grade, ErrUnknownForm)
}

// IDs lists the built-in form ids in order.
func IDs() []string {
	ids := make([]string, 0, len(registry))
	for id := range registry {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// LoadFS reads every *.yaml file in dir of fsys as a form.
func LoadFS(fsys fs.FS, dir string) (map[string]*Form, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read forms: %w", err)
	}
	forms := map[string]*Form{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".yaml" {
			continue
		}
		name := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read form %s: %w", name, err)
		}
		f, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("form %s: %w", name, err)
		}
		if _, dup := forms[f.ID]; dup {
			return nil, fmt.Errorf("form %s: id %q used twice", name, f.ID)
		}
		forms[f.ID] = f
	}
	return forms, nil
}

// Parse decodes and validates one form file. Unknown keys are errors, so a typo in a
// form file fails loudly instead of silently dropping a section.
func Parse(data []byte) (*Form, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f Form
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if err := f.validate(); err != nil {
		return nil, err
	}
	q := 1
	for i := range f.Sections {
		f.Sections[i].First = q
		q += f.Sections[i].Questions
		f.Sections[i].Last = q - 1
	}
	return &f, nil
}

func (f *Form) validate() error {
	switch {
	case f.ID == "":
		return errors.New("id is missing")
	case f.Grade < 1 || f.Grade > 11:
		return fmt.Errorf("grade %d is not a school grade", f.Grade)
	case len(f.Options) < 2 || len(f.Options) > 8:
		return fmt.Errorf("%d options; a form needs 2–8", len(f.Options))
	case f.Variants < 1 || f.Variants > 9:
		return fmt.Errorf("%d variants; a form needs 1–9", f.Variants)
	case len(f.Sections) == 0:
		return errors.New("no sections")
	}
	seen := map[string]bool{}
	for _, o := range f.Options {
		if len(o) != 1 || o[0] < 'A' || o[0] > 'Z' || seen[o] {
			return fmt.Errorf("option %q must be one distinct capital Latin letter", o)
		}
		seen[o] = true
	}
	keys := map[string]bool{}
	for _, s := range f.Sections {
		if s.Key == "" || keys[s.Key] {
			return fmt.Errorf("section key %q is empty or repeated", s.Key)
		}
		keys[s.Key] = true
		if s.Questions < 1 {
			return fmt.Errorf("section %s has %d questions", s.Key, s.Questions)
		}
	}
	if n := f.Questions(); n > 200 {
		return fmt.Errorf("%d questions do not fit on one sheet", n)
	}
	return nil
}
