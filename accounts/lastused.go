package accounts

import (
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// lastUsedTracker collects keys used since the last flush. A key joins the
// list once per flush however often it is used, so the lock here is taken
// once per key per interval, not once per request.
type lastUsedTracker struct {
	mu    sync.Mutex
	dirty []*cachedKey
}

// touch records that a key was used now, without a database write.
func (s *Store) touch(e *cachedKey) {
	now := s.now().Unix()
	if e.lastUsed.Load() < now {
		e.lastUsed.Store(now) // at most one shared-cache-line write per key per second
	}
	if !e.dirty.Load() && e.dirty.CompareAndSwap(false, true) {
		s.lastUsed.mu.Lock()
		s.lastUsed.dirty = append(s.lastUsed.dirty, e)
		s.lastUsed.mu.Unlock()
	}
}

// FlushLastUsed writes the last-used times gathered since the previous
// flush, all in one transaction. The owner calls it on a timer and at stop.
func (s *Store) FlushLastUsed() error {
	s.lastUsed.mu.Lock()
	batch := s.lastUsed.dirty
	s.lastUsed.dirty = nil
	s.lastUsed.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	used := make(map[uint64]int64, len(batch))
	for _, e := range batch {
		e.dirty.Store(false) // before the read: a use after this queues it again
		if t := e.lastUsed.Load(); t > used[e.identity.KeyID] {
			used[e.identity.KeyID] = t
		}
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		byID := tx.Bucket(bucketKeysByID)
		for id, unix := range used {
			var rec StoredKey
			if err := getJSON(byID, keyrange.ID(id), &rec, ErrKeyNotFound); err != nil {
				return err
			}
			t := time.Unix(unix, 0).UTC()
			if rec.LastUsedAt != nil && !t.After(*rec.LastUsedAt) {
				continue
			}
			rec.LastUsedAt = &t
			if err := putJSON(byID, keyrange.ID(id), rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing key last-used times: %w", err)
	}
	return nil
}
