package metering

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
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
	bucketAudit           = []byte("audit")             // user, seq → record
	bucketAuditByEndpoint = []byte("audit_by_endpoint") // user, endpoint, 0, seq → nothing
	bucketAuditByTime     = []byte("audit_by_time")     // unix nanos, seq → user, endpoint
)

// AuditOptions tune the writer. Zero values take the defaults.
type AuditOptions struct {
	// BatchSize commits a batch once it holds this many records. Default:
	// 256. A commit's last part (bbolt writing the dirty pages) runs
	// without a pause, so at high rates small batches keep it short; at
	// low rates FlushInterval keeps commits few.
	BatchSize int
	// FlushInterval commits a batch at most this long after its first
	// record arrived: the most a crash can lose of records already taken.
	// Default: 250ms.
	FlushInterval time.Duration
	// QueueSize bounds the records waiting for the writer; when full,
	// Record waits (back-pressure) rather than drop. Default: 8192, four
	// seconds of 2,000 calls a second. The queue is a ring every slot of
	// which ends up in memory: at ~200 bytes a record, 65,536 slots held
	// 13 MB, half the gateway's live heap.
	QueueSize int
	// OnError reports a failed batch or a record dropped after Close.
	OnError func(error)
}

// AuditLog writes audit records with group commit: callers enqueue, one
// goroutine writes each batch in a single bbolt transaction.
type AuditLog struct {
	db   *bolt.DB
	opts AuditOptions

	queue chan AuditRecord
	// interval is the flush interval in force, in nanoseconds; a reload may
	// change it while the writer runs.
	interval atomic.Int64
	flushes  chan chan struct{}
	stop     chan struct{}
	done     chan struct{}
	closed   atomic.Bool
	once     sync.Once
}

// OpenAuditLog creates the audit buckets and starts the writer.
func OpenAuditLog(db *bolt.DB, opts AuditOptions) (*AuditLog, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 256
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 250 * time.Millisecond
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 8192
	}
	if opts.OnError == nil {
		opts.OnError = func(error) {}
	}
	err := db.Update(func(tx *bolt.Tx) error {
		return keyrange.CreateBuckets(tx, bucketAudit, bucketAuditByEndpoint, bucketAuditByTime)
	})
	if err != nil {
		return nil, fmt.Errorf("preparing audit buckets: %w", err)
	}
	l := &AuditLog{
		db:      db,
		opts:    opts,
		queue:   make(chan AuditRecord, opts.QueueSize),
		flushes: make(chan chan struct{}),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	l.interval.Store(int64(opts.FlushInterval))
	go l.run()
	return l, nil
}

// FlushInterval is the flush interval in force.
func (l *AuditLog) FlushInterval() time.Duration { return time.Duration(l.interval.Load()) }

// SetFlushInterval changes how long a batch may wait before its commit,
// from the next batch on. A longer interval means fewer commits (each has
// a fixed cost, ~1 ms of CPU here) and more records a crash can lose.
func (l *AuditLog) SetFlushInterval(d time.Duration) {
	if d > 0 {
		l.interval.Store(int64(d))
	}
}

// ErrAuditClosed is reported for a record that arrived after Close.
var ErrAuditClosed = errors.New("audit log closed")

// Pending says how many records wait for the writer, of how many the
// queue holds before Record blocks.
func (l *AuditLog) Pending() (queued, capacity int) { return len(l.queue), cap(l.queue) }

// Record enqueues one record. It never blocks on the database, only on a
// full queue.
func (l *AuditLog) Record(r AuditRecord) {
	if l.closed.Load() {
		l.dropped(r)
		return
	}
	select {
	case l.queue <- r:
	case <-l.done:
		l.dropped(r)
		return
	}
	// Close marks the log closed before it stops the writer, so a record
	// enqueued while closed was still false is in the writer's final drain.
	// One that got in later may have missed it: report what is left.
	if l.closed.Load() {
		for {
			select {
			case left := <-l.queue:
				l.dropped(left)
			default:
				return
			}
		}
	}
}

func (l *AuditLog) dropped(r AuditRecord) {
	l.opts.OnError(fmt.Errorf("dropping audit record of request %s: %w", r.RequestID, ErrAuditClosed))
}

// Flush commits every record enqueued before the call, then returns.
func (l *AuditLog) Flush() {
	ack := make(chan struct{})
	select {
	case l.flushes <- ack:
		<-ack
	case <-l.done:
	}
}

// Close commits what is queued and stops the writer. Later records are
// reported through OnError and dropped.
func (l *AuditLog) Close() {
	l.once.Do(func() {
		l.closed.Store(true)
		close(l.stop)
		<-l.done
	})
}

func (l *AuditLog) run() {
	defer close(l.done)
	batch := make([]AuditRecord, 0, l.opts.BatchSize)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	commit := func() {
		timer.Stop()
		if len(batch) == 0 {
			return
		}
		if err := l.write(batch); err != nil {
			l.opts.OnError(err)
		}
		clear(batch)
		batch = batch[:0]
	}
	drain := func() {
		for {
			select {
			case r := <-l.queue:
				batch = append(batch, r)
				if len(batch) >= l.opts.BatchSize {
					commit()
				}
			default:
				return
			}
		}
	}
	for {
		select {
		case r := <-l.queue:
			if len(batch) == 0 {
				timer.Reset(l.FlushInterval())
			}
			batch = append(batch, r)
			if len(batch) >= l.opts.BatchSize {
				commit()
			}
		case <-timer.C:
			commit()
		case ack := <-l.flushes:
			drain()
			commit()
			close(ack)
		case <-l.stop:
			drain()
			commit()
			return
		}
	}
}

