package fleet

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

var (
	//go:embed audit_prelude.lua
	auditPrelude string
	//go:embed audit_add.lua
	auditAddSource string
	//go:embed audit_page.lua
	auditPageSource string

	auditAddScript  = redis.NewScript(auditPrelude + auditAddSource)
	auditPageScript = redis.NewScript(auditPrelude + auditPageSource)
)

const (
	// maxAuditBacklog bounds the records kept in memory while Redis does
	// not take them (about 40 MB); past it the oldest are dropped, and
	// said so.
	maxAuditBacklog = 100_000
	// auditTokenTTL is how long a batch is remembered as added: longer
	// than any resend of it.
	auditTokenTTL = time.Hour
	// auditRetry is how often a backlog is sent again while no new
	// batch comes.
	auditRetry = time.Second
	// auditSendBatches bounds the batches one pipeline sends, so a long
	// backlog goes in pieces that each fit a round trip's timeout.
	auditSendBatches = 64
	// seqBits is how many bits of a record's ID hold its stream entry's
	// sequence number within its millisecond.
	seqBits = 12
)

// AuditLog is the fleet's audit log: one Redis stream an account, each
// record written once by the instance that served the call, in batches
// off the hot path (metering.AuditWriter), and read newest first by any
// instance. A record's ID is its stream entry's: milliseconds << 12 |
// sequence, increasing with the time it was written. Each batch indexes
// its records by endpoint, by key and by timestamp in the same script
// (audit_prelude.lua names the keys), so a page seeks an index as the
// embedded log's does.
//
// Records written before the key and time indexes existed (or by an
// instance of that version during a rolling deploy) are in neither:
// listings by key or by time leave them out, and a page by time below one
// is refused as below an unknown record; the other listings list them.
// Retention trims them like any other.
type AuditLog struct {
	*metering.AuditWriter
	store     *Store
	onError   func(error)
	retention atomic.Int64 // nanoseconds

	sendMu  sync.Mutex // one send at a time: the writer's or the retry's
	mu      sync.Mutex
	backlog []auditBatch // not yet taken by Redis, oldest first
	held    int          // records in backlog

	stop chan struct{}
	done chan struct{}
}

// auditBatch is one account's records of one write, named by a token so
// that Redis adds it once however often it is sent.
type auditBatch struct {
	account uint64
	token   uint64
	made    time.Time
	records [][]byte // JSON
	index   []string // each record's endpoint
}

// AuditLog starts the fleet's audit writer; records older than retention
// are trimmed. Close flushes and stops it.
func (s *Store) AuditLog(opts metering.AuditOptions, retention time.Duration) (*AuditLog, error) {
	l := &AuditLog{store: s, onError: opts.OnError, stop: make(chan struct{}), done: make(chan struct{})}
	if l.onError == nil {
		l.onError = func(error) {}
	}
	l.retention.Store(int64(retention))
	l.AuditWriter = metering.NewAuditWriter(opts, l.write)
	go l.retry()
	return l, nil
}

// SetRetention changes how long records are kept, from the next batch on.
func (l *AuditLog) SetRetention(d time.Duration) {
	if d > 0 {
		l.retention.Store(int64(d))
	}
}

// write queues a batch, one part an account, behind what Redis has not yet
// taken, and sends them all.
func (l *AuditLog) write(batch []metering.AuditRecord) error {
	byAccount := map[uint64]*auditBatch{}
	var order []*auditBatch
	for i := range batch {
		r := &batch[i]
		data, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encoding audit record: %w", err)
		}
		b := byAccount[r.UserID]
		if b == nil {
			b = &auditBatch{account: r.UserID, token: uniqueName(), made: l.store.now()}
			byAccount[r.UserID] = b
			order = append(order, b)
		}
		b.records, b.index = append(b.records, data), append(b.index, r.Endpoint)
	}
	l.mu.Lock()
	for _, b := range order {
		l.backlog = append(l.backlog, *b)
		l.held += len(b.records)
	}
	// Past the bound, or older than its token is kept (a resend could
	// then add it twice), a batch is dropped, said so.
	for len(l.backlog) > 0 && (l.held > maxAuditBacklog || l.store.now().Sub(l.backlog[0].made) > auditTokenTTL) {
		l.held -= len(l.backlog[0].records)
		l.onError(fmt.Errorf("dropping %d audit records of account %d: Redis has not taken them (%d wait)", len(l.backlog[0].records), l.backlog[0].account, l.held))
		l.backlog = l.backlog[1:]
	}
	l.mu.Unlock()
	return l.send()
}

