package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhookEndpoints(t *testing.T) {
	e := newEnv(t, storeKinds[0])
	body := `{"url":"https://hooks.example.com/crm","events":["contract.signed"]}`
	for _, who := range []string{"S1", "P1"} {
		resp, b := e.do(t, req{who: who, method: "POST", path: "/api/v1/webhooks", body: body})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s: %s", who, b)
		resp, _ = e.do(t, req{who: who, method: "GET", path: "/api/v1/webhooks"})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, who)
	}

	resp, b := e.do(t, req{who: "M", method: "POST", path: "/api/v1/webhooks", body: body})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", b)
	var created struct {
		ID      int64  `json:"id"`
		Secret  string `json:"secret"`
		Enabled bool   `json:"enabled"`
	}
	require.NoError(t, json.Unmarshal(b, &created))
	assert.Regexp(t, `^whsec_[A-Za-z0-9+/]{43}=$`, created.Secret)
	assert.True(t, created.Enabled)
	path := "/api/v1/webhooks/" + itoaTest(created.ID)

	resp, b = e.do(t, req{who: "M", method: "GET", path: path})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.NotContains(t, string(b), "whsec_", "the secret is shown once")

	resp, b = e.do(t, req{who: "M", method: "POST", path: "/api/v1/webhooks",
		body: `{"url":"ftp://x","events":["nope"]}`})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "%s", b)

	resp, b = e.do(t, req{who: "M", method: "PATCH", path: path, body: `{"enabled":false}`})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.Contains(t, string(b), `"enabled":false`)
	assert.Contains(t, string(b), "disabled by management")

	resp, b = e.do(t, req{who: "M", method: "POST", path: path + "/test"})
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", b)
	assert.Contains(t, string(b), `"message_id":"msg_`)
	resp, b = e.do(t, req{who: "M", method: "GET", path: path + "/deliveries?limit=10"})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.JSONEq(t, `{"items":[]}`, string(b), "nothing is attempted while the webhook is disabled")

	resp, _ = e.do(t, req{who: "M", method: "DELETE", path: path})
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	resp, _ = e.do(t, req{who: "M", method: "GET", path: path})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func itoaTest(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
