package sqlstore

import (
	"context"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

var _ crm.APIKeyStore = (*Store)(nil)

// apiKeyCols are the columns of an API key, with the role of its service account.
const apiKeyCols = `k.id, k.name, k.prefix, k.user_id, u.role, k.created_at, k.created_by, k.expires_at,
	k.last_used_at, k.revoked_at, k.hash`

// apiKeyFrom joins each key to its service account.
const apiKeyFrom = " FROM api_keys k JOIN users u ON u.id = k.user_id"

func scanAPIKey(r Row) (*crm.APIKey, error) {
	var k crm.APIKey
	err := r.Scan(&k.ID, &k.Name, &k.Prefix, &k.UserID, (*string)(&k.Role), timeDest{&k.CreatedAt}, &k.CreatedBy,
		nullTimeDest{&k.ExpiresAt}, nullTimeDest{&k.LastUsedAt}, nullTimeDest{&k.RevokedAt}, &k.Hash)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// CreateAPIKey inserts the service account u, its audit entries and the key k in one
// transaction.
func (s *Store) CreateAPIKey(ctx context.Context, u *crm.User, k *crm.APIKey, audit []crm.AuditEntry) error {
	err := s.inTx(ctx, func(tx Tx) error {
		if err := s.insertUser(ctx, tx, u, audit); err != nil {
			return err
		}
		err := s.queryRow(ctx, tx, `INSERT INTO api_keys (user_id, name, prefix, hash, created_at, created_by, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.ID, k.Name, k.Prefix, k.Hash, s.d.time(k.CreatedAt), k.CreatedBy, s.d.nullTime(k.ExpiresAt)).Scan(&k.ID)
		if err != nil {
			return s.fail(err, &conflicts{unique: crm.Textf("this API key exists already: create another")})
		}
		k.UserID = u.ID
		return nil
	})
	return s.userConflict(ctx, err, u, 0)
}

// FindAPIKeyByHash returns the key whose hash is hash, or ENOTFOUND. It reads the database every
// time: a revoked key must fail at once in every process.
func (s *Store) FindAPIKeyByHash(ctx context.Context, hash []byte) (*crm.APIKey, error) {
	return s.findAPIKey(ctx, "k.hash = ?", hash)
}

// FindAPIKey returns the key with id, or ENOTFOUND.
func (s *Store) FindAPIKey(ctx context.Context, id int64) (*crm.APIKey, error) {
	return s.findAPIKey(ctx, "k.id = ?", id)
}

func (s *Store) findAPIKey(ctx context.Context, cond string, arg any) (*crm.APIKey, error) {
	k, err := scanAPIKey(s.queryRow(ctx, s.db, "SELECT "+apiKeyCols+apiKeyFrom+" WHERE "+cond, arg))
	if isNoRows(err) {
		return nil, crm.Errorf(crm.ENOTFOUND, "no such API key")
	}
	if err != nil {
		return nil, s.fail(err, nil)
	}
	return k, nil
}

// ListAPIKeys returns every key, newest first.
func (s *Store) ListAPIKeys(ctx context.Context) ([]*crm.APIKey, error) {
	rows, err := s.query(ctx, s.db, "SELECT "+apiKeyCols+apiKeyFrom+" ORDER BY k.id DESC")
	if err != nil {
		return nil, s.fail(err, nil)
	}
	defer rows.Close()
	var out []*crm.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, s.fail(err, nil)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(err, nil)
	}
	return out, nil
}

// RevokeAPIKey sets the revocation time of the key with id, unless it has one.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.FindAPIKey(ctx, id); err != nil {
		return err
	}
	_, err := s.exec(ctx, s.db, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", s.d.time(at), id)
	return s.fail(err, nil)
}

// TouchAPIKey records a use of the key with id.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	_, err := s.exec(ctx, s.db, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", s.d.time(at), id)
	return s.fail(err, nil)
}
