package metering

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/tidwall/gjson"
	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// Sweep deletes up to max records older than before, in one transaction,
// and returns how many it deleted. The owner calls it until it returns
// less than max. An account's records go in id order, the order of its
// hash chain, and stop at its first record not older than before (one
// that ended later but was written earlier keeps the ones after it until
// a later sweep): what remains of a chain is whole, and its anchor
// becomes the hash of the last record trimmed.
func (l *AuditLog) Sweep(before time.Time, max int) (int, error) {
	n := 0
	err := l.db.Update(func(tx *bolt.Tx) error {
		// Past max entries: an account whose oldest record by id is not yet
		// due holds its later ones back, and must not hold back the others.
		for _, user := range accountsOlderThan(tx, before, sweepLookahead*max) {
			trimmed, err := trimAccount(tx, user, before, max-n)
			if err != nil {
				return err
			}
			if n += trimmed; n >= max {
				break
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweeping audit records: %w", err)
	}
	return n, nil
}

// sweepLookahead is how many entries of the time index a sweep reads for
// each record it may delete.
const sweepLookahead = 64

// accountsOlderThan lists the accounts of the oldest records before
// before, reading at most max entries of the log's time index.
func accountsOlderThan(tx *bolt.Tx, before time.Time, max int) []uint64 {
	cutoff := uint64(before.UnixNano())
	seen := map[uint64]bool{}
	var accounts []uint64
	c := tx.Bucket(bucketAuditByTime).Cursor()
	read := 0
	for k, v := c.First(); k != nil && read < max && binary.BigEndian.Uint64(k) < cutoff; k, v = c.Next() {
		read++
		if user := keyrange.AccountOf(v); !seen[user] {
			seen[user] = true
			accounts = append(accounts, user)
		}
	}
	return accounts
}

// expiredRecord is what trimAccount needs of a record to delete it and
// its index entries.
type expiredRecord struct {
	seq, keyID uint64
	at         time.Time
	endpoint   string
	hash       []byte
}

// trimAccount deletes up to max of user's oldest records, by id, while
// they are older than before, and moves the chain's anchor to the last.
func trimAccount(tx *bolt.Tx, user uint64, before time.Time, max int) (int, error) {
	records := tx.Bucket(bucketAudit)
	prefix := keyrange.Prefix(user)
	// Collect first: deleting under a cursor makes Next skip keys.
	var expired []expiredRecord
	c := records.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(expired) < max; k, v = c.Next() {
		data, hash := storedRecord(v)
		fields := gjson.GetManyBytes(data, "timestamp", "key_id", "endpoint")
		at := fields[0].Time()
		if !at.Before(before) {
			break
		}
		expired = append(expired, expiredRecord{seq: keyrange.IDOf(k), keyID: fields[1].Uint(), at: at,
			endpoint: fields[2].Str, hash: bytes.Clone(hash)})
	}
	idx := openAuditIndexes(tx)
	for _, e := range expired {
		err := errors.Join(
			records.Delete(recordKey(user, e.seq)),
			idx.byEndpoint.Delete(endpointKey(user, e.endpoint, e.seq)),
			idx.byKey.Delete(keyIDKey(user, e.keyID, e.seq)),
			idx.byAccountTime.Delete(accountTimeKey(user, e.at, e.seq)),
			idx.byTime.Delete(timeKey(e.at, e.seq)),
		)
		if err != nil {
			return 0, err
		}
	}
	if n := len(expired); n > 0 && expired[n-1].hash != nil {
		if err := tx.Bucket(bucketAuditAnchor).Put(prefix, expired[n-1].hash); err != nil {
			return 0, err
		}
	}
	return len(expired), nil
}
