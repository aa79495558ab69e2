package httpapi_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/crm"
)

// docsTemplateKeyRE finds the texts the docs template translates: {{t "..."}} and {{th "..."}}.
var docsTemplateKeyRE = regexp.MustCompile(`\{\{-?\s*th?\s+("(?:[^"\\]|\\.)*")`)

// docsPageTexts returns every English text of the docs page: the template's and those it
// takes from the OpenAPI document.
func docsPageTexts(t *testing.T) []string {
	t.Helper()
	texts, _ := httpapi.DocsTexts()
	seen := map[string]bool{}
	for _, s := range texts {
		seen[s] = true
	}
	for _, m := range docsTemplateKeyRE.FindAllStringSubmatch(httpapi.DocsTemplate(), -1) {
		s, err := strconv.Unquote(m[1])
		require.NoError(t, err, m[1])
		seen[s] = true
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	require.Greater(t, len(out), 150, "the page's texts were not found")
	return out
}

// TestDocsCatalogueCoversThePage checks that the French catalogue of /api/docs translates every
// English text of the page, holds no text the page no longer shows, and writes French the way
// the admin UI's catalogue does (typographic apostrophe, no-break space before : ; ? !).
func TestDocsCatalogueCoversThePage(t *testing.T) {
	t.Parallel()
	texts := docsPageTexts(t)
	_, cats := httpapi.DocsTexts()
	fr := cats["fr"]
	require.NotEmpty(t, fr)
	onPage := map[string]bool{}
	for _, s := range texts {
		onPage[s] = true
		m, ok := fr[s].(string)
		if assert.True(t, ok, "no French for the text of /api/docs %q: add it to adapters/httpapi/locales/docs.fr.json", s) {
			assert.NotEmpty(t, strings.TrimSpace(m), s)
		}
	}
	for key, m := range fr {
		assert.True(t, onPage[key], "docs.fr.json translates %q, which the page does not show: remove it", key)
		s, _ := m.(string)
		plain := regexp.MustCompile(`<code>.*?</code>`).ReplaceAllString(s, "")
		assert.NotContains(t, plain, "'", "French uses the typographic apostrophe ’: %q", s)
		assert.NotRegexp(t, ` [:;!?](\s|$)`, plain, "a no-break space goes before : ; ! ? in French: %q", s)
	}
}

// TestDocsPageLanguage checks how /api/docs chooses its language: ?lang=, else Accept-Language,
// else the server's default; that it says which (html lang, Content-Language, Vary) and links to
// the other; and that it refuses a language it does not speak.
func TestDocsPageLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[2], func(o *envOptions) { o.noFixture = true })
	page := func(t *testing.T, path, acceptLanguage string) (string, *http.Response) {
		t.Helper()
		r := req{method: "GET", path: path}
		if acceptLanguage != "" {
			r.header = map[string]string{"Accept-Language": acceptLanguage}
		}
		resp, body := e.do(t, r)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assert.Contains(t, resp.Header.Values("Vary"), "Accept-Language")
		return string(body), resp
	}
	for _, tc := range []struct{ name, path, accept, want string }{
		{"no preference: the default", "/api/docs", "", "en"},
		{"French asked", "/api/docs", "fr", "fr"},
		{"Canadian French is French", "/api/docs", "de-DE, fr-CA;q=0.8, en;q=0.5", "fr"},
		{"a language it does not speak", "/api/docs", "de, es;q=0.9", "en"},
		{"English preferred", "/api/docs", "en-GB, fr;q=0.5", "en"},
		{"malformed header", "/api/docs", ";;q=x", "en"},
		{"?lang=fr wins", "/api/docs?lang=fr", "en", "fr"},
		{"?lang=en wins", "/api/docs?lang=en", "fr-FR", "en"},
		{"an empty ?lang= chooses nothing", "/api/docs?lang=", "fr", "fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			html, resp := page(t, tc.path, tc.accept)
			assert.Equal(t, tc.want, resp.Header.Get("Content-Language"))
			assert.Contains(t, html, `<html lang="`+tc.want+`">`)
		})
	}

	t.Run("served to many at once", func(t *testing.T) {
		// The page's templates translate on every request: under -race, concurrent requests
		// show any unguarded state they share.
		// The goroutines only fetch: require (FailNow) may run on the test's goroutine alone, so
		// every answer is checked after they are done.
		type answer struct {
			status int
			lang   string
			err    error
		}
		langs := []string{"en", "fr"}
		answers := make([]answer, 8)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := e.app.Test(httptest.NewRequest(http.MethodGet, e.prefix+"/api/docs?lang="+langs[i%2], nil), 20000)
				if err != nil {
					answers[i].err = err
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				answers[i] = answer{status: resp.StatusCode, lang: resp.Header.Get("Content-Language"), err: errors.Join(err, resp.Body.Close())}
			}()
		}
		wg.Wait()
		for i, a := range answers {
			if assert.NoError(t, a.err, "request %d", i) {
				assert.Equal(t, http.StatusOK, a.status, "request %d", i)
				assert.Equal(t, langs[i%2], a.lang, "request %d", i)
			}
		}
	})
	t.Run("the French page", func(t *testing.T) {
		html, _ := page(t, "/api/docs?lang=fr", "")
		for _, want := range []string{"<title>Référence de l’API d’EpicCRM</title>", "<h2>Authentification</h2>",
			"Qui peut l’appeler (politique en vigueur)", "Créer un client.", "Changer les champs donnés.",
			"L’identifiant de l’enregistrement.", "<td>404 Introuvable</td>", `<td class="no">non</td>`,
			"avec quelle portée\u00a0: <code>any</code>", "<h2 id=\"schemas\">Schémas</h2>"} {
			assert.Contains(t, html, want)
		}
		for _, gone := range []string{"Who may call it", "Create a client.", "The id of the record.", "Not Found"} {
			assert.NotContains(t, html, gone)
		}
		assert.Contains(t, html, `<a href="/crm/api/docs?lang=en" hreflang="en" lang="en">English</a>`)
		assert.Contains(t, html, `<a href="/crm/api/docs?lang=fr" hreflang="fr" lang="fr" aria-current="true">Français</a>`)
		assert.Contains(t, html, `<pre class="example-response"><code>200 OK`, "examples stay as the API speaks")
	})
	t.Run("the English page links to the French one", func(t *testing.T) {
		html, _ := page(t, "/api/docs", "")
		assert.Contains(t, html, `<a href="/crm/api/docs?lang=fr" hreflang="fr" lang="fr">Français</a>`)
		assert.Contains(t, html, "Who may call it (current policy)")
		assert.NotContains(t, html, "Qui peut")
	})
	t.Run("the OpenAPI document stays English", func(t *testing.T) {
		r := req{method: "GET", path: "/api/openapi.json", header: map[string]string{"Accept-Language": "fr"}}
		resp, body := e.do(t, r)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, string(body), `"summary": "Create a client."`)
		assert.NotContains(t, string(body), "Créer")
	})
	for _, path := range []string{"/api/docs?lang=de", "/api/docs?lang=FR", "/api/docs?lang=fr&lang=en",
		"/api/docs?language=fr"} {
		t.Run("refused: "+path, func(t *testing.T) {
			resp, body := e.do(t, req{method: "GET", path: path})
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
			p := decodeProblem(t, resp, body)
			require.Len(t, p.Errors, 1, "%s", body)
			if path == "/api/docs?language=fr" {
				assert.Equal(t, crm.FieldUnknown, p.Errors[0].Code)
				return
			}
			assert.Equal(t, "lang", p.Errors[0].Field)
		})
	}
}

