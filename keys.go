package epiccrm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/epicevents/epiccrm/adapters/jwtauth"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// signingKeyStore is the part of a Store that keeps the token signing keys (the signing_keys
// table): *sqlite.Store and *postgres.Store have it.
type signingKeyStore interface {
	SigningKeys(ctx context.Context) ([]sqlstore.SigningKey, error)
	AddSigningKey(ctx context.Context, k sqlstore.SigningKey, rotate bool) error
	DeleteSigningKeysRetiredBefore(ctx context.Context, t time.Time) (int64, error)
}

// keyStore is a signingKeyStore as jwtauth's key store port.
type keyStore struct{ db signingKeyStore }

var _ jwtauth.KeyStore = keyStore{}

// SigningKeys implements jwtauth.KeyStore.
func (k keyStore) SigningKeys(ctx context.Context) ([]jwtauth.StoredKey, error) {
	rows, err := k.db.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	keys := make([]jwtauth.StoredKey, len(rows))
	for i, r := range rows {
		keys[i] = jwtauth.StoredKey{ID: r.ID, Sealed: r.Sealed, CreatedAt: r.CreatedAt, RetiredAt: r.RetiredAt}
	}
	return keys, nil
}

// AddSigningKey implements jwtauth.KeyStore.
func (k keyStore) AddSigningKey(ctx context.Context, key jwtauth.StoredKey, rotate bool) error {
	return k.db.AddSigningKey(ctx, sqlstore.SigningKey{ID: key.ID, Sealed: key.Sealed, CreatedAt: key.CreatedAt}, rotate)
}

// DeleteSigningKeysRetiredBefore implements jwtauth.KeyStore.
func (k keyStore) DeleteSigningKeysRetiredBefore(ctx context.Context, t time.Time) (int64, error) {
	return k.db.DeleteSigningKeysRetiredBefore(ctx, t)
}

// keyStoreOf returns the signing key store of db, or an error when db keeps no signing keys.
func keyStoreOf(db Store) (keyStore, error) {
	ks, ok := db.(signingKeyStore)
	if !ok {
		return keyStore{}, fmt.Errorf("epiccrm.Config.KeyEncryptionKey: the store %T keeps no signing keys: "+
			"use the SQLite or PostgreSQL store, or KeyFile", db)
	}
	return keyStore{ks}, nil
}

// openKeySet loads the signing keys of the App's database (making the first one on an empty
// database) with the key-encryption key of the configuration.
func (a *App) openKeySet(ctx context.Context, kek *jwtauth.KEK, tcfg jwtauth.Config) (*jwtauth.KeySet, error) {
	ks, err := keyStoreOf(a.store)
	if err != nil {
		return nil, err
	}
	set, err := jwtauth.OpenKeySet(ctx, tcfg, ks, kek, jwtauth.KeySetOptions{Refresh: a.cfg.KeyRefresh, Logger: a.log})
	if err != nil {
		if errors.Is(err, jwtauth.ErrKeyEncryptionKey) {
			return nil, fmt.Errorf("epiccrm.Config.KeyEncryptionKey: %w", err)
		}
		return nil, fmt.Errorf("epiccrm: loading the token signing keys from the database: %w", err)
	}
	return set, nil
}

// Keys returns the signing keys the App shares with the other processes on its database, or nil
// when it signs with one key of its own (Config.KeyFile or Config.SigningKey).
func (a *App) Keys() *jwtauth.KeySet { return a.keys }

// RotateSigningKey makes a new token signing key current for every process on the database (see
// RotateSigningKey): this App uses it at once, the others within Config.KeyRefresh. It needs
// Config.KeyEncryptionKey.
func (a *App) RotateSigningKey(ctx context.Context) (string, error) {
	if a.keys == nil {
		return "", errors.New("epiccrm: the signing key rotates only when the keys are kept in the database: " +
			"set Config.KeyEncryptionKey (--key-encryption-key) instead of KeyFile or SigningKey")
	}
	return a.keys.Rotate(ctx)
}

// RotateSigningKey makes a new token signing key current in the database db, whose keys are
// sealed with the key-encryption key kek (base64 of 32 bytes), and returns its kid. The key it
// replaces keeps verifying the tokens it signed until they expire; the processes serving db
// start signing with the new key within their key refresh period (Config.KeyRefresh), and accept
// its tokens at once. It refuses a kek that does not open the current key. On a database without
// keys it makes the first one.
func RotateSigningKey(ctx context.Context, db Store, kek string) (string, error) {
	k, err := jwtauth.ParseKEK(kek)
	if err != nil {
		return "", err
	}
	if err := CheckSchema(db); err != nil {
		return "", err
	}
	ks, err := keyStoreOf(db)
	if err != nil {
		return "", err
	}
	return jwtauth.RotateKey(ctx, ks, k, time.Now())
}
