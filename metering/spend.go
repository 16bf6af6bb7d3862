package metering

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/tidwall/gjson"
	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
	"github.com/keinetech/kaine/money"
)

// Breakdown is an account's spending over a time, as its audit records
// tell it.
type Breakdown struct {
	// ByEndpoint and ByModel sum the records' costs; a call without a
	// model counts under "".
	ByEndpoint map[string]money.MicroUSD
	ByModel    map[string]money.MicroUSD
	// Calls is how many records were summed.
	Calls int
}

// idOrderSlack bounds how far a record's time may run behind a later id's:
// records take ids in the order calls end, give or take the queue.
const idOrderSlack = time.Minute

// spendChunk is how many records Spend reads in one read transaction: a
// long one would hold back a database file that must grow meanwhile.
const spendChunk = 1024

// Spend sums an account's records since a time by endpoint and by model,
// reading its records newest first and only the fields it needs.
func (l *AuditLog) Spend(user uint64, since time.Time) (Breakdown, error) {
	b := Breakdown{ByEndpoint: map[string]money.MicroUSD{}, ByModel: map[string]money.MicroUSD{}}
	prefix := binary.BigEndian.AppendUint64(nil, user)
	for before, done := uint64(0), false; !done; {
		read := 0
		err := l.db.View(func(tx *bolt.Tx) error {
			done = true
			return keyrange.ReverseBefore(tx.Bucket(bucketAudit).Cursor(), prefix, before, func(k, v []byte) (bool, error) {
				before, read = binary.BigEndian.Uint64(k[len(k)-8:]), read+1
				data, _ := storedRecord(v)
				fields := gjson.GetManyBytes(data, "timestamp", "endpoint", "model", "cost_usd")
				switch at := fields[0].Time(); {
				case at.Before(since.Add(-idOrderSlack)):
					return false, nil // ids follow time: the rest is older
				case at.Before(since):
					return true, nil
				}
				cost, err := money.ParseUSD(fields[3].Raw)
				if err != nil {
					return false, fmt.Errorf("reading an audit record's cost: %w", err)
				}
				b.ByEndpoint[fields[1].Str] += cost
				b.ByModel[fields[2].Str] += cost
				b.Calls++
				if read == spendChunk {
					done = false
					return false, nil // the next chunk, in a transaction of its own
				}
				return true, nil
			})
		})
		if err != nil {
			return Breakdown{}, fmt.Errorf("summing the audit log: %w", err)
		}
	}
	return b, nil
}