// retry sends the backlog again every second until Close.
func (l *AuditLog) retry() {
	defer close(l.done)
	tick := time.NewTicker(auditRetry)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			if l.waiting() > 0 {
				if err := l.send(); err != nil {
					l.onError(err)
				}
			}
		}
	}
}

// waiting says how many records Redis has not taken yet.
func (l *AuditLog) waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held
}

// send sends the backlog, a bounded piece a pipeline, and forgets what
// Redis took.
func (l *AuditLog) send() error {
	l.sendMu.Lock()
	defer l.sendMu.Unlock()
	for {
		l.mu.Lock()
		pending := l.backlog[:min(len(l.backlog), auditSendBatches)]
		l.mu.Unlock()
		if len(pending) == 0 {
			return nil
		}
		retention := time.Duration(l.retention.Load())
		oldest := strconv.FormatInt(l.store.now().Add(-retention).UnixMilli(), 10)
		cmds, err := l.store.evalEach(auditAddScript, len(pending), func(i int) ([]string, []any) {
			return l.batchArgs(pending[i], oldest, retention)
		})
		if err := l.taken(pending, cmds, err); err != nil {
			return err
		}
	}
}

// taken drops from the backlog the batches Redis answered, and those it
// refused (a script's error would come back on every resend), said so;
// the unanswered stay.
func (l *AuditLog) taken(pending []auditBatch, cmds []*redis.Cmd, err error) error {
	done := map[uint64]bool{}
	unanswered := 0
	for i, b := range pending {
		switch e := cmdError(cmds, i, err); {
		case e == nil:
		case isReply(e):
			l.onError(fmt.Errorf("dropping %d audit records of account %d: Redis refused them: %w", len(b.records), b.account, e))
		default:
			unanswered++
			continue
		}
		done[b.token] = true
	}
	l.mu.Lock()
	kept := l.backlog[:0:0]
	for _, b := range l.backlog {
		if done[b.token] {
			l.held -= len(b.records)
			continue
		}
		kept = append(kept, b)
	}
	l.backlog = kept
	l.mu.Unlock()
	if unanswered > 0 {
		return unavailable(fmt.Sprintf("writing audit records (%d wait)", l.waiting()), err)
	}
	return nil
}

func (l *AuditLog) batchArgs(b auditBatch, oldest string, retention time.Duration) ([]string, []any) {
	keys := []string{l.store.accountKey(b.account, "audit_batch:"+strconv.FormatUint(b.token, 10)), l.stream(b.account), l.timeIndex(b.account)}
	position := map[string]int{}
	indexAt := func(key string) int {
		p, ok := position[key]
		if !ok {
			keys = append(keys, key)
			p = len(keys)
			position[key] = p
		}
		return p
	}
	args := []any{oldest, retention.Milliseconds(), auditTokenTTL.Milliseconds()}
	for i, data := range b.records {
		// The key and the timestamp are read from the record as Redis
		// will hold it, where its page will read them.
		fields := gjson.GetManyBytes(data, "key_id", "timestamp")
		ms, nanos := auditTimeIndexed(fields[1].Time())
		args = append(args, indexAt(l.endpointIndex(b.account, b.index[i])), indexAt(l.keyIndex(b.account, fields[0].Uint())), ms, nanos, data)
	}
	return keys, args
}

// auditTimeIndexed is a timestamp's place in the time index: its
// milliseconds since the epoch (the score: a double holds them exactly)
// and the nanoseconds past them, 6 digits (they order equal scores; the
// page script reads them from the JSON with nanosOf).
func auditTimeIndexed(t time.Time) (ms int64, nanos string) {
	return t.UnixMilli(), fmt.Sprintf("%06d", t.Nanosecond()%int(time.Millisecond))
}

