package metering

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tidwall/gjson"
	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// AuditFilter narrows a listing of an account's audit records; a zero
// field matches every record.
type AuditFilter struct {
	Endpoint string
	KeyID    uint64
	Status   int
	Provider string
	Model    string
	// Since and Until bound the records' timestamps: Since is in the
	// range, Until is not.
	Since, Until time.Time
	// BeforeTime, in a listing by time, is the timestamp of the record
	// Page's before names, for a caller that pages on from a record it
	// read: a listing then goes on though retention trimmed that record.
	// It narrows nothing.
	BeforeTime time.Time
}

// Timed reports whether f bounds the records' time: such a listing is
// newest first by timestamp, then id; the others by id.
func (f AuditFilter) Timed() bool { return !f.Since.IsZero() || !f.Until.IsZero() }

// Matches reports whether a record passes f.
func (f AuditFilter) Matches(r AuditRecord) bool {
	return (f.Endpoint == "" || r.Endpoint == f.Endpoint) &&
		(f.KeyID == 0 || r.KeyID == f.KeyID) &&
		(f.Status == 0 || r.Status == f.Status) &&
		(f.Provider == "" || r.Provider == f.Provider) &&
		(f.Model == "" || r.Model == f.Model) &&
		f.inRange(r.Time)
}

// matchesStored is Matches for a record as stored, reading only the
// fields f names, the cheapest first: a scan for a rare status reads
// thousands of records a page.
func (f AuditFilter) matchesStored(data []byte) bool {
	field := func(name string) gjson.Result { return gjson.GetBytes(data, name) }
	return (f.Status == 0 || int(field("status").Int()) == f.Status) &&
		(f.KeyID == 0 || field("key_id").Uint() == f.KeyID) &&
		(f.Endpoint == "" || field("endpoint").Str == f.Endpoint) &&
		(f.Provider == "" || field("provider").Str == f.Provider) &&
		(f.Model == "" || field("model").Str == f.Model) &&
		(!f.Timed() || f.inRange(field("timestamp").Time()))
}

// inRange reports whether t is in [f.Since, f.Until).
func (f AuditFilter) inRange(t time.Time) bool {
	return (f.Since.IsZero() || !t.Before(f.Since)) && (f.Until.IsZero() || t.Before(f.Until))
}

// AuditScanBudget bounds the records one page reads past those its
// index already narrowed to: a filter on the status, the provider or the
// model, which no index serves, may end a page short of its limit, with
// the cursor to go on from.
const AuditScanBudget = 2000

// ErrUnknownCursor is a page asked for below a record the log does not
// hold (trimmed by retention, or never written) in a listing by time,
// which needs the record's timestamp to go on.
var ErrUnknownCursor = errors.New("the record to page below is not in the audit log")

// Page returns up to limit of an account's records matching f, newest
// first, below the record id before (0: from the newest), and next, the
// before of the page that follows; next is 0 when the listing is done.
// It seeks an index (the account's time range, its key's or its
// endpoint's records, or all of its records) and reads at most
// AuditScanBudget records past it.
func (l *AuditLog) Page(user uint64, f AuditFilter, before uint64, limit int) (records []AuditRecord, next uint64, err error) {
	records = []AuditRecord{}
	// residual is what the index walked does not already narrow to.
	residual := f
	switch {
	case f.Timed():
		residual.Since, residual.Until = time.Time{}, time.Time{}
	case f.KeyID != 0:
		residual.KeyID = 0
	case f.Endpoint != "":
		residual.Endpoint = ""
	}
	err = l.db.View(func(tx *bolt.Tx) error {
		all := tx.Bucket(bucketAudit)
		scanned := 0
		visit := func(seq uint64, stored []byte) (bool, error) {
			if stored == nil {
				return true, nil // trimmed between the index and the record
			}
			scanned++
			if data, _ := storedRecord(stored); residual.matchesStored(data) {
				r, err := decodeStoredAudit(stored)
				if err != nil {
					return false, err
				}
				records = append(records, r)
			}
			if len(records) == limit || scanned == AuditScanBudget {
				next = seq
				return false, nil
			}
			return true, nil
		}
		byID := func(k, _ []byte) (bool, error) {
			seq := keyrange.IDOf(k)
			return visit(seq, all.Get(recordKey(user, seq)))
		}
		switch {
		case f.Timed():
			return l.walkTime(tx, user, f, before, visit)
		case f.KeyID != 0:
			return keyrange.ReverseBefore(tx.Bucket(bucketAuditByKey).Cursor(), keyIDPrefix(user, f.KeyID), before, byID)
		case f.Endpoint != "":
			return keyrange.ReverseBefore(tx.Bucket(bucketAuditByEndpoint).Cursor(), endpointPrefix(user, f.Endpoint), before, byID)
		}
		return keyrange.ReverseBefore(all.Cursor(), keyrange.Prefix(user), before, func(k, v []byte) (bool, error) {
			return visit(keyrange.IDOf(k), v)
		})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("reading audit log: %w", err)
	}
	return records, next, nil
}

// walkTime visits the account's records in [f.Since, f.Until) newest
// first by time, then id, below the record before when it is not 0.
func (l *AuditLog) walkTime(tx *bolt.Tx, user uint64, f AuditFilter, before uint64, visit func(uint64, []byte) (bool, error)) error {
	all := tx.Bucket(bucketAudit)
	prefix := keyrange.Prefix(user)
	lower := prefix
	if !f.Since.IsZero() {
		lower = accountTimeKey(user, f.Since, 0)
	}
	// upper is the first key not to visit.
	upper := append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	if !f.Until.IsZero() {
		upper = accountTimeKey(user, f.Until, 0)
	}
	if before != 0 {
		at, err := cursorTime(all, user, before, f.BeforeTime)
		if err != nil {
			return err
		}
		if cursor := accountTimeKey(user, at, before); bytes.Compare(cursor, upper) < 0 {
			upper = cursor
		}
	}
	c := tx.Bucket(bucketAuditByAccountTime).Cursor()
	k, _ := c.Seek(upper)
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && bytes.Compare(k, lower) >= 0 && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		if more, err := visit(seq, all.Get(recordKey(user, seq))); err != nil || !more {
			return err
		}
	}
	return nil
}

// cursorTime is the timestamp of the record before, read from the record,
// or known when the caller knows it (the record may have been trimmed).
func cursorTime(all *bolt.Bucket, user, before uint64, known time.Time) (time.Time, error) {
	data, _ := storedRecord(all.Get(recordKey(user, before)))
	switch {
	case data == nil && known.IsZero():
		return time.Time{}, ErrUnknownCursor
	case data == nil:
		return known, nil
	}
	var at struct {
		Time time.Time `json:"timestamp"`
	}
	if err := json.Unmarshal(data, &at); err != nil {
		return time.Time{}, fmt.Errorf("decoding audit record %d: %w", before, err)
	}
	return at.Time, nil
}

// decodeStoredAudit decodes a stored record, with its hash.
func decodeStoredAudit(stored []byte) (AuditRecord, error) {
	data, hash := storedRecord(stored)
	var s storedAudit
	if err := json.Unmarshal(data, &s); err != nil {
		return AuditRecord{}, fmt.Errorf("decoding audit record: %w", err)
	}
	s.AuditRecord.UserID, s.AuditRecord.Hash = s.User, hexHash(hash)
	return s.AuditRecord, nil
}
