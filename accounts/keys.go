package accounts

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// Key describes an API key. It never holds the secret or its hash, so it can
// be shown as it is.
type Key struct {
	ID         uint64     `json:"key_id"`
	UserID     uint64     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     Scopes     `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// StoredKey is a Key as stored: with the SHA-256 of its secret, never the
// secret. The fleet keeps the same record, so keys move without secrets.
type StoredKey struct {
	Key
	SHA256 string `json:"sha256"`
}

// Hash is the SHA-256 the key is stored under.
func (r StoredKey) Hash() (KeyHash, error) {
	h, err := ParseKeyHash(r.SHA256)
	if err != nil {
		return h, fmt.Errorf("key %d: %w", r.ID, err)
	}
	return h, nil
}

const maxKeyNameLen = 100

// MintKey makes a new key for a user: the secret, which is its only copy,
// and the key as stored, yet without an ID, with the secret's SHA-256.
func MintKey(userID uint64, name string, scopes Scopes, now time.Time) (secret string, key Key, hash KeyHash, err error) {
	if len(name) > maxKeyNameLen {
		return "", Key{}, hash, fmt.Errorf("%w: key name is longer than %d characters", ErrInvalidInput, maxKeyNameLen)
	}
	if scopes == 0 || scopes&^(ScopeRead|ScopeWrite) != 0 {
		return "", Key{}, hash, fmt.Errorf("%w: give at least one of read, write", ErrInvalidScope)
	}
	if secret, err = newSecret(); err != nil {
		return "", Key{}, hash, fmt.Errorf("creating key: %w", err)
	}
	key = Key{UserID: userID, Name: name, Prefix: displayPrefix(secret), Scopes: scopes, CreatedAt: now.UTC().Truncate(time.Second)}
	return secret, key, HashKey(secret), nil
}

// CreateKey makes a key for a user. The returned secret is the only copy:
// the store keeps its SHA-256 and a short display prefix.
func (s *Store) CreateKey(userID uint64, name string, scopes Scopes) (secret string, key Key, err error) {
	secret, key, hash, err := MintKey(userID, name, scopes, s.now())
	if err != nil {
		return "", Key{}, err
	}
	rec := StoredKey{Key: key, SHA256: hash.String()}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketUsers).Get(keyrange.ID(userID)) == nil {
			return fmt.Errorf("user %d: %w", userID, ErrUserNotFound)
		}
		byID := tx.Bucket(bucketKeysByID)
		id, err := byID.NextSequence()
		if err != nil {
			return fmt.Errorf("allocating key id: %w", err)
		}
		rec.ID = id
		if err := putJSON(byID, keyrange.ID(id), rec); err != nil {
			return err
		}
		return tx.Bucket(bucketKeys).Put(hash[:], keyrange.ID(id))
	})
	if err != nil {
		return "", Key{}, fmt.Errorf("creating key: %w", err)
	}
	return secret, rec.Key, nil
}

// Keys lists keys in ID order: all of them when userID is 0, else that
// user's. Pending last-used times are written first so the list is current.
func (s *Store) Keys(userID uint64) ([]Key, error) {
	if err := s.FlushLastUsed(); err != nil {
		return nil, err
	}
	var keys []Key
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKeysByID).ForEach(func(_, v []byte) error {
			var rec StoredKey
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("decoding key: %w", err)
			}
			if userID == 0 || rec.UserID == userID {
				keys = append(keys, rec.Key)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing keys: %w", err)
	}
	return keys, nil
}

// RevokeKey revokes a key for good. It takes effect before RevokeKey returns,
// for cached keys too. Revoking a revoked key changes nothing.
func (s *Store) RevokeKey(id uint64) (Key, error) {
	s.revokeMu.Lock()
	defer s.revokeMu.Unlock()
	var rec StoredKey
	err := s.db.Update(func(tx *bolt.Tx) error {
		byID := tx.Bucket(bucketKeysByID)
		if err := getJSON(byID, keyrange.ID(id), &rec, ErrKeyNotFound); err != nil {
			return err
		}
		if rec.RevokedAt != nil {
			return nil
		}
		now := s.now().UTC().Truncate(time.Second)
		rec.RevokedAt = &now
		return putJSON(byID, keyrange.ID(id), rec)
	})
	if err != nil {
		return Key{}, fmt.Errorf("revoking key %d: %w", id, err)
	}
	hash, err := rec.Hash()
	if err != nil {
		return Key{}, err
	}
	s.forget(hash)
	return rec.Key, nil
}
