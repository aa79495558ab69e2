package i18n

import (
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

func file(lang string) string { return "locales/" + lang + ".json" }

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"locales/en.json": {Data: []byte(`{"Hello": "Hello", "%d result": {"one": "%d result", "other": "%d results"}}`)},
		"locales/fr.json": {Data: []byte(`{"Hello": "Bonjour", "%d result": {"one": "%d résultat", "other": "%d résultats"}}`)},
	}
	c, err := Load(fsys, []string{"en", "fr"}, file)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Messages["fr"]["Hello"]; got != "Bonjour" {
		t.Errorf("Messages[fr][Hello] = %v, want Bonjour", got)
	}
	p := message.NewPrinter(language.French, message.Catalog(c.Builder))
	for n, want := range map[int]string{1: "1 résultat", 3: "3 résultats"} {
		if got := p.Sprintf("%d result", n); got != want {
			t.Errorf("French %d: %q, want %q", n, got, want)
		}
	}
	if got := message.NewPrinter(language.German, message.Catalog(c.Builder)).Sprintf("Hello"); got != "Hello" {
		t.Errorf("a language without a catalogue falls back to English: got %q", got)
	}
}

func TestLoadNamesWhatIsWrong(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"not JSON", `{"Hello": `, "parse the message catalogue locales/fr.json"},
		{"not an object", `["Hello"]`, "parse the message catalogue locales/fr.json"},
		{"a number", `{"Hello": 1}`, `key "Hello": a message must be a string or an object of plural forms, not float64`},
		{"no other form", `{"%d item": {"one": "%d élément"}}`, `key "%d item": plural forms need an "other" form`},
		{"a form not a string", `{"%d item": {"one": 1, "other": "%d éléments"}}`, `plural form "one" must be a string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"locales/fr.json": {Data: []byte(tc.data)}}, []string{"fr"}, file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	_, err := Load(fstest.MapFS{}, []string{"fr"}, file)
	if err == nil || !strings.Contains(err.Error(), "read the message catalogue locales/fr.json") {
		t.Errorf("a missing file: error %v", err)
	}
	_, err = Load(fstest.MapFS{"locales/x y.json": {Data: []byte(`{}`)}}, []string{"x y"}, file)
	if err == nil || !strings.Contains(err.Error(), "is not a language code") {
		t.Errorf("a bad language code: error %v", err)
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct{ header, def, want string }{
		{"", "en", "en"},
		{"", "fr", "fr"},
		{"fr", "en", "fr"},
		{"fr-CA", "en", "fr"},
		{"de-DE, fr;q=0.5, en;q=0.4", "en", "fr"},
		{"en-US, fr;q=0.9", "fr", "en"},
		{"de, es", "fr", "fr"},
		{"*;q=x,,", "fr", "fr"},
	} {
		if got := Negotiate(tc.header, tc.def); got != tc.want {
			t.Errorf("Negotiate(%q, %s) = %s, want %s", tc.header, tc.def, got, tc.want)
		}
	}
	if !Supported("fr") || Supported("FR") || Supported("") || Supported("de") {
		t.Error("Supported accepts exactly the codes of Languages")
	}
}