// yieldEvery is how many records the writer stores between yields: each
// costs a few microseconds, and on a gateway with one CPU a request that
// arrives meanwhile waits for the next yield.
const yieldEvery = 8

// write stores a batch in one transaction.
func (l *AuditLog) write(batch []AuditRecord) error {
	err := l.db.Update(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketAudit)
		byEndpoint := tx.Bucket(bucketAuditByEndpoint)
		byTime := tx.Bucket(bucketAuditByTime)
		byTime.FillPercent = 0.95 // keys only ever grow: pack pages full
		seq := records.Sequence()
		for i := range batch {
			if i > 0 && i%yieldEvery == 0 {
				// On a gateway with one CPU a batch is a burst of work every
				// requests queue behind; let them run between records.
				runtime.Gosched()
			}
			r := &batch[i]
			seq++
			r.ID = seq
			data, err := json.Marshal(storedAudit{AuditRecord: *r, User: r.UserID})
			if err != nil {
				return fmt.Errorf("encoding audit record: %w", err)
			}
			if err := records.Put(recordKey(r.UserID, seq), data); err != nil {
				return err
			}
			if err := byEndpoint.Put(endpointKey(r.UserID, r.Endpoint, seq), nil); err != nil {
				return err
			}
			if err := byTime.Put(timeKey(r.Time, seq), timeValue(r.UserID, r.Endpoint)); err != nil {
				return err
			}
		}
		return records.SetSequence(seq)
	})
	if err != nil {
		return fmt.Errorf("writing %d audit records: %w", len(batch), err)
	}
	return nil
}

func recordKey(user, seq uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, user)
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

func endpointPrefix(user uint64, endpoint string) []byte {
	k := make([]byte, 8, 8+len(endpoint)+1+8)
	binary.BigEndian.PutUint64(k, user)
	k = append(k, endpoint...)
	return append(k, 0)
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

func timeValue(user uint64, endpoint string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, user), endpoint...)
}

// Query returns an account's newest records first, at most limit of them,
// only those for endpoint when it is not empty. It reads an index, never
// scanning other accounts' or other endpoints' records.
func (l *AuditLog) Query(user uint64, endpoint string, limit int) ([]AuditRecord, error) {
	return l.Page(user, endpoint, 0, limit)
}

// Page is Query continued below the record id before (0: from the newest):
// the next page of a listing whose last record had that id.
func (l *AuditLog) Page(user uint64, endpoint string, before uint64, limit int) ([]AuditRecord, error) {
	var out []AuditRecord
	err := l.db.View(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketAudit)
		if endpoint == "" {
			prefix := binary.BigEndian.AppendUint64(nil, user)
			return keyrange.ReverseBefore(records.Cursor(), prefix, before, func(_, v []byte) (bool, error) {
				return appendRecord(&out, v, limit)
			})
		}
		prefix := endpointPrefix(user, endpoint)
		return keyrange.ReverseBefore(tx.Bucket(bucketAuditByEndpoint).Cursor(), prefix, before, func(k, _ []byte) (bool, error) {
			seq := binary.BigEndian.Uint64(k[len(k)-8:])
			return appendRecord(&out, records.Get(recordKey(user, seq)), limit)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading audit log: %w", err)
	}
	return out, nil
}

func appendRecord(out *[]AuditRecord, data []byte, limit int) (more bool, err error) {
	if data == nil {
		return true, nil // swept between index and record: skip
	}
	var s storedAudit
	if err := json.Unmarshal(data, &s); err != nil {
		return false, fmt.Errorf("decoding audit record: %w", err)
	}
	s.AuditRecord.UserID = s.User
	*out = append(*out, s.AuditRecord)
	return len(*out) < limit, nil
}

// Sweep deletes up to max records older than before, oldest first, in one
// transaction, and returns how many it deleted. The owner calls it until it
// returns less than max.
func (l *AuditLog) Sweep(before time.Time, max int) (int, error) {
	n := 0
	err := l.db.Update(func(tx *bolt.Tx) error {
		byTime := tx.Bucket(bucketAuditByTime)
		type expired struct{ key, value []byte }
		var batch []expired
		// Collect first: deleting under a cursor makes Next skip keys.
		c := byTime.Cursor()
		cutoff := uint64(before.UnixNano())
		for k, v := c.First(); k != nil && len(batch) < max && binary.BigEndian.Uint64(k) < cutoff; k, v = c.Next() {
			batch = append(batch, expired{bytes.Clone(k), bytes.Clone(v)})
		}
		records := tx.Bucket(bucketAudit)
		byEndpoint := tx.Bucket(bucketAuditByEndpoint)
		for _, e := range batch {
			seq := binary.BigEndian.Uint64(e.key[8:])
			user := binary.BigEndian.Uint64(e.value)
			err := errors.Join(
				records.Delete(recordKey(user, seq)),
				byEndpoint.Delete(endpointKey(user, string(e.value[8:]), seq)),
				byTime.Delete(e.key),
			)
			if err != nil {
				return err
			}
		}
		n = len(batch)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweeping audit records: %w", err)
	}
	return n, nil
}
