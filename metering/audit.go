package metering

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"

	"github.com/keinetech/kaine/money"
)

// AuditRecord is one call an account made, whatever its outcome.
type AuditRecord struct {
	ID        uint64         `json:"id"`
	UserID    uint64         `json:"-"`
	KeyID     uint64         `json:"key_id"`
	RequestID string         `json:"request_id"`
	Endpoint  string         `json:"endpoint"`
	Method    string         `json:"method"`
	Status    int            `json:"status"`
	Provider  string         `json:"provider,omitempty"`
	Model     string         `json:"model,omitempty"`
	TokensIn  int64          `json:"tokens_in"`
	TokensOut int64          `json:"tokens_out"`
	Cost      money.MicroUSD `json:"cost_usd"`
	LatencyMS int64          `json:"latency_ms"`
	Error     string         `json:"error,omitempty"`
	// Resource is what the call made, where it has an address: the path
	// of a landing page it published.
	Resource string `json:"resource,omitempty"`
	// Note says how a call was billed when it was not plainly from its
	// usage (a drop-in answer whose usage could not be read, a model
	// served under its provider's unpriced policy), notes joined by "; ".
	Note string    `json:"note,omitempty"`
	Time time.Time `json:"timestamp"`
	// Hash is the record's link in its account's hash chain (hex SHA-256),
	// absent on records written before the chain.
	Hash string `json:"hash,omitempty"`
}

// AddNote appends a note to the record's (nothing when note is empty).
func (r *AuditRecord) AddNote(note string) {
	switch {
	case note == "":
	case r.Note == "":
		r.Note = note
	default:
		r.Note += "; " + note
	}
}

// storedAudit is an AuditRecord as kept in bbolt, with its owner.
type storedAudit struct {
	AuditRecord
	User uint64 `json:"user_id"`
}

var (
	bucketAudit              = []byte("audit")                 // user, seq → record
	bucketAuditByEndpoint    = []byte("audit_by_endpoint")     // user, endpoint, 0, seq → nothing
	bucketAuditByKey         = []byte("audit_by_key")          // user, key id, seq → nothing
	bucketAuditByAccountTime = []byte("audit_by_account_time") // user, unix nanos, seq → nothing
	bucketAuditByTime        = []byte("audit_by_time")         // unix nanos, seq → user, endpoint
	bucketAuditMeta          = []byte("audit_meta")            // what the log's layout holds
)

// AuditLog is a single instance's audit log in bbolt, written with group
// commit (AuditWriter): one transaction a batch.
type AuditLog struct {
	*AuditWriter
	db *bolt.DB
}

// OpenAuditLog creates the audit buckets, indexes the records of a log
// written before an index existed, and starts the writer.
func OpenAuditLog(db *bolt.DB, opts AuditOptions) (*AuditLog, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		return keyrange.CreateBuckets(tx, bucketAudit, bucketAuditByEndpoint, bucketAuditByKey,
			bucketAuditByAccountTime, bucketAuditByTime, bucketAuditMeta, bucketAuditChain, bucketAuditAnchor)
	})
	if err != nil {
		return nil, fmt.Errorf("preparing audit buckets: %w", err)
	}
	if err := backfillAuditIndexes(db); err != nil {
		return nil, err
	}
	l := &AuditLog{db: db}
	l.AuditWriter = NewAuditWriter(opts, l.writeBatch)
	return l, nil
}

// yieldEvery is how many records the writer stores between yields: each
// costs a few microseconds, and on a gateway with one CPU a request that
// arrives meanwhile waits for the next yield.
const yieldEvery = 8

// writeBatch stores a batch in one transaction.
func (l *AuditLog) writeBatch(batch []AuditRecord) error {
	err := l.db.Update(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketAudit)
		idx := openAuditIndexes(tx)
		chain := openChainHeads(tx)
		seq := records.Sequence()
		for i := range batch {
			if i > 0 && i%yieldEvery == 0 {
				// On a gateway with one CPU a batch is a burst of work every
				// requests queue behind; let them run between records.
				runtime.Gosched()
			}
			r := &batch[i]
			seq++
			r.ID, r.Hash = seq, ""
			data, err := json.Marshal(storedAudit{AuditRecord: *r, User: r.UserID})
			if err != nil {
				return fmt.Errorf("encoding audit record: %w", err)
			}
			if err := records.Put(recordKey(r.UserID, seq), chainedValue(chain.next(r.UserID, data), data)); err != nil {
				return err
			}
			if err := idx.put(r, seq); err != nil {
				return err
			}
		}
		if err := chain.store(); err != nil {
			return err
		}
		return records.SetSequence(seq)
	})
	if err != nil {
		return fmt.Errorf("writing %d audit records: %w", len(batch), err)
	}
	return nil
}

func recordKey(user, seq uint64) []byte { return keyrange.Key(user, seq) }

func endpointPrefix(user uint64, endpoint string) []byte {
	return append(append(keyrange.Prefix(user), endpoint...), 0)
}

func endpointKey(user uint64, endpoint string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(endpointPrefix(user, endpoint), seq)
}

func timeKey(t time.Time, seq uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano()))
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

func keyIDPrefix(user, keyID uint64) []byte {
	return binary.BigEndian.AppendUint64(keyrange.Prefix(user), keyID)
}

func keyIDKey(user, keyID, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(keyIDPrefix(user, keyID), seq)
}

// accountTimeKey orders an account's records by time, then id.
func accountTimeKey(user uint64, t time.Time, seq uint64) []byte {
	return append(keyrange.Prefix(user), timeKey(t, seq)...)
}

func timeValue(user uint64, endpoint string) []byte {
	return append(keyrange.Prefix(user), endpoint...)
}

// Query returns an account's newest records first, at most limit of them,
// only those for endpoint when it is not empty.
func (l *AuditLog) Query(user uint64, endpoint string, limit int) ([]AuditRecord, error) {
	records, _, err := l.Page(user, AuditFilter{Endpoint: endpoint}, 0, limit)
	return records, err
}
