package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/message/catalog"
)

// The catalog files: messages/<lang>.json, an object of message ID → text, or → an
// object of plural forms {"one": …, "few": …, "many": …, "other": …}.
//
//go:embed messages/*.json
var files embed.FS

var pluralOrder = []string{"zero", "one", "two", "few", "many", "other"}

func pluralSelect(cases []any) catalog.Message { return plural.Selectf(1, "%d", cases...) }

func loadEmbedded() error {
	all, err := Parse(files)
	if err != nil {
		return err
	}
	messages.mu.Lock()
	defer messages.mu.Unlock()
	for lang, msgs := range all {
		ids := make([]string, 0, len(msgs))
		for id := range msgs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if err := messages.set(lang, id, msgs[id]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Parse reads the catalog files of fsys (messages/<lang>.json), for the loader and
// for tests of the files themselves.
func Parse(fsys fs.FS) (map[string]map[string]Message, error) {
	out := map[string]map[string]Message{}
	for _, lang := range Languages {
		name := "messages/" + lang + ".json"
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		msgs := map[string]Message{}
		for id, v := range raw {
			var m Message
			if err := json.Unmarshal(v, &m.Text); err != nil {
				if err := json.Unmarshal(v, &m.Forms); err != nil {
					return nil, fmt.Errorf("%s: %s is neither a text nor an object of plural forms", name, id)
				}
				for c := range m.Forms {
					if !contains(pluralOrder, c) {
						return nil, fmt.Errorf("%s: %s: %q is not a CLDR plural category (%s)", name, id, c, strings.Join(pluralOrder, ", "))
					}
				}
				if _, ok := m.Forms["other"]; !ok {
					return nil, fmt.Errorf(`%s: %s: plural forms need "other"`, name, id)
				}
			}
			msgs[id] = m
		}
		out[lang] = msgs
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