func (l *AuditLog) stream(account uint64) string { return l.store.accountKey(account, "audit") }

func (l *AuditLog) endpointIndex(account uint64, endpoint string) string {
	return l.store.accountKey(account, "audit_by_endpoint:"+endpoint)
}

func (l *AuditLog) keyIndex(account, keyID uint64) string {
	return l.store.accountKey(account, "audit_by_key:"+strconv.FormatUint(keyID, 10))
}

func (l *AuditLog) timeIndex(account uint64) string {
	return l.store.accountKey(account, "audit_by_time")
}

// Close writes what is queued, tries once more to send what Redis has not
// taken, and stops.
func (l *AuditLog) Close() {
	l.AuditWriter.Close()
	close(l.stop)
	<-l.done
	if n := l.waiting(); n > 0 {
		if err := l.send(); err != nil {
			l.onError(fmt.Errorf("closing with %d audit records Redis did not take: %w", l.waiting(), err))
		}
	}
}

// Query returns an account's newest records first, at most limit of them,
// only those for endpoint when it is not empty.
func (l *AuditLog) Query(user uint64, endpoint string, limit int) ([]metering.AuditRecord, error) {
	records, _, err := l.Page(user, metering.AuditFilter{Endpoint: endpoint}, 0, limit)
	return records, err
}

// auditChecks are the fields of a filter its page's index does not
// narrow to, which audit_page.lua compares with each record's.
type auditChecks struct {
	Endpoint string
	KeyID    uint64
	Status   int
	Provider string
	Model    string
}

// needles are the checks as the pieces of JSON a passing record holds:
// `"status":500,` or `"model":"gpt-5.4"`, as json.Marshal writes an
// AuditRecord (the fleet's records are written so). A piece cannot occur
// inside another field's string, whose quotes are escaped, and a number's
// ends at its comma (every checked number is followed by another field),
// so finding every piece is the match, without decoding the record.
func (c auditChecks) needles() ([]string, error) {
	needles := []string{}
	for _, text := range []struct{ name, value string }{{"endpoint", c.Endpoint}, {"provider", c.Provider}, {"model", c.Model}} {
		if text.value == "" {
			continue
		}
		quoted, err := json.Marshal(text.value)
		if err != nil {
			return nil, fmt.Errorf("encoding an audit filter: %w", err)
		}
		needles = append(needles, `"`+text.name+`":`+string(quoted))
	}
	if c.KeyID != 0 {
		needles = append(needles, `"key_id":`+strconv.FormatUint(c.KeyID, 10)+",")
	}
	if c.Status != 0 {
		needles = append(needles, `"status":`+strconv.Itoa(c.Status)+",")
	}
	return needles, nil
}

// Page returns up to limit of an account's records matching f, newest
// first, below the record id before (0: from the newest), and next, the
// before of the page that follows (0: the listing is done), as
// metering.AuditLog.Page does: one script seeks an index (the account's
// time index, its key's or its endpoint's, or its stream) and reads at
// most metering.AuditScanBudget records past it, in one round trip.
func (l *AuditLog) Page(user uint64, f metering.AuditFilter, before uint64, limit int) (records []metering.AuditRecord, next uint64, err error) {
	if limit <= 0 || limit > metering.AuditScanBudget {
		// As in the embedded log: no page reads past the budget, so a
		// larger limit, or none, is the budget.
		limit = metering.AuditScanBudget
	}
	checks := auditChecks{Endpoint: f.Endpoint, KeyID: f.KeyID, Status: f.Status, Provider: f.Provider, Model: f.Model}
	walk, index := "stream", l.stream(user)
	switch {
	case f.Timed():
		walk, index = "time", l.timeIndex(user)
	case f.KeyID != 0:
		walk, index, checks.KeyID = "refs", l.keyIndex(user, f.KeyID), 0
	case f.Endpoint != "":
		walk, index, checks.Endpoint = "refs", l.endpointIndex(user, f.Endpoint), ""
	}
	needles, err := checks.needles()
	if err != nil {
		return nil, 0, err
	}
	checked, err := json.Marshal(needles)
	if err != nil {
		return nil, 0, fmt.Errorf("encoding an audit filter: %w", err)
	}
	cursor := ""
	if before != 0 {
		cursor = streamID(before)
	}
	untilScore, untilNanos := auditTimeBound(f.Until)
	sinceScore, sinceNanos := auditTimeBound(f.Since)
	ctx, cancel := l.store.context()
	defer cancel()
	reply, err := auditPageScript.Run(ctx, l.store.client, []string{l.stream(user), index},
		walk, cursor, limit, metering.AuditScanBudget, untilScore, untilNanos, sinceScore, sinceNanos, checked).StringSlice()
	switch {
	case redis.HasErrorPrefix(err, "UNKNOWNCURSOR"):
		return nil, 0, fmt.Errorf("reading audit log below record %d: %w", before, metering.ErrUnknownCursor)
	case err != nil:
		return nil, 0, unavailable("reading audit log", err)
	case len(reply)%2 != 1:
		return nil, 0, fmt.Errorf("reading audit log: %w", errMalformedReply)
	}
	if reply[0] != "" {
		next = recordID(reply[0])
	}
	records = make([]metering.AuditRecord, 0, len(reply)/2)
	for i := 1; i < len(reply); i += 2 {
		r, err := decodeAudit(user, reply[i], reply[i+1])
		if err != nil {
			return nil, 0, err
		}
		records = append(records, r)
	}
	return records, next, nil
}

