package boltmem

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// rssFile is the process's file-backed resident memory, in bytes.
func rssFile(t *testing.T) int64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

func TestUnmapReleasesReadPagesAndLosesNothing(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "t.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const records, size = 8 << 10, 4 << 10 // 32 MiB
	value := bytes.Repeat([]byte{0xab}, size)
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := range records {
			if err := b.Put(binary.BigEndian.AppendUint64(nil, uint64(i)), value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	readAll := func() {
		t.Helper()
		err := db.View(func(tx *bolt.Tx) error {
			n := 0
			err := tx.Bucket([]byte("b")).ForEach(func(_, v []byte) error {
				if !bytes.Equal(v, value) {
					t.Fatalf("record %d changed", n)
				}
				n++
				return nil
			})
			if n != records {
				t.Fatalf("read %d records, want %d", n, records)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	readAll()
	mapped := rssFile(t)
	if err := Unmap(db); err != nil {
		t.Fatal(err)
	}
	released := mapped - rssFile(t)
	if released < records*size/2 {
		t.Errorf("Unmap released %d KiB of a %d KiB database just read", released>>10, records*size>>10)
	}
	readAll() // mapped again from the page cache, unchanged
}
