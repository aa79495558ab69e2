package reqid_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/internal/reqid"
)

func TestGet(t *testing.T) {
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		first := reqid.Get(c)
		require.Equal(t, first, reqid.Get(c), "one id per request")
		return c.SendString(first)
	})
	do := func(sent string) (body, header string) {
		req := httptest.NewRequest("GET", "/", nil)
		if sent != "" {
			req.Header.Set(reqid.Header, sent)
		}
		resp, err := app.Test(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b), resp.Header.Get(reqid.Header)
	}
	body, header := do("proxy-id_1.2")
	assert.Equal(t, "proxy-id_1.2", body, "a well-formed id from the caller is kept")
	assert.Equal(t, body, header)
	for _, bad := range []string{"", "has space", "new\nline", strings.Repeat("a", 65), "<script>"} {
		body, header = do(bad)
		assert.Len(t, body, 32, "a new id replaces %q", bad)
		assert.Equal(t, body, header)
	}
	a, _ := do("")
	b, _ := do("")
	assert.NotEqual(t, a, b, "new ids are random")
}

func TestValid(t *testing.T) {
	assert.True(t, reqid.Valid("abc-DEF_123.4"))
	assert.False(t, reqid.Valid(""))
	assert.False(t, reqid.Valid("a/b"))
	assert.False(t, reqid.Valid(strings.Repeat("x", 65)))
}
