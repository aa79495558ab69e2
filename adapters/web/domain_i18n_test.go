package web

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/epicevents/epiccrm/crm"
)

// crmMessageBuilders are the functions of crm that take the English format of a message, with the
// index of the format among their arguments.
var crmMessageBuilders = map[string]int{"Errorf": 1, "Textf": 0, "forbiddenWrite": 1, "joinTexts": 1}

// crmBuilderBodies are the functions of crm that pass on a format they were given (or write one
// from a message): their own calls of the builders are not messages.
var crmBuilderBodies = map[string]bool{"Errorf": true, "forbiddenWrite": true, "ErrorText": true, "joinTexts": true, "DisabledReasonText": true}

// verbRE matches the verbs of a format.
var verbRE = regexp.MustCompile(`%(\[\d+\])?[a-z]`)

// crmFormats returns every English message format of the crm package's source (not its tests):
// the literal formats given to its message builders (Errorf, Textf, forbiddenWrite), including
// the separators given to joinTexts, and the literal Messages of its Error values; and those the
// stores give to crm.Errorf, crm.Textf and crm.Error (see storeDirs). Each maps to where it is
// written. A builder given a format that is not a constant fails the test: the
// catalogue could not be checked for it.
func crmFormats(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	packageFormats(t, filepath.Join("..", "..", "crm"), "", out)
	if len(out) < 60 {
		t.Fatalf("found only %d messages in crm: the scanner is broken", len(out))
	}
	n := len(out)
	for _, dir := range storeDirs {
		packageFormats(t, dir, "crm", out)
	}
	if len(out)-n < 20 {
		t.Fatalf("found only %d messages in the stores: the scanner is broken", len(out)-n)
	}
	return out
}

// storeDirs are the packages of the stores, whose errors reach the pages as errors of the domain
// (a conflict, an unavailable database, a record not found): their messages are the domain's too.
var storeDirs = []string{filepath.Join("..", "sqlstore"), filepath.Join("..", "sqlite"), filepath.Join("..", "postgres")}

// packageFormats adds to out the message formats of the Go package in dir (not its tests), as
// crmFormats describes them. qual is how the package names crm: "" inside crm itself, where
// the builders are called by their bare names, else "crm" (crm.Errorf, crm.Textf, crm.Error{}).
func packageFormats(t *testing.T, dir, qual string, out map[string]string) {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	// The package's string constants, which a format may name.
	consts := map[string]ast.Expr{}
	for _, f := range files {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							consts[n.Name] = vs.Values[i]
						}
					}
				}
			}
		}
	}
	var eval func(e ast.Expr) (string, bool)
	eval = func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind != token.STRING {
				return "", false
			}
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		case *ast.ParenExpr:
			return eval(e.X)
		case *ast.BinaryExpr:
			if e.Op != token.ADD {
				return "", false
			}
			x, ok1 := eval(e.X)
			y, ok2 := eval(e.Y)
			return x + y, ok1 && ok2
		case *ast.Ident:
			if v, ok := consts[e.Name]; ok {
				return eval(v)
			}
		}
		return "", false
	}
	// name returns the name of a builder or type as the package refers to it: Errorf for
	// crm.Errorf outside crm; "" for anything else.
	name := func(e ast.Expr) string {
		switch e := e.(type) {
		case *ast.Ident:
			if qual == "" {
				return e.Name
			}
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok && qual != "" && x.Name == qual {
				return e.Sel.Name
			}
		}
		return ""
	}
	add := func(s string, pos token.Pos) {
		if strings.TrimSpace(verbRE.ReplaceAllString(s, "")) == "" {
			return // "%s" alone is no sentence
		}
		if _, ok := out[s]; !ok {
			out[s] = fset.Position(pos).String()
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			skipCalls := ok && qual == "" && crmBuilderBodies[fn.Name.Name]
			ast.Inspect(d, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					builderName := name(n.Fun)
					if builderName == "" || skipCalls {
						return true
					}
					i, builder := crmMessageBuilders[builderName]
					if qual != "" && builderName != "Errorf" && builderName != "Textf" {
						builder = false // the builders crm keeps to itself
					}
					if !builder || len(n.Args) <= i {
						return true
					}
					s, ok := eval(n.Args[i])
					if !ok {
						t.Errorf("%s: the format given to %s is not a constant, so no catalogue test can check it",
							fset.Position(n.Pos()), builderName)
						return true
					}
					add(s, n.Args[i].Pos())
				case *ast.CompositeLit:
					if name(n.Type) != "Error" {
						return true
					}
					for _, el := range n.Elts {
						kv, ok := el.(*ast.KeyValueExpr)
						if k, isIdent := kv.Key.(*ast.Ident); ok && isIdent && k.Name == "Message" {
							if s, ok := eval(kv.Value); ok {
								add(s, kv.Value.Pos())
							}
						}
					}
				}
				return true
			})
		}
	}
}

// formatVerbs returns the verb of each argument a format takes, by argument number (from 1),
// following explicit indexes such as %[2]s; ok is false when the format is malformed.
func formatVerbs(format string) (verbs map[int]rune, ok bool) {
	verbs = map[int]rune{}
	arg := 1
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		if i < len(format) && format[i] == '[' {
			end := strings.IndexByte(format[i:], ']')
			if end < 0 {
				return nil, false
			}
			n, err := strconv.Atoi(format[i+1 : i+end])
			if err != nil || n < 1 {
				return nil, false
			}
			arg, i = n, i+end+1
		}
		for i < len(format) && (format[i] >= '0' && format[i] <= '9' || format[i] == '.') {
			i++
		}
		if i >= len(format) {
			return nil, false
		}
		if format[i] == '%' {
			continue
		}
		if v, seen := verbs[arg]; seen && v != rune(format[i]) {
			return nil, false
		}
		verbs[arg] = rune(format[i])
		arg++
	}
	return verbs, true
}

