package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestPreferences checks that each user reads and changes their own preferences, the admin
// UI's: a partial change keeps the rest, "" returns a field to the default, and a bad value,
// an unknown or mistyped key changes nothing and names each field with its code.
func TestPreferences(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		const path = "/api/v1/me/preferences"
		get := func(t *testing.T, who string) string {
			t.Helper()
			resp, b := e.do(t, req{who: who, method: "GET", path: path})
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
			return string(b)
		}
		patch := func(t *testing.T, who, body string) string {
			t.Helper()
			resp, b := e.do(t, req{who: who, method: "PATCH", path: path, body: body})
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
			return string(b)
		}
		assert.JSONEq(t, `{"language":"","time_zone":"","theme":""}`, get(t, "P1"), "none saved: every default")

		assert.JSONEq(t, `{"language":"fr","time_zone":"","theme":""}`, patch(t, "P1", `{"language":"fr"}`))
		assert.JSONEq(t, `{"language":"fr","time_zone":"America/Montreal","theme":"dark"}`,
			patch(t, "P1", `{"time_zone":"America/Montreal","theme":"dark"}`), "fields left out keep their value")
		assert.JSONEq(t, `{"language":"fr","time_zone":"America/Montreal","theme":"dark"}`, patch(t, "P1", `{}`))
		ps, ok := e.store.(crm.PreferenceStore)
		require.True(t, ok, "the store keeps preferences")
		saved, err := ps.FindPreferences(context.Background(), e.ids["P1"])
		require.NoError(t, err)
		assert.Equal(t, crm.Preferences{Language: "fr", TimeZone: "America/Montreal", Theme: crm.ThemeDark}, saved,
			"the admin UI reads the same preferences")

		for _, tc := range []struct {
			name, body string
			status     int
			fields     map[string]crm.FieldCode
		}{
			{"a language it does not speak", `{"language":"de"}`, 422, map[string]crm.FieldCode{"language": crm.FieldInvalidChoice}},
			{"a language tag in capitals", `{"language":"FR"}`, 422, map[string]crm.FieldCode{"language": crm.FieldInvalidChoice}},
			{"no such time zone", `{"time_zone":"Mars/Olympus_Mons"}`, 422, map[string]crm.FieldCode{"time_zone": crm.FieldInvalidChoice}},
			{"a time zone with spaces", `{"time_zone":" Europe/Paris"}`, 422, map[string]crm.FieldCode{"time_zone": crm.FieldInvalidChoice}},
			{"no such theme", `{"theme":"pink"}`, 422, map[string]crm.FieldCode{"theme": crm.FieldInvalidChoice}},
			{"every bad field at once", `{"language":"xx","time_zone":"Nowhere","theme":"pink"}`, 422,
				map[string]crm.FieldCode{"language": crm.FieldInvalidChoice, "time_zone": crm.FieldInvalidChoice, "theme": crm.FieldInvalidChoice}},
			{"a good field with a bad one", `{"language":"en","theme":"pink"}`, 422, map[string]crm.FieldCode{"theme": crm.FieldInvalidChoice}},
			{"an unknown field", `{"colour":"blue"}`, 422, map[string]crm.FieldCode{"colour": crm.FieldUnknown}},
			{"another user's id", `{"user_id":{S2},"language":"en"}`, 422, map[string]crm.FieldCode{"user_id": crm.FieldUnknown}},
			{"null", `{"language":null}`, 422, map[string]crm.FieldCode{"language": crm.FieldInvalidValue}},
			{"a number", `{"theme":1}`, 422, map[string]crm.FieldCode{"theme": crm.FieldInvalidValue}},
			{"a key twice", `{"theme":"light","theme":"dark"}`, 422, map[string]crm.FieldCode{"theme": crm.FieldDuplicate}},
			{"not an object", `["fr"]`, 400, nil},
			{"not JSON", `language=fr`, 400, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, b := e.do(t, req{who: "P1", method: "PATCH", path: path, body: tc.body})
				require.Equal(t, tc.status, resp.StatusCode, "%s", b)
				p := decodeProblem(t, resp, b)
				got := map[string]crm.FieldCode{}
				for _, f := range p.Errors {
					got[f.Field] = f.Code
					assert.NotEmpty(t, f.Message, "%s", b)
				}
				if tc.fields != nil {
					assert.Equal(t, tc.fields, got, "%s", b)
				}
			})
		}
		resp, b := e.doBody(t, req{who: "P1", method: "PATCH", path: path}, `{"theme":"light"}`, "text/plain")
		assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, "%s", b)
		assert.JSONEq(t, `{"language":"fr","time_zone":"America/Montreal","theme":"dark"}`, get(t, "P1"),
			"refused changes changed nothing")

		assert.JSONEq(t, `{"language":"","time_zone":"America/Montreal","theme":"dark"}`, patch(t, "P1", `{"language":""}`),
			`"" returns a field to the default`)

		t.Run("each user's own", func(t *testing.T) {
			assert.JSONEq(t, `{"language":"","time_zone":"","theme":""}`, get(t, "P2"), "P1's change is not P2's")
			assert.JSONEq(t, `{"language":"en","time_zone":"UTC","theme":"light"}`,
				patch(t, "P2", `{"language":"en","time_zone":"UTC","theme":"light"}`))
			assert.JSONEq(t, `{"language":"","time_zone":"America/Montreal","theme":"dark"}`, get(t, "P1"),
				"P2's change is not P1's")
			assert.JSONEq(t, `{"language":"","time_zone":"","theme":""}`, get(t, "M"), "nor management's")
			for _, p := range []string{"/api/v1/users/{P1}/preferences", "/api/v1/me/preferences/{P1}"} {
				resp, b := e.do(t, req{who: "M", method: "PATCH", path: p, body: `{"language":"fr"}`})
				assert.Contains(t, []int{http.StatusNotFound, http.StatusMethodNotAllowed}, resp.StatusCode, "%s: %s", p, b)
			}
			assert.JSONEq(t, `{"language":"","time_zone":"America/Montreal","theme":"dark"}`, get(t, "P1"))
		})

		t.Run("anonymous", func(t *testing.T) {
			for _, m := range []string{"GET", "PATCH"} {
				resp, b := e.do(t, req{method: m, path: path, body: `{"language":"fr"}`})
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s", b)
			}
			resp, b := e.do(t, req{method: "GET", path: path,
				header: map[string]string{"Authorization": "Bearer " + e.access["P1"] + "x"}})
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s", b)
		})
	})
}

