package keyrange

import (
	"bytes"
	"path/filepath"
	"slices"
	"strconv"
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

func TestNewestReadsOneAccountNewestFirst(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "k.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("r"))
		if err != nil {
			return err
		}
		for _, kv := range []struct{ account, id uint64 }{{1, 1}, {1, 2}, {2, 1}, {1, 3}} {
			if err := b.Put(Key(kv.account, kv.id), []byte(strconv.FormatUint(kv.account*10+kv.id, 10))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("r"))
		if got, err := Newest[int](b, 1, 2); err != nil || !slices.Equal(got, []int{13, 12}) {
			t.Errorf("newest two of account 1: %v %v", got, err)
		}
		if got, err := Newest[int](b, 1, 0); err != nil || got == nil || len(got) != 0 {
			t.Errorf("limit 0: %v %v, want an empty list", got, err)
		}
		if _, err := Newest[struct{ X string }](b, 2, 5); err == nil {
			t.Error("a value that does not decode was not reported")
		}
		return nil
	})
}
