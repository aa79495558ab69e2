package jwtauth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// maxKeyFileSize bounds what LoadOrCreateKey reads: an Ed25519 PKCS#8 PEM file is about 120 bytes.
const maxKeyFileSize = 64 << 10

// LoadOrCreateKey returns the Ed25519 signing key stored at path as a PEM "PRIVATE KEY"
// (PKCS#8) block. On first start, when there is no file, it generates a key and writes it there
// with mode 0600, creating missing directories with mode 0700; the file appears whole or not at
// all, so that two servers starting at once end up with the same key. It refuses a file that
// the group or others may read, or that does not hold an Ed25519 key.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	key, err := readKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	return createKey(path)
}

// readKey reads and checks the key file at path. Its error wraps fs.ErrNotExist when there is
// no such file.
func readKey(path string) (ed25519.PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: cannot open the token signing key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("jwtauth: cannot read the token signing key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("jwtauth: the token signing key %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("jwtauth: the token signing key %s may be read by other users (mode %04o): "+
			"restrict it with chmod 600 %s, and replace the key if others may have copied it", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize))
	if err != nil {
		return nil, fmt.Errorf("jwtauth: cannot read the token signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("jwtauth: %s holds no PEM \"PRIVATE KEY\" (PKCS#8) block: "+
			"point to an Ed25519 key, or remove the file to have one generated", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: %s holds no valid PKCS#8 private key (%v): "+
			"point to an Ed25519 key, or remove the file to have one generated", path, err)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("jwtauth: %s holds a %T, not an Ed25519 key: tokens are signed with Ed25519 (EdDSA); "+
			"point to an Ed25519 key, or remove the file to have one generated", path, parsed)
	}
	return key, nil
}

// createKey generates a key and writes it to path, unless another process wrote one first, in
// which case it returns that one.
func createKey(path string) (ed25519.PrivateKey, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("jwtauth: cannot create the directory of the token signing key: %w", err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: cannot generate a token signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: cannot encode the token signing key: %w", err)
	}
	// Write a temporary file (CreateTemp makes it 0600), then link it into place: the link
	// fails if the key appeared meanwhile, and a reader never sees a half-written file.
	tmp, err := os.CreateTemp(dir, ".jwtkey-*")
	if err != nil {
		return nil, fmt.Errorf("jwtauth: cannot write the token signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("jwtauth: cannot write the token signing key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKey(path)
		}
		return nil, fmt.Errorf("jwtauth: cannot write the token signing key: %w", err)
	}
	return key, nil
}
