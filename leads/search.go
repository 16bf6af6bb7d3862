package leads

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// Query picks leads: those whose name, email, phone, company or notes
// contain Text (case-insensitively), of Status; an empty field matches
// every lead.
type Query struct {
	Text   string
	Status Status
}

// Get returns the account's lead id; ErrNotFound if the account has no
// such lead, another account's included.
func (s *Store) Get(user, id uint64) (Lead, error) {
	var l Lead
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketLeads).Get(keyrange.Key(user, id))
		if data == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(data, &l); err != nil {
			return fmt.Errorf("decoding: %w", err)
		}
		return nil
	})
	if err != nil {
		return Lead{}, fmt.Errorf("reading lead %d: %w", id, err)
	}
	return l, nil
}

// Search returns up to limit of the account's leads that match q, newest
// first. A status reads only that status's index; text is matched by
// reading the account's leads, which a per-account CRM keeps few enough
// for.
func (s *Store) Search(user uint64, q Query, limit int) ([]Lead, error) {
	if q.Status != "" && !q.Status.Valid() {
		return nil, fmt.Errorf("searching leads: unknown status %q", q.Status)
	}
	out := []Lead{}
	if limit < 1 {
		return out, nil
	}
	text := strings.ToLower(strings.TrimSpace(q.Text))
	keep := func(data []byte) (bool, error) {
		if data == nil {
			return true, nil
		}
		var l Lead
		if err := json.Unmarshal(data, &l); err != nil {
			return false, fmt.Errorf("decoding: %w", err)
		}
		if l.matches(text) {
			out = append(out, l)
		}
		return len(out) < limit, nil
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		leads := tx.Bucket(bucketLeads)
		if q.Status == "" {
			return keyrange.Reverse(leads.Cursor(), keyrange.Prefix(user), func(_, v []byte) (bool, error) {
				return keep(v)
			})
		}
		return keyrange.Reverse(tx.Bucket(bucketByStatus).Cursor(), statusPrefix(user, q.Status), func(k, _ []byte) (bool, error) {
			return keep(leads.Get(keyrange.Key(user, binary.BigEndian.Uint64(k[len(k)-8:]))))
		})
	})
	if err != nil {
		return nil, fmt.Errorf("searching leads: %w", err)
	}
	return out, nil
}

// matches reports whether one of the searched fields contains text, which
// is already lower case; empty text matches.
func (l Lead) matches(text string) bool {
	if text == "" {
		return true
	}
	for _, field := range []string{l.Name, l.Email, l.Phone, l.Company, l.Notes} {
		if strings.Contains(strings.ToLower(field), text) {
			return true
		}
	}
	return false
}
