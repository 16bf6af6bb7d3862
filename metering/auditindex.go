package metering

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// auditIndexes are the buckets that find an account's records without
// reading the others: by endpoint, by key, by time, and the whole log's
// by time, which retention trims.
type auditIndexes struct {
	byEndpoint, byKey, byAccountTime, byTime *bolt.Bucket
}

func openAuditIndexes(tx *bolt.Tx) auditIndexes {
	idx := auditIndexes{
		byEndpoint:    tx.Bucket(bucketAuditByEndpoint),
		byKey:         tx.Bucket(bucketAuditByKey),
		byAccountTime: tx.Bucket(bucketAuditByAccountTime),
		byTime:        tx.Bucket(bucketAuditByTime),
	}
	idx.byTime.FillPercent = 0.95 // keys only ever grow: pack pages full
	return idx
}

// put indexes record r, stored as seq.
func (idx auditIndexes) put(r *AuditRecord, seq uint64) error {
	if err := idx.byEndpoint.Put(endpointKey(r.UserID, r.Endpoint, seq), nil); err != nil {
		return err
	}
	if err := idx.byKey.Put(keyIDKey(r.UserID, r.KeyID, seq), nil); err != nil {
		return err
	}
	if err := idx.byAccountTime.Put(accountTimeKey(r.UserID, r.Time, seq), nil); err != nil {
		return err
	}
	return idx.byTime.Put(timeKey(r.Time, seq), timeValue(r.UserID, r.Endpoint))
}

// auditLayout is the version of the log's layout: 2 added the key and
// account-time indexes.
const auditLayout = 2

var auditLayoutKey = []byte("layout")

// backfillChunk is how many records one backfill transaction indexes.
const backfillChunk = 10_000

// backfillAuditIndexes indexes the records of a log written before the
// key and account-time indexes existed, a chunk a transaction, once.
func backfillAuditIndexes(db *bolt.DB) error {
	var after []byte
	for {
		done := false
		err := db.Update(func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketAuditMeta)
			if v := meta.Get(auditLayoutKey); len(v) == 1 && v[0] >= auditLayout {
				done = true
				return nil
			}
			idx := openAuditIndexes(tx)
			c := tx.Bucket(bucketAudit).Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && string(k) == string(after) {
					k, v = c.Next()
				}
			}
			for n := 0; k != nil && n < backfillChunk; k, v = c.Next() {
				s, err := decodeStoredAudit(v)
				if err != nil {
					return fmt.Errorf("audit record %x: %w", k, err)
				}
				seq := keyrange.IDOf(k)
				if err := idx.byKey.Put(keyIDKey(s.UserID, s.KeyID, seq), nil); err != nil {
					return err
				}
				if err := idx.byAccountTime.Put(accountTimeKey(s.UserID, s.Time, seq), nil); err != nil {
					return err
				}
				after, n = append(after[:0], k...), n+1
			}
			if k == nil {
				done = true
				return meta.Put(auditLayoutKey, []byte{auditLayout})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("indexing the audit log: %w", err)
		}
		if done {
			return nil
		}
	}
}
