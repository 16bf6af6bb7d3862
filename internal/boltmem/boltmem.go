// Package boltmem keeps bbolt's memory map from counting every page of the
// database against the process.
//
// bbolt reads through a read-only shared mapping of its file. Each page it
// reads stays mapped into the process, so RSS grows with the database (an
// append-only audit log touches each new page once), though these are the
// kernel's page cache, not the gateway's memory. Unmap dropping them from
// the process's page tables: the pages stay cached, a later read maps them
// again from the cache, and RSS shows the working set.
package boltmem

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Unmap drops every page of db's memory map from the process's page
// tables. It runs inside a read transaction, which keeps bbolt from
// remapping the file meanwhile: the range it releases is bbolt's mapping
// and nothing else.
func Unmap(db *bolt.DB) error {
	err := db.View(func(tx *bolt.Tx) error {
		return dontNeed(db.Info().Data, uintptr(tx.Size()))
	})
	if err != nil {
		return fmt.Errorf("releasing the database's mapped pages: %w", err)
	}
	return nil
}
