package metering

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// AuditOptions tune the writer. Zero values take the defaults.
type AuditOptions struct {
	// BatchSize commits a batch once it holds this many records. Default:
	// 1024. A commit writes a dirty page of each index for every account
	// in the batch, whatever its records there, so a larger batch writes
	// fewer pages a record; but its last part (bbolt writing the pages)
	// runs without a pause, so the batch is not larger still. At low rates
	// FlushInterval keeps commits few.
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

// AuditWriter writes audit records with group commit: callers enqueue,
// one goroutine hands each batch to its store's write (a single bbolt
// transaction, one Redis pipeline).
type AuditWriter struct {
	opts  AuditOptions
	write func([]AuditRecord) error

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

// NewAuditWriter starts a writer that hands batches to write; a failed
// batch is reported through opts.OnError.
func NewAuditWriter(opts AuditOptions, write func([]AuditRecord) error) *AuditWriter {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1024
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
	l := &AuditWriter{
		opts:    opts,
		write:   write,
		queue:   make(chan AuditRecord, opts.QueueSize),
		flushes: make(chan chan struct{}),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	l.interval.Store(int64(opts.FlushInterval))
	go l.run()
	return l
}

// FlushInterval is the flush interval in force.
func (l *AuditWriter) FlushInterval() time.Duration { return time.Duration(l.interval.Load()) }

// SetFlushInterval changes how long a batch may wait before its commit,
// from the next batch on. A longer interval means fewer commits (each has
// a fixed cost, ~1 ms of CPU here) and more records a crash can lose.
func (l *AuditWriter) SetFlushInterval(d time.Duration) {
	if d > 0 {
		l.interval.Store(int64(d))
	}
}

// ErrAuditClosed is reported for a record that arrived after Close.
var ErrAuditClosed = errors.New("audit log closed")

// Pending says how many records wait for the writer, of how many the
// queue holds before Record blocks.
func (l *AuditWriter) Pending() (queued, capacity int) { return len(l.queue), cap(l.queue) }

// Record enqueues one record. It never blocks on the database, only on a
// full queue.
func (l *AuditWriter) Record(r AuditRecord) {
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

func (l *AuditWriter) dropped(r AuditRecord) {
	l.opts.OnError(fmt.Errorf("dropping audit record of request %s: %w", r.RequestID, ErrAuditClosed))
}

// Flush commits every record enqueued before the call, then returns.
func (l *AuditWriter) Flush() {
	ack := make(chan struct{})
	select {
	case l.flushes <- ack:
		<-ack
	case <-l.done:
	}
}

// Close commits what is queued and stops the writer. Later records are
// reported through OnError and dropped.
func (l *AuditWriter) Close() {
	l.once.Do(func() {
		l.closed.Store(true)
		close(l.stop)
		<-l.done
	})
}

func (l *AuditWriter) run() {
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
