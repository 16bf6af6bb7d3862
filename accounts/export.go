package accounts

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Export reads every user and key, keys with their hashes, in ID order.
// Pending last-used times are written first.
func (s *Store) Export() ([]User, []StoredKey, error) {
	users, err := s.Users()
	if err != nil {
		return nil, nil, err
	}
	if err := s.FlushLastUsed(); err != nil {
		return nil, nil, err
	}
	var keys []StoredKey
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKeysByID).ForEach(func(_, v []byte) error {
			var k StoredKey
			if err := json.Unmarshal(v, &k); err != nil {
				return fmt.Errorf("decoding key: %w", err)
			}
			keys = append(keys, k)
			return nil
		})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("exporting keys: %w", err)
	}
	return users, keys, nil
}
