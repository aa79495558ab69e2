package epiccrm_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/crm"
)

// server is one process of the CRM: an App and the host serving it.
type server struct {
	app  *epiccrm.App
	host *fiber.App
}

// serve opens and mounts an App on cfg, with cheap hashing and the key given.
func serve(t *testing.T, cfg epiccrm.Config, key ed25519.PrivateKey) server {
	t.Helper()
	cfg.SigningKey = key
	cfg.Passwords = password.New(password.ForTests)
	cfg.Logger = quiet
	app, err := epiccrm.Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, app.Close()) })
	host := fiber.New()
	require.NoError(t, app.Mount(host, ""))
	return server{app, host}
}

// get sends an authenticated GET and returns the status.
func (s server) get(t *testing.T, path, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", "http://crm.test"+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.host.Test(req, 20000)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// login logs username in and returns the access token.
func (s server) login(t *testing.T, username string) string {
	t.Helper()
	r := call(t, s.host, "POST", "/api/v1/auth/login", "application/json",
		`{"username":"`+username+`","password":"Velvet-Harbor-91"}`)
	require.Equal(t, http.StatusOK, r.StatusCode, r.body)
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.body), &pair))
	return pair.AccessToken
}

// TestRevocationIsImmediateWithCaches deactivates a user, and changes another's role, on one
// process of two sharing a PostgreSQL database, after both have served (and cached) the users'
// tokens: the very next request with those tokens fails on either process.
func TestRevocationIsImmediateWithCaches(t *testing.T) {
	ctx := context.Background()
	st, url := pgtest.NewWithURL(t)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	a := serve(t, epiccrm.Config{Store: st}, key)
	b := serve(t, epiccrm.Config{DatabaseURL: url}, key)

	admin, err := a.app.Service.Bootstrap(ctx, crm.UserInput{Username: crm.Some("admin"),
		Email: crm.Some("admin@host.test"), Password: crm.Some("Velvet-Harbor-91")})
	require.NoError(t, err)
	actx := crm.NewContext(ctx, admin)
	users := map[string]*crm.User{}
	for _, name := range []string{"sam", "sue"} {
		users[name], err = a.app.Service.CreateUser(actx, crm.UserInput{Username: crm.Some(name),
			Email: crm.Some(name + "@host.test"), Role: crm.Some(crm.RoleSales), Password: crm.Some("Velvet-Harbor-91")})
		require.NoError(t, err)
	}

	changes := []struct {
		user   string
		change crm.UserInput
	}{
		{"sam", crm.UserInput{IsActive: crm.Some(false)}},
		{"sue", crm.UserInput{Role: crm.Some(crm.RoleSupport)}},
	}
	for _, c := range changes {
		token := a.login(t, c.user)
		for range 3 { // served, and cached, by both processes
			require.Equal(t, http.StatusOK, a.get(t, "/api/v1/me", token))
			require.Equal(t, http.StatusOK, b.get(t, "/api/v1/me", token))
		}
		_, err := a.app.Service.UpdateUser(actx, users[c.user].ID, c.change, 0)
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, b.get(t, "/api/v1/me", token), "%s on the other process", c.user)
		assert.Equal(t, http.StatusUnauthorized, a.get(t, "/api/v1/me", token), "%s on the same process", c.user)
	}
}
