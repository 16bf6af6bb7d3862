package accounts

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding record: %w", err)
	}
	return b.Put(key, data)
}

// getJSON decodes the record at key into v, or returns notFound.
func getJSON(b *bolt.Bucket, key []byte, v any, notFound error) error {
	data := b.Get(key)
	if data == nil {
		return notFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decoding record: %w", err)
	}
	return nil
}
