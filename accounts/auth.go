package accounts

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// Identity is who a request acts as: the key it presented and its owner.
// It is shared between requests and must not be changed.
type Identity struct {
	KeyID  uint64
	UserID uint64
	Scopes Scopes
}

// cachedKey is what the key cache holds for one key hash.
type cachedKey struct {
	hash     KeyHash
	identity Identity
	revoked  atomic.Bool
	lastUsed atomic.Int64 // unix seconds; written to bbolt in batches
	dirty    atomic.Bool  // queued for the next last-used flush
}

// cacheKey is the first 8 bytes of a SHA-256: uniform, so ristretto can use
// it as its own hash. The full hash in the entry settles any collision.
func cacheKey(h KeyHash) uint64 { return binary.LittleEndian.Uint64(h[:8]) }

// Authenticate returns the identity behind a key, or ErrInvalidKey or
// ErrRevokedKey. A key of the wrong shape is refused before any lookup. A warm
// call takes no lock, no database transaction and no allocation.
func (s *Store) Authenticate(key string) (*Identity, error) {
	if !WellFormed(key) {
		return nil, ErrInvalidKey
	}
	hash := HashKey(key)
	entry, ok := s.cache.Get(cacheKey(hash))
	if !ok || entry.hash != hash {
		var err error
		if entry, err = s.loadKey(hash); err != nil {
			return nil, err
		}
	}
	if entry.revoked.Load() {
		return nil, ErrRevokedKey
	}
	s.touch(entry)
	return &entry.identity, nil
}

// loadKey reads a key from bbolt and caches it, revoked or not, so repeated
// bad calls with a revoked key cost no database read either.
func (s *Store) loadKey(hash KeyHash) (*cachedKey, error) {
	s.revokeMu.RLock()
	defer s.revokeMu.RUnlock()
	var rec StoredKey
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketKeys).Get(hash[:])
		if id == nil {
			return nil
		}
		found = true
		return getJSON(tx.Bucket(bucketKeysByID), id, &rec, ErrKeyNotFound)
	})
	if err != nil {
		return nil, fmt.Errorf("looking up key: %w", err)
	}
	if !found {
		return nil, ErrInvalidKey
	}
	entry := &cachedKey{
		hash:     hash,
		identity: Identity{KeyID: rec.ID, UserID: rec.UserID, Scopes: rec.Scopes},
	}
	entry.revoked.Store(rec.RevokedAt != nil)
	if rec.LastUsedAt != nil {
		entry.lastUsed.Store(rec.LastUsedAt.Unix())
	}
	s.cache.Set(cacheKey(hash), entry, 1)
	// Make the entry visible before revokeMu is released, so a revocation
	// that follows finds it and marks it.
	s.cache.Wait()
	return entry, nil
}

// forget makes a revoked key fail at once: the cached entry (if any) is
// marked, then dropped. Called with revokeMu held.
func (s *Store) forget(hash KeyHash) {
	if entry, ok := s.cache.Get(cacheKey(hash)); ok && entry.hash == hash {
		entry.revoked.Store(true)
	}
	s.cache.Del(cacheKey(hash))
}
