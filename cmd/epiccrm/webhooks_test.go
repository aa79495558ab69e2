package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhooksCommand(t *testing.T) {
	ctx := context.Background()
	url := sqliteURL(t)
	env := map[string]string{"EPICCRM_DATABASE_URL": url}
	r := runCmd(t, ctx, "", nil, "migrate", "up", "--database-url", url)
	require.Equal(t, 0, r.code, r.stderr)

	r = runCmd(t, ctx, "", env, "webhooks", "add", "https://hooks.example.com/crm")
	assert.Equal(t, 2, r.code, "add needs --events")
	assert.Contains(t, r.stderr, "--events")
	r = runCmd(t, ctx, "", env, "webhooks", "add", "https://hooks.example.com/crm", "--events", "contract.signed,nope")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "unknown change type nope")

	r = runCmd(t, ctx, "", map[string]string{"EPICCRM_DATABASE_URL": url, "EPICCRM_EVENTS": "contract.signed,client.created"},
		"webhooks", "add", "https://hooks.example.com/crm")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "webhook 1 created")
	assert.Regexp(t, `secret: whsec_[A-Za-z0-9+/=]{44}`, r.stdout)

	r = runCmd(t, ctx, "", env, "webhooks", "list")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "https://hooks.example.com/crm")
	assert.Contains(t, r.stdout, "contract.signed,client.created")
	assert.NotContains(t, r.stdout, "whsec_", "the secret is shown once")

	r = runCmd(t, ctx, "", env, "webhooks", "deliveries", "1")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "STATUS")
	r = runCmd(t, ctx, "", env, "webhooks", "rm", "x")
	assert.Equal(t, 2, r.code)
	r = runCmd(t, ctx, "", env, "webhooks", "rm", "1")
	require.Equal(t, 0, r.code, r.stderr)
	r = runCmd(t, ctx, "", env, "webhooks", "rm", "1")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "not found")
}