// TestDomainMessagesTranslated fails when a message of the domain (see crmFormats) is not a key of
// every language of the catalogue, or when a translation does not take the same arguments with
// the same verbs. The English message of a key is its format, as the domain writes it.
func TestDomainMessagesTranslated(t *testing.T) {
	cat := testUI(t).cat
	formats := crmFormats(t)
	keys := make([]string, 0, len(formats))
	for f := range formats {
		keys = append(keys, f)
	}
	sort.Strings(keys)
	for _, f := range keys {
		want, ok := formatVerbs(f)
		if !ok {
			t.Errorf("%s: %q is not a valid format", formats[f], f)
			continue
		}
		if en, _ := cat.msgs["en"][f].(string); en != f {
			t.Errorf("%s: en.json lacks the message %q (its English text is the key itself)", formats[f], f)
		}
		fr, ok := cat.msgs["fr"][f].(string)
		if !ok {
			t.Errorf("%s: fr.json lacks the message %q", formats[f], f)
			continue
		}
		if got, ok := formatVerbs(fr); !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the French %q does not take the arguments of %q (%v, want %v)", formats[f], fr, f, got, want)
		}
	}
}

// TestFormatVerbs checks the verb reader the test above relies on.
func TestFormatVerbs(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   map[int]rune
		ok     bool
	}{
		{"no %s with id %d", map[int]rune{1: 's', 2: 'd'}, true},
		{"%[2]s a %[1]d", map[int]rune{1: 'd', 2: 's'}, true},
		{"100%% of %q", map[int]rune{1: 'q'}, true},
		{"%[1]s and %[1]d", nil, false},
		{"cut %", nil, false},
		{"plain", map[int]rune{}, true},
	} {
		got, ok := formatVerbs(tc.format)
		if ok != tc.ok || ok && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("formatVerbs(%q) = %v, %v; want %v, %v", tc.format, got, ok, tc.want, tc.ok)
		}
	}
}

// TestDomainText checks how a sentence of the domain is shown: translated by its English format
// with its words (resources, actions, roles, field names) and nested sentences translated too,
// ids written with their digits alone; in English as the domain wrote it; in English when the
// catalogue lacks the format, never blank.
func TestDomainText(t *testing.T) {
	en, fr := testLocale(t, "en"), testLocale(t, "fr")
	forbidden := crm.Textf("you may not %s this contract", crm.ActionSign)
	missing := crm.Textf("the %s role has no scope to %s %s records", crm.RoleSales, crm.ActionDelete, crm.ResourceEvent)
	nested := crm.Textf("%s: %s", crm.Textf("no %s with id %d", crm.ResourceContract, int64(12345)), missing)
	for _, tc := range []struct {
		l    *locale
		t    crm.Text
		want string
	}{
		{fr, forbidden, "vous ne pouvez pas signer ce contrat"},
		{en, forbidden, "you may not sign this contract"},
		{fr, nested, "aucune fiche contrat n’a l’identifiant 12345\u00a0: le rôle Commercial n’a aucune portée pour supprimer les fiches événement"},
		{en, nested, "no contract with id 12345: the Sales role has no scope to delete event records"},
		{en, crm.Textf("you may not set %s: %s", crm.FieldNames{"sales_contact_id"}, "only management assigns clients"), "you may not set Sales contact: only management assigns clients"},
		{fr, crm.Textf("invalid value for %s", crm.FieldNames{"sales_contact_id", "made_up"}), "valeur non valide pour\u00a0: Commercial, Made up"},
		{fr, crm.Textf("no %s with id %d", crm.Resource("gizmo"), 7), "aucune fiche gizmo n’a l’identifiant 7"},
		{fr, crm.Textf("a sentence the catalogue lacks, about %s %d", crm.ResourceClient, 3), "a sentence the catalogue lacks, about client 3"},
		{fr, crm.Textf("100%% sure"), "100% sure"},
	} {
		if got := tc.l.text(tc.t); got != tc.want {
			t.Errorf("%s: text(%q) = %q, want %q", tc.l.Lang, tc.t.Format, got, tc.want)
		}
	}

	// An error: its message as a sentence; one the catalogue lacks follows the generic sentence.
	generic := "The record is not in a state that allows this."
	err := crm.Errorf(crm.ECONFLICT, "the contract is already signed")
	if got := fr.errorSentence(err, generic); got != "Le contrat est déjà signé." {
		t.Errorf("French error = %q", got)
	}
	if got := en.errorSentence(err, generic); got != "The contract is already signed." {
		t.Errorf("English error = %q", got)
	}
	adapter := &crm.Error{Code: crm.ECONFLICT, Message: "an adapter's own words"}
	if got, want := fr.errorSentence(adapter, generic), fr.T(generic)+" An adapter's own words."; got != want {
		t.Errorf("French untranslated error = %q, want %q", got, want)
	}
	if got := fr.errorText(errors.New("disk on fire")); got != "une erreur interne est survenue" {
		t.Errorf("an error that is not the domain's = %q", got)
	}
	if got := capitalize("élan"); got != "Élan" {
		t.Errorf("capitalize(élan) = %q", got)
	}
}
