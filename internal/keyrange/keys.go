package keyrange

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Prefix is the start of every key of an account's records.
func Prefix(account uint64) []byte { return binary.BigEndian.AppendUint64(nil, account) }

// Key is the key of an account's record id.
func Key(account, id uint64) []byte { return binary.BigEndian.AppendUint64(Prefix(account), id) }

// ID is the key of a record known by its id alone (a user, an API key).
func ID(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// IDOf is the id a key ends with: Key's id, or an index key's.
func IDOf(key []byte) uint64 { return binary.BigEndian.Uint64(key[len(key)-8:]) }

// AccountOf is the account whose record's key this is.
func AccountOf(key []byte) uint64 { return binary.BigEndian.Uint64(key) }

// NextID takes the account's next id from counters, a bucket of account →
// last id: 1, 2, 3… per account, so an id says nothing of other accounts,
// and none is reused.
func NextID(counters *bolt.Bucket, account uint64) (uint64, error) {
	key := Prefix(account)
	id := uint64(1)
	if last := counters.Get(key); last != nil {
		id = binary.BigEndian.Uint64(last) + 1
	}
	if err := counters.Put(key, binary.BigEndian.AppendUint64(nil, id)); err != nil {
		return 0, fmt.Errorf("counting ids: %w", err)
	}
	return id, nil
}

// CreateBuckets creates the buckets a store needs, those missing.
func CreateBuckets(tx *bolt.Tx, names ...[]byte) error {
	for _, name := range names {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("creating bucket %s: %w", name, err)
		}
	}
	return nil
}

// Newest decodes up to limit of the account's records from bucket, each a
// JSON value, newest (highest id) first; none when limit is not positive.
// It reads only the account's key range.
func Newest[T any](bucket *bolt.Bucket, account uint64, limit int) ([]T, error) {
	out := []T{}
	if limit <= 0 {
		return out, nil
	}
	err := Reverse(bucket.Cursor(), Prefix(account), func(_, v []byte) (bool, error) {
		var record T
		if err := json.Unmarshal(v, &record); err != nil {
			return false, fmt.Errorf("decoding: %w", err)
		}
		out = append(out, record)
		return len(out) < limit, nil
	})
	return out, err
}
