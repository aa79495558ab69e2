package web

import (
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// CatalogueTexts returns the messages of a language that are plain strings (not plural forms),
// by key, for the tests of package web_test that look for untranslated text.
func CatalogueTexts(lang string) map[string]string {
	cat, err := loadCatalogue()
	if err != nil {
		panic(err)
	}
	out := map[string]string{}
	for k, m := range cat.msgs[lang] {
		if s, ok := m.(string); ok {
			out[k] = s
		}
	}
	return out
}

// CatalogueSprintf formats the catalogue message key in lang with args, plural forms included.
func CatalogueSprintf(lang, key string, args ...any) string {
	cat, err := loadCatalogue()
	if err != nil {
		panic(err)
	}
	return message.NewPrinter(language.MustParse(lang), message.Catalog(cat.cat)).Sprintf(key, args...)
}
