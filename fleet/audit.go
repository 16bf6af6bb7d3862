package fleet

import (
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	// auditRehashes bounds how often one send hashes a batch again because
	// its account's chain moved on; past it the batch waits for the next
	// send, a second later.
	auditRehashes = 16
	// maxAuditHeads bounds the chain heads an instance remembers; past it
	// they are forgotten, each learnt again at its account's next batch.
	maxAuditHeads = 100_000
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
// Each account's records form a hash chain (audit_prelude.lua): a
// record's hash is computed here, over the hash before it, and the script
// that adds a batch refuses it when the chain's head is no longer the one
// it was hashed against, answering with the head to hash it again.
// Verify walks the chain.
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

	sendMu sync.Mutex // one send at a time: the writer's or the retry's
	// heads is the head of each account's chain as this instance last
	// learnt it (hex, as Redis answered it, which the script compares),
	// so a batch is hashed against it without asking; guarded by sendMu.
	heads   map[uint64]string
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
	l := &AuditLog{store: s, onError: opts.OnError, heads: map[uint64]string{}, stop: make(chan struct{}), done: make(chan struct{})}
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
		r := batch[i]
		// The JSON is the chain's, which holds no hash.
		r.Hash = ""
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
// Redis took. A batch hashed against a head its account's chain no longer
// has is hashed again and resent, up to auditRehashes times.
func (l *AuditLog) send() error {
	l.sendMu.Lock()
	defer l.sendMu.Unlock()
	rehashed := map[uint64]int{} // by batch token
	for {
		l.mu.Lock()
		pending := l.backlog[:min(len(l.backlog), auditSendBatches)]
		l.mu.Unlock()
		if len(pending) == 0 {
			return nil
		}
		retention := time.Duration(l.retention.Load())
		oldest := strconv.FormatInt(l.store.now().Add(-retention).UnixMilli(), 10)
		chained := l.chain(pending)
		cmds, err := l.store.evalEach(auditAddScript, len(pending), func(i int) ([]string, []any) {
			return l.batchArgs(pending[i], chained[i], oldest, retention)
		})
		if err := l.taken(pending, cmds, err, rehashed); err != nil {
			return err
		}
	}
}

// auditMovedOn is audit_add.lua's answer to a batch hashed against a
// head its account's chain no longer has: nothing was added. (1: added; 0:
// added by an earlier send, whose answer was lost.)
const auditMovedOn = -1

// chainedBatch is a batch as one send sends it: hashed against the head
// its account's chain is believed to have, or, that head unknown, without
// its records, to learn it.
type chainedBatch struct {
	prev   string   // hex; "" when the head is unknown
	hashes []string // hex, each record's; nil when prev is ""
}

// chain hashes each batch of pending onto its account's chain, each after
// the batch before it of the same account.
func (l *AuditLog) chain(pending []auditBatch) []chainedBatch {
	after := map[uint64]string{} // each account's head after its batches so far
	chained := make([]chainedBatch, len(pending))
	for i, b := range pending {
		prev, known := after[b.account]
		if !known {
			prev, known = l.heads[b.account]
		}
		if !known {
			continue
		}
		head, _ := parseChainHash(prev) // checked when learnt
		c := chainedBatch{prev: prev, hashes: make([]string, len(b.records))}
		for j, data := range b.records {
			head = metering.AuditLink(head, data)
			c.hashes[j] = hex.EncodeToString(head[:])
		}
		after[b.account], chained[i] = c.hashes[len(c.hashes)-1], c
	}
	return chained
}

// taken drops from the backlog the batches Redis answered, and those it
// refused (a script's error would come back on every resend), said so;
// the unanswered stay, as do those hashed against a head their chain no
// longer has, to be hashed again (rehashed counts them, by token).
func (l *AuditLog) taken(pending []auditBatch, cmds []*redis.Cmd, err error, rehashed map[uint64]int) error {
	done := map[uint64]bool{}
	unanswered := 0
	var movedOn *auditBatch
	for i, b := range pending {
		e := cmdError(cmds, i, err)
		var added int64
		var head string
		if e == nil {
			added, head, e = auditAddAnswer(cmds[i])
		}
		switch {
		case e == nil:
			l.learnHead(b.account, head)
			if added == auditMovedOn {
				if rehashed[b.token]++; rehashed[b.token] > auditRehashes {
					movedOn = &pending[i]
				}
				continue
			}
		case isReply(e) || errors.Is(e, errMalformedReply):
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
	switch {
	case unanswered > 0:
		return unavailable(fmt.Sprintf("writing audit records (%d wait)", l.waiting()), err)
	case movedOn != nil:
		return fmt.Errorf("writing %d audit records of account %d: its chain moved on each of the %d times they were hashed (%d records wait)",
			len(movedOn.records), movedOn.account, auditRehashes, l.waiting())
	}
	return nil
}

// auditAddAnswer reads audit_add.lua's answer: what it did and the
// chain's head after it.
func auditAddAnswer(cmd *redis.Cmd) (added int64, head string, err error) {
	reply, err := cmd.Slice()
	if err != nil {
		return 0, "", err
	}
	if len(reply) == 2 {
		added, isInt := reply[0].(int64)
		head, isText := reply[1].(string)
		if _, isHash := parseChainHash(head); isInt && isText && isHash {
			return added, head, nil
		}
	}
	return 0, "", fmt.Errorf("adding audit records: %w", errMalformedReply)
}

// learnHead remembers an account's chain head, forgetting all once too
// many are kept.
func (l *AuditLog) learnHead(account uint64, head string) {
	if _, known := l.heads[account]; !known && len(l.heads) >= maxAuditHeads {
		clear(l.heads)
	}
	l.heads[account] = head
}

// batchArgs are the keys and arguments of audit_add.lua for a batch:
// without its records when the head it would be hashed against is
// unknown, so that the script only answers with it.
func (l *AuditLog) batchArgs(b auditBatch, c chainedBatch, oldest string, retention time.Duration) ([]string, []any) {
	keys := []string{l.store.accountKey(b.account, "audit_batch:"+strconv.FormatUint(b.token, 10)), l.stream(b.account), l.timeIndex(b.account), l.chainHead(b.account)}
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
	args := []any{oldest, retention.Milliseconds(), auditTokenTTL.Milliseconds(), c.prev}
	if c.prev == "" {
		return keys, args
	}
	for i, data := range b.records {
		// The key and the timestamp are read from the record as Redis
		// will hold it, where its page will read them.
		fields := gjson.GetManyBytes(data, "key_id", "timestamp")
		ms, nanos := auditTimeIndexed(fields[1].Time())
		args = append(args, indexAt(l.endpointIndex(b.account, b.index[i])), indexAt(l.keyIndex(b.account, fields[0].Uint())), ms, nanos, data, c.hashes[i])
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

func (l *AuditLog) chainHead(account uint64) string { return l.store.accountKey(account, "audit_head") }

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
// metering.AuditLog.Page does, each record with its hash: one script
// seeks an index (the account's time index, its key's or its endpoint's,
// or its stream) and reads at most metering.AuditScanBudget records past
// it, in one round trip.
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
	cursorScore, cursorNanos := auditTimeBound(f.BeforeTime)
	ctx, cancel := l.store.context()
	defer cancel()
	reply, err := auditPageScript.Run(ctx, l.store.client, []string{l.stream(user), index},
		walk, cursor, limit, metering.AuditScanBudget, untilScore, untilNanos, sinceScore, sinceNanos, checked, cursorScore, cursorNanos).StringSlice()
	switch {
	case redis.HasErrorPrefix(err, "UNKNOWNCURSOR"):
		return nil, 0, fmt.Errorf("reading audit log below record %d: %w", before, metering.ErrUnknownCursor)
	case err != nil:
		return nil, 0, unavailable("reading audit log", err)
	case len(reply)%3 != 1:
		return nil, 0, fmt.Errorf("reading audit log: %w", errMalformedReply)
	}
	if reply[0] != "" {
		next = recordID(reply[0])
	}
	records = make([]metering.AuditRecord, 0, len(reply)/3)
	for i := 1; i < len(reply); i += 3 {
		r, err := decodeAudit(user, reply[i], reply[i+1])
		if err != nil {
			return nil, 0, err
		}
		r.Hash = reply[i+2]
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

func decodeAudit(user uint64, id, raw string) (metering.AuditRecord, error) {
	var r metering.AuditRecord
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
