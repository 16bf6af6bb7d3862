package outbox

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

var (
	// bucketMessages maps account + id to the message, so an account's
	// outbox is one key range, newest (highest id) last.
	bucketMessages = []byte("outbox")
	// bucketNextID holds each account's last message id: ids count per
	// account, so they tell nothing of other accounts' messages.
	bucketNextID = []byte("outbox_next_id")
)

// Store keeps the outbox of every account.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

// Open creates the buckets if needed. now is the clock (time.Now if nil).
func Open(db *bolt.DB, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	err := db.Update(func(tx *bolt.Tx) error {
		return keyrange.CreateBuckets(tx, bucketMessages, bucketNextID)
	})
	if err != nil {
		return nil, fmt.Errorf("preparing the outbox buckets: %w", err)
	}
	return &Store{db: db, now: now}, nil
}

// Add records m in the account's outbox, giving it its id and creation
// time (any the caller set are replaced), and returns it as stored.
func (s *Store) Add(account uint64, m Message) (Message, error) {
	if !m.Channel.Valid() {
		return Message{}, fmt.Errorf("recording an outbox message: unknown channel %q", m.Channel)
	}
	if !m.Status.Valid() {
		return Message{}, fmt.Errorf("recording an outbox message: unknown status %q", m.Status)
	}
	m.CreatedAt = s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if m.ID, err = keyrange.NextID(tx.Bucket(bucketNextID), account); err != nil {
			return err
		}
		data, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("encoding: %w", err)
		}
		return tx.Bucket(bucketMessages).Put(keyrange.Key(account, m.ID), data)
	})
	if err != nil {
		return Message{}, fmt.Errorf("recording an outbox message: %w", err)
	}
	return m, nil
}

// Get returns the account's message id; ErrNotFound if it has none.
func (s *Store) Get(account, id uint64) (Message, error) {
	var m Message
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketMessages).Get(keyrange.Key(account, id))
		if data == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("decoding: %w", err)
		}
		return nil
	})
	if err != nil {
		return Message{}, fmt.Errorf("reading outbox message %d: %w", id, err)
	}
	return m, nil
}

// List returns up to limit of the account's messages, newest first; none
// when limit is not positive. It reads only the account's key range.
func (s *Store) List(account uint64, limit int) ([]Message, error) {
	var out []Message
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		out, err = keyrange.Newest[Message](tx.Bucket(bucketMessages), account, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing the outbox: %w", err)
	}
	return out, nil
}
