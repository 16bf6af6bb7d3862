package keyrange

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestIDsCountPerAccountAndKeysSortInIDOrder(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []uint64
	err = db.Update(func(tx *bolt.Tx) error {
		if err := CreateBuckets(tx, []byte("next"), []byte("next")); err != nil {
			return err
		}
		for _, account := range []uint64{7, 7, 9, 7, 9} {
			id, err := NextID(tx.Bucket([]byte("next")), account)
			if err != nil {
				return err
			}
			got = append(got, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{1, 2, 1, 3, 2}; !slices.Equal(got, want) {
		t.Fatalf("ids %v, want %v", got, want)
	}
	if !bytes.HasPrefix(Key(7, 3), Prefix(7)) || bytes.Compare(Key(7, 255), Key(7, 256)) >= 0 || bytes.Compare(Key(7, 1<<40), Key(8, 1)) >= 0 {
		t.Fatal("keys do not sort by account, then id")
	}
}
