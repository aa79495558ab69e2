package jwtauth_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
)

func TestLoadOrCreateKeyCreatesAPrivateFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state", "keys", "jwt.pem")
	key, err := jwtauth.LoadOrCreateKey(path)
	require.NoError(t, err)
	assert.Len(t, key, ed25519.PrivateKeySize)

	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	block, _ := pem.Decode(data)
	require.NotNil(t, block)
	assert.Equal(t, "PRIVATE KEY", block.Type)
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	assert.Equal(t, key, parsed)

	again, err := jwtauth.LoadOrCreateKey(path)
	require.NoError(t, err)
	assert.Equal(t, key, again, "the key is reloaded, not replaced")

	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

func TestLoadOrCreateKeyConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "jwt.pem")
	keys := make([]ed25519.PrivateKey, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := jwtauth.LoadOrCreateKey(path)
			assert.NoError(t, err)
			keys[i] = k
		}()
	}
	wg.Wait()
	for _, k := range keys[1:] {
		assert.Equal(t, keys[0], k, "every server ends up with the same key")
	}
}

func TestLoadOrCreateKeyRefusesBadFiles(t *testing.T) {
	t.Parallel()
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	edDER, err := x509.MarshalPKCS8PrivateKey(edKey)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	require.NoError(t, err)
	edPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: edDER})

	tests := []struct {
		name string
		data []byte
		mode os.FileMode
		want string
	}{
		{"world-readable", edPEM, 0o644, "chmod 600"},
		{"group-readable", edPEM, 0o640, "chmod 600"},
		{"world-writable", edPEM, 0o602, "chmod 600"},
		{"an ECDSA key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), 0o600, "not an Ed25519 key"},
		{"a public key block", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edDER}), 0o600, `no PEM "PRIVATE KEY"`},
		{"not PEM", []byte("hello"), 0o600, `no PEM "PRIVATE KEY"`},
		{"empty", []byte{}, 0o600, `no PEM "PRIVATE KEY"`},
		{"corrupt DER", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: edDER[:20]}), 0o600, "no valid PKCS#8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "jwt.pem")
			require.NoError(t, os.WriteFile(path, tt.data, 0o600))
			require.NoError(t, os.Chmod(path, tt.mode))
			key, err := jwtauth.LoadOrCreateKey(path)
			assert.Nil(t, key)
			assert.ErrorContains(t, err, tt.want)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tt.data, got, "a refused file is left as it was")
		})
	}

	t.Run("a directory", func(t *testing.T) {
		t.Parallel()
		_, err := jwtauth.LoadOrCreateKey(t.TempDir())
		assert.ErrorContains(t, err, "not a regular file")
	})
}
