package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// testUI returns a UI with only what the locale code needs: the catalogue and the zone.
func testUI(t *testing.T) *UI {
	t.Helper()
	cat, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return &UI{cat: cat, zone: paris, cfg: Config{Language: "en"}}
}

func testLocale(t *testing.T, lang string) *locale {
	ui := testUI(t)
	return ui.newLocale(lang, ui.zone, crm.ThemeAuto)
}

var (
	keyCallRE     = regexp.MustCompile(`\b(?:T|msg)\(\s*("(?:[^"\\]|\\.)*"(?:\s*\+\s*"(?:[^"\\]|\\.)*")*)`)
	stringLitRE   = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	templateKeyRE = regexp.MustCompile(`\{\{-?\s*t\s+"((?:[^"\\]|\\.)*)"`)
)

// usedKeys returns the catalogue keys the package's Go files (T(...) and msg(...) with literal
// keys) and templates ({{t "..."}}) use, plus the keys built at run time.
func usedKeys(t *testing.T) map[string]bool {
	t.Helper()
	used := map[string]bool{}
	goFiles, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range goFiles {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyCallRE.FindAllStringSubmatch(string(src), -1) {
			var key strings.Builder
			for _, lit := range stringLitRE.FindAllString(m[1], -1) {
				s, err := strconv.Unquote(lit)
				if err != nil {
					t.Fatalf("%s: %s: %v", name, lit, err)
				}
				key.WriteString(s)
			}
			used[key.String()] = true
		}
	}
	err = fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		for _, m := range templateKeyRE.FindAllStringSubmatch(string(src), -1) {
			s, err := strconv.Unquote(`"` + m[1] + `"`)
			if err != nil {
				t.Fatalf("%s: %s: %v", p, m[1], err)
			}
			used[s] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Keys built at run time: the prefixes found above are not keys themselves.
	delete(used, "date.month.")
	delete(used, "field.")
	delete(used, "import.")
	for _, c := range crm.ImportCodes {
		used["import."+c] = true
	}
	for m := 1; m <= 12; m++ {
		used["date.month."+strconv.Itoa(m)] = true
	}
	for _, c := range crm.FieldCodes {
		used["field."+string(c)] = true
	}
	for _, k := range fieldMessageKeys {
		used[k] = true
	}
	for _, k := range domainWordKeys {
		used[k] = true
	}
	for f := range crmFormats(t) {
		used[f] = true
	}
	return used
}

// TestCatalogueComplete fails when a key is missing in one language, when code or a template
// uses a key the catalogue lacks, or when the catalogue holds a key nothing uses.
func TestCatalogueComplete(t *testing.T) {
	cat := testUI(t).cat
	used := usedKeys(t)
	if len(used) < 300 {
		t.Fatalf("found only %d keys in use: the key scanner is broken", len(used))
	}
	for _, lang := range Languages {
		msgs := cat.msgs[lang]
		var missing, unused []string
		for k := range used {
			if _, ok := msgs[k]; !ok {
				missing = append(missing, k)
			}
		}
		for k := range msgs {
			if !used[k] {
				unused = append(unused, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(unused)
		if len(missing) > 0 {
			t.Errorf("%s.json lacks %d keys in use: %q", lang, len(missing), missing)
		}
		if len(unused) > 0 {
			t.Errorf("%s.json holds %d keys nothing uses: %q", lang, len(unused), unused)
		}
	}
}

// TestCatalogueFormats checks that each message takes the same verbs in every language, so that
// no translation drops or misreads an argument.
func TestCatalogueFormats(t *testing.T) {
	cat := testUI(t).cat
	verbs := regexp.MustCompile(`%(\[\d+\])?[sdv]`)
	count := func(m any) int {
		var texts []string
		switch m := m.(type) {
		case string:
			texts = []string{m}
		case map[string]any:
			for _, v := range m {
				texts = append(texts, v.(string))
			}
		}
		n := 0
		for _, s := range texts {
			n = max(n, len(verbs.FindAllString(s, -1)))
		}
		return n
	}
	for k, en := range cat.msgs["en"] {
		if fr, ok := cat.msgs["fr"][k]; ok && count(en) != count(fr) {
			t.Errorf("key %q: English takes %d arguments, French %d", k, count(en), count(fr))
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct{ header, def, want string }{
		{"fr-FR,fr;q=0.9,en;q=0.8", "en", "fr"},
		{"fr-CA", "en", "fr"},
		{"en-GB,en;q=0.9", "fr", "en"},
		{"de, fr;q=0.5", "en", "fr"},
		{"en;q=0.1, fr;q=0.9", "en", "fr"},
		{"fr;q=0, en", "fr", "en"},
		{"de-DE", "fr", "fr"},
		{"de-DE", "en", "en"},
		{"", "fr", "fr"},
		{"*", "fr", "fr"},
		{"not a header;;q=x", "en", "en"},
	} {
		if got := negotiate(tc.header, tc.def); got != tc.want {
			t.Errorf("negotiate(%q, default %s) = %s, want %s", tc.header, tc.def, got, tc.want)
		}
	}
}

func TestMoneyFormats(t *testing.T) {
	en, fr := testLocale(t, "en"), testLocale(t, "fr")
	for _, tc := range []struct {
		cents  crm.Money
		en, fr string
	}{
		{1250000, "€12,500.00", "12\u202f500,00\u00a0€"},
		{0, "€0.00", "0,00\u00a0€"},
		{99, "€0.99", "0,99\u00a0€"},
		{123456789, "€1,234,567.89", "1\u202f234\u202f567,89\u00a0€"},
		{-150000, "-€1,500.00", "-1\u202f500,00\u00a0€"},
	} {
		if got := en.money(tc.cents); got != tc.en {
			t.Errorf("English money(%d) = %q, want %q", tc.cents, got, tc.en)
		}
		if got := fr.money(tc.cents); got != tc.fr {
			t.Errorf("French money(%d) = %q, want %q", tc.cents, got, tc.fr)
		}
	}
}

func TestDateFormats(t *testing.T) {
	en, fr := testLocale(t, "en"), testLocale(t, "fr")
	summer := time.Date(2027, 6, 2, 16, 0, 0, 0, time.UTC) // 18:00 in Paris (CEST)
	winter := time.Date(2027, 12, 24, 23, 30, 0, 0, time.UTC)
	for _, tc := range []struct{ got, want string }{
		{en.time(summer), "2 Jun 2027, 18:00"},
		{fr.time(summer), "2 juin 2027 à 18:00"},
		{en.timeZone(summer), "2 Jun 2027, 18:00 CEST"},
		{fr.day(winter), "25 déc. 2027"}, // 00:30 the next day in Paris
		{en.day(winter), "25 Dec 2027"},
		{fr.date(&crm.Date{}), "—"},
		{en.time(time.Time{}), "—"},
		{en.inputTime(summer), "2027-06-02T18:00"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	d, err := crm.ParseDate("2027-08-15")
	if err != nil {
		t.Fatal(err)
	}
	if got := fr.date(&d); got != "15 août 2027" {
		t.Errorf("French date = %q", got)
	}
}

// TestParseInputTimeDST checks the two nights a year when Paris changes its clocks: on
// 28 March 2027 02:00 becomes 03:00, on 31 October 2027 03:00 becomes 02:00 again.
func TestParseInputTimeDST(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, in string
		prev     *time.Time
		want     time.Time
		problem  string
	}{
		{"an ordinary summer evening", "2027-06-02T18:00", nil, utc("2027-06-02T16:00:00Z"), ""},
		{"an ordinary winter morning", "2027-01-10T09:15", nil, utc("2027-01-10T08:15:00Z"), ""},
		{"with seconds", "2027-01-10T09:15:30", nil, utc("2027-01-10T08:15:30Z"), ""},
		{"the skipped hour does not exist", "2027-03-28T02:30", nil, time.Time{}, timeSkipped},
		{"just before the skipped hour", "2027-03-28T01:59", nil, utc("2027-03-28T00:59:00Z"), ""},
		{"just after the skipped hour", "2027-03-28T03:00", nil, utc("2027-03-28T01:00:00Z"), ""},
		{"the repeated hour is read as its first pass (summer time)", "2027-10-31T02:30", nil, utc("2027-10-31T00:30:00Z"), ""},
		{"the second pass is kept when the record had it", "2027-10-31T02:30", new(utc("2027-10-31T01:30:00Z")), utc("2027-10-31T01:30:00Z"), ""},
		{"the first pass is kept when the record had it", "2027-10-31T02:30", new(utc("2027-10-31T00:30:00Z")), utc("2027-10-31T00:30:00Z"), ""},
		{"the record's seconds are kept when unchanged", "2027-06-02T18:00", new(utc("2027-06-02T16:00:42Z")), utc("2027-06-02T16:00:42Z"), ""},
		{"a changed value ignores the record's", "2027-06-02T19:00", new(utc("2027-06-02T16:00:42Z")), utc("2027-06-02T17:00:00Z"), ""},
		{"an RFC 3339 time keeps its offset", "2027-10-31T02:30:00+01:00", nil, utc("2027-10-31T01:30:00Z"), ""},
		{"garbage", "tomorrow", nil, time.Time{}, timeUnreadable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, problem, args := parseInputTime(tc.in, paris, tc.prev)
			if problem != tc.problem || !got.Equal(tc.want) {
				t.Fatalf("parseInputTime(%q) = %s, %q %v; want %s, %q", tc.in, got, problem, args, tc.want, tc.problem)
			}
			if problem == timeSkipped && (len(args) != 2 || args[0] != "Europe/Paris" || args[1] != "03:30") {
				t.Fatalf("the skipped hour's arguments = %v", args)
			}
		})
	}
	// Round trip: every quarter hour of both nights, shown in a form and read back, is the
	// same instant when the form is saved unchanged.
	for _, day := range []string{"2027-03-28T00:00:00Z", "2027-10-31T00:00:00Z"} {
		start := utc(day).Add(-2 * time.Hour)
		for at := start; at.Before(start.Add(6 * time.Hour)); at = at.Add(15 * time.Minute) {
			l := &locale{zone: paris}
			got, problem, _ := parseInputTime(l.inputTime(at), paris, &at)
			if problem != "" || !got.Equal(at) {
				t.Errorf("round trip of %s via %q = %s %q", at, l.inputTime(at), got, problem)
			}
		}
	}
	// In UTC, nothing is skipped or repeated.
	if got, problem, _ := parseInputTime("2027-03-28T02:30", time.UTC, nil); problem != "" || !got.Equal(utc("2027-03-28T02:30:00Z")) {
		t.Errorf("UTC 02:30 = %s %q", got, problem)
	}
}

func TestFieldMessages(t *testing.T) {
	fr, en := testLocale(t, "fr"), testLocale(t, "en")
	for _, tc := range []struct {
		f      crm.FieldError
		en, fr string
	}{
		{crm.FieldError{Field: "name", Code: crm.FieldRequired, Message: "required"}, "Required.", "Obligatoire."},
		{crm.FieldError{Field: "name", Code: crm.FieldTooLong, Message: "at most 150 characters", Args: []string{"150"}},
			"Too long: at most 150 characters.", "Trop long\u00a0: au plus 150 caractères."},
		{crm.FieldError{Field: "attendees", Code: crm.FieldOutOfRange, Args: []string{"0", "100000"}},
			"Must be between 0 and 100000.", "Doit être compris entre 0 et 100000."},
		{crm.FieldError{Field: "x", Message: "a message of an adapter without a code"}, "A message of an adapter without a code", "A message of an adapter without a code"},
	} {
		if got := en.fieldMessage(tc.f); got != tc.en {
			t.Errorf("English %+v = %q, want %q", tc.f, got, tc.en)
		}
		if got := fr.fieldMessage(tc.f); got != tc.fr {
			t.Errorf("French %+v = %q, want %q", tc.f, got, tc.fr)
		}
	}
	for _, c := range crm.FieldCodes {
		f := crm.FieldError{Code: c, Args: []string{"1"}}
		if got := fr.fieldMessage(f); strings.Contains(got, "field.") || strings.Contains(got, "MISSING") || got == en.fieldMessage(f) {
			t.Errorf("code %s has no French message of its own: %q", c, got)
		}
	}
}

func TestPluralForms(t *testing.T) {
	fr, en := testLocale(t, "fr"), testLocale(t, "en")
	for _, tc := range []struct{ got, want string }{
		{en.T("%d results", 1), "1 result"}, {en.T("%d results", 0), "0 results"}, {en.T("%d results", 2500), "2,500 results"},
		{fr.T("%d results", 1), "1 résultat"}, {fr.T("%d results", 0), "0 résultat"}, {fr.T("%d results", 3), "3 résultats"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestTemplatesHaveNoLiteralText fails on text a template writes outside {{t ...}}: words
// between tags, and in the attributes a person reads (aria-label, title, placeholder, alt), so
// that every such text goes through the catalogue and is translated.
func TestTemplatesHaveNoLiteralText(t *testing.T) {
	actions := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	scripts := regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`)
	// The "aria" template writes attributes only, no text.
	attrOnly := regexp.MustCompile(`(?m)^\{\{define "aria"\}\}.*$`)
	tags := regexp.MustCompile(`(?s)<[^>]*>`)
	attrs := regexp.MustCompile(`\b(?:aria-label|title|placeholder|alt)="([^"]*)"`)
	word := regexp.MustCompile(`[A-Za-z]{2,}`)
	// The brand is the same in every language.
	allowed := map[string]bool{"Epic": true, "CRM": true, "EpicCRM": true}
	found := 0
	err := fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		found++
		s := scripts.ReplaceAllString(actions.ReplaceAllString(attrOnly.ReplaceAllString(string(src), ""), " "), " ")
		var texts []string
		for _, m := range attrs.FindAllStringSubmatch(s, -1) {
			texts = append(texts, m[1])
		}
		texts = append(texts, tags.ReplaceAllString(s, "\n"))
		for _, text := range texts {
			for _, w := range word.FindAllString(text, -1) {
				if !allowed[w] {
					t.Errorf("%s: literal text %q: put it in the catalogue and write {{t \"...\"}}", p, w)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 10 {
		t.Fatalf("found only %d templates: the scanner is broken", found)
	}
}

// TestImportMessages checks that every import problem code has a French text of its own that
// takes the code's arguments, and that a field's code is translated as the field error it is.
func TestImportMessages(t *testing.T) {
	fr, en := testLocale(t, "fr"), testLocale(t, "en")
	args := map[string]int{crm.ImportNotUTF8: 1, crm.ImportEmptyFile: 1, crm.ImportBadHeader: 1, crm.ImportUnknownColumn: 2,
		crm.ImportRepeatedColumn: 1, crm.ImportMissingColumn: 2, crm.ImportUnreadable: 1, crm.ImportCellCount: 2,
		crm.ImportTooManyRows: 1, crm.ImportRepeatedEmail: 1, crm.ImportRepeatedUsername: 1, crm.ImportAmbiguousEmail: 2,
		crm.ImportRowRefused: 1}
	for _, c := range crm.ImportCodes {
		e := crm.ImportError{Line: 2, Code: c, Message: "english"}
		for i := 0; i < args[c]; i++ {
			e.Args = append(e.Args, "arg"+strconv.Itoa(i+1))
		}
		got := fr.importMessage(e)
		if strings.Contains(got, "import.") || strings.Contains(got, "%!") || got == en.importMessage(e) {
			t.Errorf("code %s has no French message of its own taking %d arguments: %q", c, args[c], got)
		}
		for _, a := range e.Args {
			if !strings.Contains(got, a) {
				t.Errorf("code %s: the French message %q drops the argument %s", c, got, a)
			}
		}
	}
	e := crm.ImportError{Line: 3, Field: "first_name", Code: string(crm.FieldRequired), Message: "required"}
	if got := fr.importMessage(e); got != "Obligatoire." {
		t.Errorf("a field's code: %q", got)
	}
}

// TestFrenchTypography checks the French catalogue's spacing: a no-break space (U+00A0 or
// U+202F) before : ; ! ? and », and after «, so that a line never breaks before the sign.
func TestFrenchTypography(t *testing.T) {
	cat := testUI(t).cat
	bad := regexp.MustCompile(`[^\x{00A0}\x{202F}][:;!?»]|«[^\x{00A0}\x{202F}]`)
	check := func(key, text string) {
		for _, m := range bad.FindAllStringIndex(text, -1) {
			frag := text[m[0]:m[1]]
			if strings.HasPrefix(frag, " ") || strings.HasSuffix(frag, " ") || strings.Contains(frag, "«") || strings.Contains(frag, "»") {
				t.Errorf("key %q: %q needs a no-break space: %q", key, frag, text)
			}
		}
	}
	for k, m := range cat.msgs["fr"] {
		switch m := m.(type) {
		case string:
			check(k, m)
		case map[string]any:
			for _, v := range m {
				check(k, v.(string))
			}
		}
	}
}
