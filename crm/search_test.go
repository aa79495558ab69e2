package crm_test

import (
	"testing"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
)

func TestFoldSearch(t *testing.T) {
	for in, want := range map[string]string{
		"AMÉLIE":         "amelie",
		"Amélie":         "amelie",
		"amelie":         "amelie",
		"Ça c'est Noël":  "ca c'est noel",
		"Œuvre Æther":    "oeuvre aether",
		"Straße":         "strasse",
		"ﬁlm ＡＢＣ":        "film abc",
		"100% Big_Corp":  "100% big_corp",
		"e\u0301cole":    "ecole",
		"":               "",
		"Zoë\u00a0Dupré": "zoe dupre",
	} {
		assert.Equal(t, want, crm.FoldSearch(in), "FoldSearch(%q)", in)
	}
}

func TestSearchWords(t *testing.T) {
	assert.Equal(t, []string{"amelie", "durand"}, crm.SearchWords("  AMÉLIE\tDurand amelie "))
	assert.Nil(t, crm.SearchWords(" \u0301 "), "a word of combining marks only folds to nothing")
	assert.Nil(t, crm.SearchWords(""))
}

func TestSearchText(t *testing.T) {
	assert.Equal(t, "amelie\ndurand\n\nacme sarl", crm.SearchText("Amélie", "DURAND", "", "Acme SARL"))
}
