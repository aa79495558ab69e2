package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/internal/syncbuf"
)

// testKEK returns a key-encryption key made of 32 bytes b.
func testKEK(b byte) string {
	return base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(rune(b)), 32)))
}

// segment decodes the JSON of part i (0 header, 1 claims) of a JWS.
func segment(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[i])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func TestServeWithKeysInTheDatabaseAndRotate(t *testing.T) {
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "crm.db")
	addr := freeAddr(t)
	environ := map[string]string{"EPICCRM_ADDR": addr, "EPICCRM_KEY_ENCRYPTION_KEY": testKEK(1)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	e := &env{stdin: strings.NewReader(""), stdout: out, stderr: errOut, getenv: func(k string) string { return environ[k] }}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--database-url", dbURL, "--issuer", "https://crm.example.test",
			"--audience", "crm-test"}, e)
	}()
	require.Eventually(t, func() bool {
		r, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			r.Body.Close()
		}
		return err == nil
	}, 20*time.Second, 50*time.Millisecond, "the server did not come up: %s", errOut.String())

	var pw string
	for _, line := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "password: "); ok {
			pw = rest
		}
	}
	resp, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, pw)))
	require.NoError(t, err)
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&pair))
	resp.Body.Close()
	require.NotEmpty(t, pair.AccessToken)
	claims := segment(t, pair.AccessToken, 1)
	assert.Equal(t, "https://crm.example.test", claims["iss"])
	assert.Contains(t, fmt.Sprint(claims["aud"]), "crm-test")
	oldKid := segment(t, pair.AccessToken, 0)["kid"]

	r := runCmd(t, context.Background(), "", map[string]string{"EPICCRM_KEY_ENCRYPTION_KEY": testKEK(2)},
		"keys", "rotate", "--database-url", dbURL)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "does not decrypt the signing key")

	r = runCmd(t, context.Background(), "", map[string]string{"EPICCRM_KEY_ENCRYPTION_KEY": testKEK(1)},
		"keys", "rotate", "--database-url", dbURL)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "is now current")
	assert.NotContains(t, r.stdout, fmt.Sprint(oldKid))

	req, err := http.NewRequest("GET", "http://"+addr+"/api/v1/me", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+pair.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a token of the previous key keeps working: %s", body)

	cancel()
	assert.Equal(t, 0, <-done, errOut.String())

	r = runCmd(t, context.Background(), "", map[string]string{"EPICCRM_KEY_ENCRYPTION_KEY": testKEK(2),
		"EPICCRM_ADDR": freeAddr(t)}, "serve", "--database-url", dbURL)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "wrong key-encryption key: it does not decrypt the signing key")

	r = runCmd(t, context.Background(), "", map[string]string{"EPICCRM_KEY_ENCRYPTION_KEY": testKEK(1)},
		"serve", "--database-url", dbURL, "--key-file", filepath.Join(dir, "k.pem"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "not both")

	r = runCmd(t, context.Background(), "", nil, "keys", "rotate", "--database-url", dbURL)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--key-encryption-key (or EPICCRM_KEY_ENCRYPTION_KEY) is required")
}

func TestServePolicyMustMatch(t *testing.T) {
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "crm.db")
	app, err := openCRM(context.Background(), dbURL, true, epiccrm.Config{})
	require.NoError(t, err)
	require.NoError(t, app.Close()) // the built-in policy is now the one recorded

	text, err := os.ReadFile(filepath.Join("..", "..", "policy", "policy.csv"))
	require.NoError(t, err)
	other := filepath.Join(dir, "policy.csv")
	require.NoError(t, os.WriteFile(other, []byte(strings.Replace(string(text), "p, support, event, update, assigned\n", "", 1)), 0o600))
	r := runCmd(t, context.Background(), "", map[string]string{"EPICCRM_ADDR": freeAddr(t),
		"EPICCRM_KEY_FILE": filepath.Join(dir, "key.pem")}, "serve", "--database-url", dbURL, "--policy", other, "--policy-must-match")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "refusing to start: this process's policy (fingerprint ")
}
