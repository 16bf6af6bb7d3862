package leads

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

var (
	// bucketLeads maps account + id to the lead, so an account's leads are
	// one key range, newest (highest id) last.
	bucketLeads = []byte("leads")
	// bucketByStatus indexes them by account + status + id, so a status
	// filter reads only matching leads.
	bucketByStatus = []byte("leads_by_status")
	// bucketNextID holds each account's last lead id: ids count per
	// account, so they tell nothing of other accounts' leads.
	bucketNextID = []byte("leads_next_id")
)

// Store keeps the leads of every account.
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
		return keyrange.CreateBuckets(tx, bucketLeads, bucketByStatus, bucketNextID)
	})
	if err != nil {
		return nil, fmt.Errorf("preparing the leads buckets: %w", err)
	}
	return &Store{db: db, now: now}, nil
}

// Create stores a new lead for account user, giving it its id, the status
// new unless it has one, and its timestamps.
func (s *Store) Create(user uint64, l Lead) (Lead, error) {
	if l.Status == "" {
		l.Status = New
	}
	if !l.Status.Valid() {
		return Lead{}, fmt.Errorf("creating a lead: unknown status %q", l.Status)
	}
	l.CreatedAt = s.now().UTC()
	l.UpdatedAt = l.CreatedAt
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if l.ID, err = keyrange.NextID(tx.Bucket(bucketNextID), user); err != nil {
			return err
		}
		return put(tx, user, l)
	})
	if err != nil {
		return Lead{}, fmt.Errorf("creating a lead: %w", err)
	}
	return l, nil
}

// Update applies p to the account's lead id and returns the lead as it now
// is; ErrNotFound if the account has no such lead.
func (s *Store) Update(user, id uint64, p Patch) (Lead, error) {
	if p.Status != nil && !p.Status.Valid() {
		return Lead{}, fmt.Errorf("updating lead %d: unknown status %q", id, *p.Status)
	}
	var l Lead
	err := s.db.Update(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketLeads).Get(keyrange.Key(user, id))
		if data == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(data, &l); err != nil {
			return fmt.Errorf("decoding: %w", err)
		}
		if p.Status != nil && *p.Status != l.Status {
			if err := tx.Bucket(bucketByStatus).Delete(statusKey(user, l.Status, id)); err != nil {
				return err
			}
			l.Status = *p.Status
		}
		if p.Notes != nil {
			l.Notes = *p.Notes
		}
		if p.AppendNote != nil {
			l.Notes = appendNote(l.Notes, *p.AppendNote)
			if len(l.Notes) > MaxNotes {
				return ErrNotesTooLong
			}
		}
		l.UpdatedAt = s.now().UTC()
		return put(tx, user, l)
	})
	if err != nil {
		return Lead{}, fmt.Errorf("updating lead %d: %w", id, err)
	}
	return l, nil
}

// put writes a lead and its status index entry.
func put(tx *bolt.Tx, user uint64, l Lead) error {
	data, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encoding: %w", err)
	}
	if err := tx.Bucket(bucketLeads).Put(keyrange.Key(user, l.ID), data); err != nil {
		return err
	}
	return tx.Bucket(bucketByStatus).Put(statusKey(user, l.Status, l.ID), nil)
}

// List returns up to limit of the account's leads, newest first, only
// those with status unless it is empty.
func (s *Store) List(user uint64, status Status, limit int) ([]Lead, error) {
	out := []Lead{}
	err := s.db.View(func(tx *bolt.Tx) error {
		leads := tx.Bucket(bucketLeads)
		if status == "" {
			return keyrange.Reverse(leads.Cursor(), keyrange.Prefix(user), func(k, v []byte) (bool, error) {
				return appendLead(&out, v, limit)
			})
		}
		return keyrange.Reverse(tx.Bucket(bucketByStatus).Cursor(), statusPrefix(user, status), func(k, _ []byte) (bool, error) {
			id := binary.BigEndian.Uint64(k[len(k)-8:])
			return appendLead(&out, leads.Get(keyrange.Key(user, id)), limit)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing leads: %w", err)
	}
	return out, nil
}

func appendLead(out *[]Lead, data []byte, limit int) (more bool, err error) {
	if data == nil {
		return true, nil
	}
	var l Lead
	if err := json.Unmarshal(data, &l); err != nil {
		return false, fmt.Errorf("decoding: %w", err)
	}
	*out = append(*out, l)
	return len(*out) < limit, nil
}

// statusPrefix ends the status with a 0 byte, so no status is a prefix of
// another's keys.
func statusPrefix(user uint64, status Status) []byte {
	return append(append(keyrange.Prefix(user), status...), 0)
}

func statusKey(user uint64, status Status, id uint64) []byte {
	return binary.BigEndian.AppendUint64(statusPrefix(user, status), id)
}

// appendNote adds note as a line after notes.
func appendNote(notes, note string) string {
	note = strings.TrimSpace(note)
	if old := strings.TrimRight(notes, " \t\r\n"); old != "" {
		return old + "\n" + note
	}
	return note
}