// TestDocsPageDefaultLanguage checks that the server's default language (Config.Language) is
// the page's when the request asks for none it speaks.
func TestDocsPageDefaultLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0], func(o *envOptions) { o.noFixture = true; o.cfg.Language = "fr" })
	for accept, want := range map[string]string{"": "fr", "de": "fr", "en-US": "en"} {
		resp, body := e.do(t, req{method: "GET", path: "/api/docs", header: map[string]string{"Accept-Language": accept}})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, want, resp.Header.Get("Content-Language"), "Accept-Language %q", accept)
		assert.Contains(t, string(body), `<html lang="`+want+`">`)
	}
}

// TestDocsArticles checks that no English text of /api/docs (the template's, and the summaries
// and descriptions of the OpenAPI document, some of them written from a record kind's name)
// puts "a" before a vowel: "Create an event", not "Create a event".
func TestDocsArticles(t *testing.T) {
	t.Parallel()
	before := regexp.MustCompile(`\b[Aa] [aeioAEIO]\w*`)
	for _, s := range docsPageTexts(t) {
		assert.NotRegexp(t, before, s, "%q: write \"an\" before a vowel", s)
	}
}

// TestDocsPageAnchors checks that every in-page link of /api/docs, in each language, points to
// an element of the page: a body or response schema written in place (a string, a CSV file) has
// no section, so it is shown without a link.
func TestDocsPageAnchors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[2], func(o *envOptions) { o.noFixture = true })
	hrefs, ids := regexp.MustCompile(`href="#([^"]*)"`), regexp.MustCompile(`\sid="([^"]*)"`)
	for _, lang := range []string{"en", "fr"} {
		resp, body := e.do(t, req{method: "GET", path: "/api/docs?lang=" + lang})
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		html := string(body)
		have := map[string]bool{}
		for _, m := range ids.FindAllStringSubmatch(html, -1) {
			have[m[1]] = true
		}
		links := hrefs.FindAllStringSubmatch(html, -1)
		require.Greater(t, len(links), 50, "%s: the page's links were not found", lang)
		for _, m := range links {
			assert.True(t, have[m[1]], "%s: /api/docs links to #%s, which is not on the page", lang, m[1])
		}
	}
}
