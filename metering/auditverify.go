package metering

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// AuditVerification is what a check of an account's hash chain found.
type AuditVerification struct {
	OK        bool   `json:"ok"`
	Checked   int    `json:"checked"`             // chained records checked
	Unchained int    `json:"unchained"`           // records written before the chain began
	FirstID   uint64 `json:"first_id,omitempty"`  // the first record checked
	LastID    uint64 `json:"last_id,omitempty"`   // the last record checked
	LastHash  string `json:"last_hash,omitempty"` // its hash: keep it to check later that the log still leads to it
	BrokenAt  uint64 `json:"broken_at,omitempty"` // the first record that does not fit, when not OK
	Reason    string `json:"reason,omitempty"`    // why, when not OK
}

// Why a chain does not verify.
const (
	reasonBadLink    = "its hash does not match its content and the record before it: it, or the one before it, was changed, removed or put in afterwards"
	reasonUnchained  = "it has no hash, though records before it have"
	reasonHeadMissed = "the chain's newest record is not in the log: records after this one were removed"
)

// verifyChunk is how many records Verify reads in one read transaction,
// so that a long chain holds neither memory nor a transaction.
const verifyChunk = 1000

// errChainBroken ends a walk at the first record that does not fit.
var errChainBroken = errors.New("chain broken")

// Verify checks the account's hash chain from its first record at or
// after since (zero: its oldest) to its newest, which must be the chain's
// head. The first record checked follows the record before it, or, when
// retention trimmed that one, the anchor it left. The head, the start and
// what it follows are read with the first chunk, in one transaction, and
// the walk ends at that head: records written meanwhile are past it, and
// no trimming can move the start under the walk.
func (l *AuditLog) Verify(user uint64, since time.Time) (AuditVerification, error) {
	var res AuditVerification
	prefix := keyrange.Prefix(user)
	var next, head []byte
	var prev chainHash
	reached := false // the walk has come to the head
	walk := func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		k, v := c.Seek(next)
		next = nil
		for read := 0; k != nil && bytes.HasPrefix(k, prefix) && !reached; k, v = c.Next() {
			if read == verifyChunk {
				next = bytes.Clone(k)
				return nil
			}
			read++
			if err := res.check(keyrange.IDOf(k), v, &prev); err != nil {
				return err
			}
			reached = head != nil && bytes.Equal(prev[:], head)
		}
		return nil
	}
	err := l.db.View(func(tx *bolt.Tx) error {
		head = bytes.Clone(tx.Bucket(bucketAuditChain).Get(prefix))
		copy(prev[:], tx.Bucket(bucketAuditAnchor).Get(prefix))
		// start is the first record to check; none since then: past the
		// account's last, whose hash must then be the head.
		start := prefix
		if !since.IsZero() {
			k, _ := tx.Bucket(bucketAuditByAccountTime).Cursor().Seek(accountTimeKey(user, since, 0))
			start = keyrange.Prefix(user + 1)
			if k != nil && bytes.HasPrefix(k, prefix) {
				start = recordKey(user, keyrange.IDOf(k))
			}
		}
		c := tx.Bucket(bucketAudit).Cursor()
		k, _ := c.Seek(start)
		var before, stored []byte
		if k == nil {
			before, stored = c.Last()
		} else {
			before, stored = c.Prev()
		}
		if before != nil && bytes.HasPrefix(before, prefix) {
			_, hash := storedRecord(stored)
			prev = chainHash{}
			copy(prev[:], hash) // an unchained record: the chain starts after it
		}
		reached = head != nil && bytes.Equal(prev[:], head)
		if bytes.HasPrefix(start, prefix) {
			next = start
			return walk(tx)
		}
		return nil
	})
	for err == nil && next != nil && !reached {
		err = l.db.View(walk)
	}
	switch {
	case errors.Is(err, errChainBroken):
		return res, nil
	case err != nil:
		return res, fmt.Errorf("verifying the audit chain of account %d: %w", user, err)
	case head != nil && !reached:
		res.BrokenAt, res.Reason = res.LastID, reasonHeadMissed
		return res, nil
	}
	res.OK = true
	return res, nil
}

// check checks the record id, stored as v, against the hash before it,
// prev, which it moves on.
func (res *AuditVerification) check(id uint64, v []byte, prev *chainHash) error {
	data, hash := storedRecord(v)
	switch {
	case hash == nil && res.Checked > 0:
		res.BrokenAt, res.Reason = id, reasonUnchained
		return errChainBroken
	case hash == nil:
		res.Unchained++
		return nil
	case AuditLink(*prev, data) != chainHash(hash):
		res.BrokenAt, res.Reason = id, reasonBadLink
		return errChainBroken
	}
	*prev = chainHash(hash)
	if res.FirstID == 0 {
		res.FirstID = id
	}
	res.Checked, res.LastID, res.LastHash = res.Checked+1, id, hexHash(hash)
	return nil
}
