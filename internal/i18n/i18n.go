// Package i18n reads the message catalogues of the adapters that speak more than one language:
// one JSON file per language, an object from message key to message. A message is a string (a
// fmt format for golang.org/x/text/message), or, when it depends on a count, an object of CLDR
// plural forms ({"one": "%d result", "other": "%d results"}) selected by the first argument.
// It also holds the languages EpicCRM speaks and the negotiation of Accept-Language, so that
// the admin UI and the API's reference page choose a language the same way.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"
)

// Languages are the codes of the languages EpicCRM speaks, the default first.
var Languages = []string{"en", "fr"}

// Supported reports whether code is one of Languages.
func Supported(code string) bool {
	for _, l := range Languages {
		if l == code {
			return true
		}
	}
	return false
}

var matcher = language.NewMatcher(func() []language.Tag {
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.MustParse(l)
	}
	return tags
}())

// Negotiate picks a language of Languages for an Accept-Language header: the best match by
// q-value (fr-CA is French), or def when nothing in the header is supported (or it is absent or
// malformed).
func Negotiate(acceptLanguage, def string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return def
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return def
	}
	return Languages[i]
}

// Catalogue is a parsed message catalogue.
type Catalogue struct {
	// Builder is the catalogue for golang.org/x/text/message printers, falling back to English.
	Builder *catalog.Builder
	// Messages are the messages as the files hold them: language -> key -> message (a string
	// or a map of plural forms).
	Messages map[string]map[string]any
}

// Load reads the file name(lang) of fsys for each of langs into one catalogue. A file that is
// missing, is not a JSON object, or holds a message that is neither a string nor plural forms
// with an "other" form is an error naming the file and the key.
func Load(fsys fs.FS, langs []string, name func(lang string) string) (*Catalogue, error) {
	c := &Catalogue{Builder: catalog.NewBuilder(catalog.Fallback(language.English)), Messages: map[string]map[string]any{}}
	for _, lang := range langs {
		file := name(lang)
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("read the message catalogue %s: %w", file, err)
		}
		var msgs map[string]any
		if err := json.Unmarshal(data, &msgs); err != nil {
			return nil, fmt.Errorf("parse the message catalogue %s: %w", file, err)
		}
		tag, err := language.Parse(lang)
		if err != nil {
			return nil, fmt.Errorf("message catalogue %s: %q is not a language code: %w", file, lang, err)
		}
		for key, m := range msgs {
			if err := c.set(tag, key, m); err != nil {
				return nil, fmt.Errorf("message catalogue %s, key %q: %w", file, key, err)
			}
		}
		c.Messages[lang] = msgs
	}
	return c, nil
}

// set adds one message to the catalogue.
func (c *Catalogue) set(tag language.Tag, key string, m any) error {
	switch m := m.(type) {
	case string:
		return c.Builder.SetString(tag, key, m)
	case map[string]any:
		forms := make([]string, 0, len(m))
		for form := range m {
			forms = append(forms, form)
		}
		sort.Strings(forms) // "one" before "other", so "other" is the last (catch-all) case
		cases := make([]any, 0, 2*len(m))
		for _, form := range forms {
			text, ok := m[form].(string)
			if !ok {
				return fmt.Errorf("plural form %q must be a string", form)
			}
			cases = append(cases, form, text)
		}
		if _, ok := m["other"]; !ok {
			return fmt.Errorf(`plural forms need an "other" form`)
		}
		return c.Builder.Set(tag, key, plural.Selectf(1, "%d", cases...))
	}
	return fmt.Errorf("a message must be a string or an object of plural forms, not %T", m)
}