// failingPreferences is a preference store that fails as a database can.
type failingPreferences struct{ find, save error }

func (f failingPreferences) FindPreferences(context.Context, int64) (crm.Preferences, error) {
	return crm.Preferences{}, f.find
}

func (f failingPreferences) SavePreferences(context.Context, int64, crm.Preferences) error {
	return f.save
}

// TestPreferencesUnavailable checks the answers when the server keeps no preferences, or its
// store fails: a problem document saying so, never a preference made up.
func TestPreferencesUnavailable(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/me/preferences"
	t.Run("no store", func(t *testing.T) {
		t.Parallel()
		// A store wrapped for its Ping keeps no preferences: the API has none to serve.
		e := newEnv(t, storeKinds[0], func(o *envOptions) { o.pinger = okPinger{} })
		for _, m := range []string{"GET", "PATCH"} {
			resp, b := e.do(t, req{who: "P1", method: m, path: path, body: `{"language":"fr"}`})
			require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s", b)
			assert.Contains(t, decodeProblem(t, resp, b).Detail, "preferences are not kept on this server")
		}
	})
	for _, tc := range []struct {
		name     string
		store    failingPreferences
		method   string
		status   int
		inDetail string
	}{
		{"read fails", failingPreferences{find: crm.Errorf(crm.EUNAVAILABLE, "database down")}, "GET", 503, "database down"},
		{"read before a change fails", failingPreferences{find: crm.Errorf(crm.EUNAVAILABLE, "database down")}, "PATCH", 503, "database down"},
		{"the user is gone", failingPreferences{save: crm.Errorf(crm.ENOTFOUND, "no such user")}, "PATCH", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, storeKinds[0], func(o *envOptions) { o.cfg.Preferences = tc.store })
			resp, b := e.do(t, req{who: "P1", method: tc.method, path: path, body: `{"theme":"dark"}`})
			require.Equal(t, tc.status, resp.StatusCode, "%s", b)
			assert.Contains(t, decodeProblem(t, resp, b).Detail, tc.inDetail)
		})
	}
}

// okPinger is a database that always answers.
type okPinger struct{}

func (okPinger) Ping(context.Context) error { return nil }
