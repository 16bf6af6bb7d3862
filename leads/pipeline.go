package leads

import (
	"fmt"
	"time"

	"github.com/tidwall/gjson"
	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// Pipeline is an account's leads counted: by status, by source ("" for
// leads without one), and those created since a time.
type Pipeline struct {
	Total    int            `json:"total"`
	ByStatus map[Status]int `json:"by_status"`
	BySource map[string]int `json:"by_source"`
	Since    time.Time      `json:"since,omitzero"`
	// NewSince counts the leads created at or after Since (zero: all).
	NewSince int `json:"new_since"`
	// NewByStatus is where the leads created since then are now.
	NewByStatus map[Status]int `json:"new_by_status"`
}

// Pipeline counts the account's leads, reading each one's status, source
// and creation time only.
func (s *Store) Pipeline(user uint64, since time.Time) (Pipeline, error) {
	p := Pipeline{ByStatus: map[Status]int{}, BySource: map[string]int{}, Since: since, NewByStatus: map[Status]int{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		return keyrange.Reverse(tx.Bucket(bucketLeads).Cursor(), keyrange.Prefix(user), func(_, v []byte) (bool, error) {
			f := gjson.GetManyBytes(v, "status", "source", "created_at")
			status := Status(f[0].Str)
			p.Total++
			p.ByStatus[status]++
			p.BySource[f[1].Str]++
			if !f[2].Time().Before(since) {
				p.NewSince++
				p.NewByStatus[status]++
			}
			return true, nil
		})
	})
	if err != nil {
		return Pipeline{}, fmt.Errorf("counting the leads of account %d: %w", user, err)
	}
	return p, nil
}