// auditTimeBound is a filter's time bound as the page script takes it:
// the time index's score and nanoseconds, both empty when t is zero (no
// bound).
func auditTimeBound(t time.Time) (score, nanos string) {
	if t.IsZero() {
		return "", ""
	}
	ms, nanos := auditTimeIndexed(t)
	return strconv.FormatInt(ms, 10), nanos
}

// spendChunk is how many records Spend reads a round trip.
const spendChunk = 1000

// Spend sums an account's records since a time by endpoint and by model.
func (l *AuditLog) Spend(user uint64, since time.Time) (metering.Breakdown, error) {
	b := metering.Breakdown{ByEndpoint: map[string]money.MicroUSD{}, ByModel: map[string]money.MicroUSD{}}
	// Records are written after their call ends, so none since then has
	// an earlier entry.
	start := strconv.FormatInt(since.UnixMilli(), 10)
	for {
		ctx, cancel := l.store.context()
		entries, err := l.store.client.XRangeN(ctx, l.stream(user), start, "+", spendChunk).Result()
		cancel()
		if err != nil {
			return metering.Breakdown{}, unavailable("summing the audit log", err)
		}
		for _, e := range entries {
			raw, _ := e.Values["r"].(string)
			fields := gjson.GetMany(raw, "timestamp", "endpoint", "model", "cost_usd")
			if fields[0].Time().Before(since) {
				continue
			}
			cost, err := money.ParseUSD(fields[3].Raw)
			if err != nil {
				return metering.Breakdown{}, fmt.Errorf("reading an audit record's cost: %w", err)
			}
			b.ByEndpoint[fields[1].Str] += cost
			b.ByModel[fields[2].Str] += cost
			b.Calls++
		}
		if len(entries) < spendChunk {
			return b, nil
		}
		start = "(" + entries[len(entries)-1].ID
	}
}

func decodeAudit(user uint64, id string, value any) (metering.AuditRecord, error) {
	var r metering.AuditRecord
	raw, _ := value.(string)
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return r, fmt.Errorf("decoding audit record %s: %w", id, err)
	}
	r.ID, r.UserID = recordID(id), user
	return r, nil
}

// recordID turns a stream entry's ID ("1765000000000-3") into a record's.
func recordID(entry string) uint64 {
	ms, seq, _ := strings.Cut(entry, "-")
	m, _ := strconv.ParseUint(ms, 10, 64)
	s, _ := strconv.ParseUint(seq, 10, 64)
	return m<<seqBits | min(s, 1<<seqBits-1)
}

// streamID is recordID's inverse.
func streamID(record uint64) string {
	return strconv.FormatUint(record>>seqBits, 10) + "-" + strconv.FormatUint(record&(1<<seqBits-1), 10)
}
