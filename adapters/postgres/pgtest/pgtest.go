// Package pgtest gives tests a fresh, migrated PostgreSQL store of their own, in a throwaway
// database.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	neturl "net/url"
	"os"
	"testing"
	"time"

	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server used when EPICCRM_TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres"

// URL returns the URL of the server that tests create their databases on:
// EPICCRM_TEST_DATABASE_URL, or DefaultURL.
func URL() string {
	if u := os.Getenv("EPICCRM_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New creates a database with a unique name on the server named by URL, migrates it, and
// returns a store on it; the store is closed and the database dropped when the test ends.
//
// When the server cannot be reached, the test is skipped with a loud message, unless the
// environment variable CI is "true": there the PostgreSQL tests are required, and it fails.
func New(tb testing.TB) *postgres.Store {
	tb.Helper()
	s, _ := NewWithURL(tb)
	return s
}

// NewWithURL is New, and also returns the database's URL, for a test that opens a second
// store on it (another server process).
func NewWithURL(tb testing.TB) (*postgres.Store, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	admin, err := connect(ctx, URL())
	if err != nil {
		unreachable(tb, err)
	}
	name := "epiccrm_test_" + randomHex(tb)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		_ = admin.Close(ctx)
		tb.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	_ = admin.Close(ctx)
	tb.Cleanup(func() { drop(tb, name) })

	url, err := withDatabase(URL(), name)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	s, err := postgres.Open(ctx, url)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if err := s.MigrateUp(ctx); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return s, url
}

// NewURL creates an empty database (not migrated) with a unique name on the server named by
// URL and returns its URL; the database is dropped when the test ends. It skips or fails like
// New when the server cannot be reached.
func NewURL(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := connect(ctx, URL())
	if err != nil {
		unreachable(tb, err)
	}
	defer func() { _ = admin.Close(ctx) }()
	name := "epiccrm_test_" + randomHex(tb)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	tb.Cleanup(func() { drop(tb, name) })
	url, err := withDatabase(URL(), name)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return url
}

// unreachable skips the test, or fails it under CI=true.
func unreachable(tb testing.TB, err error) {
	tb.Helper()
	msg := fmt.Sprintf("!!! PostgreSQL not reachable at %s: skipping; these tests are required under CI=true "+
		"(set EPICCRM_TEST_DATABASE_URL to a server's URL): %v", redacted(URL()), err)
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// connect opens one administrative connection to url with a short timeout.
func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 3 * time.Second
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// drop drops the test database, disconnecting whoever is still connected.
func drop(tb testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := connect(ctx, URL())
	if err != nil {
		tb.Errorf("pgtest: dropping database %s: %v", name, err)
		return
	}
	defer func() { _ = admin.Close(ctx) }()
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		tb.Errorf("pgtest: dropping database %s: %v", name, err)
	}
}

// withDatabase returns url with its database replaced by name, keeping its other settings.
func withDatabase(rawURL, name string) (string, error) {
	u, err := neturl.Parse(rawURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("EPICCRM_TEST_DATABASE_URL must be a postgres:// URL, not %q", redacted(rawURL))
	}
	u.Path = "/" + name
	return u.String(), nil
}

// redacted returns url without its password, for messages.
func redacted(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "(an invalid URL)"
	}
	return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
}

func randomHex(tb testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return hex.EncodeToString(b)
}
