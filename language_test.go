package epiccrm_test

import (
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/httpapi"
	"github.com/epicevents/epiccrm/adapters/web"
)

// TestOneDefaultLanguage checks that the deployment's language (Config.Admin.Language, which
// `serve --language` sets) is also the default of /api/docs, unless Config.API.Language says
// otherwise, and that a language EpicCRM does not speak is refused.
func TestOneDefaultLanguage(t *testing.T) {
	docsLanguage := func(t *testing.T, cfg epiccrm.Config) string {
		t.Helper()
		host := fiber.New()
		require.NoError(t, open(t, cfg).Mount(host, ""))
		resp := call(t, host, "GET", "/api/docs", "", "")
		require.Equal(t, 200, resp.StatusCode, resp.body)
		return resp.Header.Get("Content-Language")
	}
	assert.Equal(t, "en", docsLanguage(t, epiccrm.Config{}))
	assert.Equal(t, "fr", docsLanguage(t, epiccrm.Config{Admin: web.Config{Language: "fr"}}))
	assert.Equal(t, "en", docsLanguage(t, epiccrm.Config{Admin: web.Config{Language: "fr"}, API: httpapi.Config{Language: "en"}}))

	app := open(t, epiccrm.Config{API: httpapi.Config{Language: "de"}})
	err := app.Mount(fiber.New(), "", epiccrm.PartAdmin)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown language "de"`)
}
