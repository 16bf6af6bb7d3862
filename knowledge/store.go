package knowledge

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// Store keeps the documents of every account and their search index.
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
		return keyrange.CreateBuckets(tx, buckets...)
	})
	if err != nil {
		return nil, fmt.Errorf("preparing the knowledge buckets: %w", err)
	}
	return &Store{db: db, now: now}, nil
}

// Add stores a new document for the account and indexes it, in one
// transaction. It gives the document its id and creation time (ignoring
// any it has), trims the title and source, and keeps the text as given.
// A document that breaks a rule gets an error wrapping ErrInvalid.
func (s *Store) Add(account uint64, d Doc) (Doc, error) {
	d, err := clean(d)
	if err != nil {
		return Doc{}, fmt.Errorf("adding a document: %w", err)
	}
	d.CreatedAt = s.now().UTC()
	passages := analyze(d.Title, d.Text)
	err = s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if d.ID, err = keyrange.NextID(tx.Bucket(bucketNextID), account); err != nil {
			return err
		}
		meta := d
		meta.Text = "" // kept apart, in bucketText
		data, err := json.Marshal(meta)
		if err != nil {
			return fmt.Errorf("encoding: %w", err)
		}
		if err := tx.Bucket(bucketDocs).Put(keyrange.Key(account, d.ID), data); err != nil {
			return err
		}
		if err := tx.Bucket(bucketText).Put(keyrange.Key(account, d.ID), []byte(d.Text)); err != nil {
			return err
		}
		return writeIndex(tx, account, d.ID, passages)
	})
	if err != nil {
		return Doc{}, fmt.Errorf("adding a document: %w", err)
	}
	return d, nil
}

// Get returns the account's document id with its text; ErrNotFound if the
// account has no such document.
func (s *Store) Get(account, id uint64) (Doc, error) {
	var d Doc
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if d, err = readMeta(tx, account, id); err != nil {
			return err
		}
		d.Text = string(tx.Bucket(bucketText).Get(keyrange.Key(account, id)))
		return nil
	})
	if err != nil {
		return Doc{}, fmt.Errorf("reading document %d: %w", id, err)
	}
	return d, nil
}

// List returns up to limit of the account's documents, newest first,
// without their text (Text is empty): a listing is for choosing one to Get.
func (s *Store) List(account uint64, limit int) ([]Doc, error) {
	if limit < 1 {
		return nil, fmt.Errorf("listing documents: %w: limit must be at least 1, got %d", ErrInvalid, limit)
	}
	var out []Doc
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		out, err = keyrange.Newest[Doc](tx.Bucket(bucketDocs), account, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing documents: %w", err)
	}
	return out, nil
}

// Delete removes the account's document id and its index entries, in one
// transaction; ErrNotFound if the account has no such document.
func (s *Store) Delete(account, id uint64) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		key := keyrange.Key(account, id)
		if tx.Bucket(bucketDocs).Get(key) == nil {
			return ErrNotFound
		}
		if err := removeIndex(tx, account, id); err != nil {
			return fmt.Errorf("removing it from the index: %w", err)
		}
		if err := tx.Bucket(bucketDocs).Delete(key); err != nil {
			return err
		}
		return tx.Bucket(bucketText).Delete(key)
	})
	if err != nil {
		return fmt.Errorf("deleting document %d: %w", id, err)
	}
	return nil
}

// readMeta reads a document without its text.
func readMeta(tx *bolt.Tx, account, id uint64) (Doc, error) {
	data := tx.Bucket(bucketDocs).Get(keyrange.Key(account, id))
	if data == nil {
		return Doc{}, ErrNotFound
	}
	var d Doc
	if err := json.Unmarshal(data, &d); err != nil {
		return Doc{}, fmt.Errorf("decoding: %w", err)
	}
	return d, nil
}
