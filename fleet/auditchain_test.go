package fleet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keinetech/kaine/metering"
)

// Either log's chain verifies, its newest record's hash the last checked.
func TestAuditChainVerifiesInEitherLog(t *testing.T) {
	eachAuditLog(t, func(t *testing.T, l auditLog) {
		at := time.Now().UTC()
		for i := range 30 {
			l.Record(auditRecord(1, "/v1/llm", i, at))
			l.Record(auditRecord(2, "/v1/llm", i, at))
		}
		l.Flush()
		v, err := l.Verify(1, time.Time{})
		newest, _, _ := l.Page(1, metering.AuditFilter{}, 0, 1)
		if err != nil || !v.OK || v.Checked != 30 || len(newest) != 1 || v.LastID != newest[0].ID || v.LastHash != newest[0].Hash {
			t.Fatalf("%+v, the newest record %+v: %v", v, newest, err)
		}
		if v, err := l.Verify(3, time.Time{}); err != nil || !v.OK || v.Checked != 0 {
			t.Fatalf("an account with no records: %+v, %v", v, err)
		}
	})
}

// verified is an account's chain as Verify finds it, failing on an error.
func verified(t *testing.T, l *AuditLog, user uint64, since time.Time) metering.AuditVerification {
	t.Helper()
	v, err := l.Verify(user, since)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// allTaken waits until Redis took every record the logs hold.
func allTaken(t *testing.T, logs ...*AuditLog) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, l := range logs {
		for l.waiting() > 0 {
			if ctx.Err() != nil {
				t.Fatalf("%d records still wait", l.waiting())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// streamIDs are an account's records' stream IDs, oldest first.
func streamIDs(t *testing.T, l *AuditLog, user uint64) []string {
	t.Helper()
	entries, err := l.store.client.XRange(context.Background(), l.stream(user), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	return ids
}

// writeChained writes n records of account 1 through l, a Flush every
// batch records, and returns their stream IDs, oldest first.
func writeChained(t *testing.T, l *AuditLog, n, batch int) []string {
	t.Helper()
	at := time.Now().UTC()
	for i := range n {
		l.Record(auditRecord(1, "/v1/llm", i, at))
		if i%batch == batch-1 {
			l.Flush()
		}
	}
	l.Flush()
	allTaken(t, l)
	return streamIDs(t, l, 1)
}

func TestAuditChainOfTwoInstancesWritingOneAccountVerifies(t *testing.T) {
	s := openStore(t, Options{})
	logs := []*AuditLog{openAuditWith(t, s, metering.AuditOptions{BatchSize: 5}), openAuditWith(t, s, metering.AuditOptions{BatchSize: 5})}
	const each = 300
	at := time.Now().UTC()
	var wg sync.WaitGroup
	for i, l := range logs {
		wg.Go(func() {
			for n := range each {
				r := auditRecord(1, "/v1/llm", n, at)
				r.RequestID = fmt.Sprintf("%d-%d", i, n)
				l.Record(r)
				l.Record(auditRecord(2, "/v1/leads", n, at))
			}
			l.Flush()
		})
	}
	wg.Wait()
	allTaken(t, logs...)
	for _, user := range []uint64{1, 2} {
		ids := streamIDs(t, logs[0], user)
		v := verified(t, logs[1], user, time.Time{})
		if !v.OK || v.Checked != 2*each || v.Unchained != 0 || v.FirstID != recordID(ids[0]) || v.LastID != recordID(ids[len(ids)-1]) {
			t.Fatalf("account %d: %+v, want %d records checked from %s to %s", user, v, 2*each, ids[0], ids[len(ids)-1])
		}
	}
}

// An instance whose head is stale (another appended since its last batch)
// has its batch refused, hashes it again and adds it once.
func TestAuditBatchOnAStaleHeadIsHashedAgain(t *testing.T) {
	s := openStore(t, Options{})
	a, b := openAudit(t, s), openAudit(t, s)
	at := time.Now().UTC()
	for i, l := range []*AuditLog{a, b, a, b, a} {
		l.Record(auditRecord(1, "/v1/llm", 2*i, at))
		l.Record(auditRecord(1, "/v1/llm", 2*i+1, at))
		l.Flush()
	}
	allTaken(t, a, b)
	if v := verified(t, a, 1, time.Time{}); !v.OK || v.Checked != 10 {
		t.Fatalf("%+v, want 10 records checked", v)
	}
}

// A batch added whose answer was lost is sent again hashed against the
// head the instance still believes in, or none: it is added once, not
// taken for a batch on a stale head and hashed onto the chain twice.
func TestAuditBatchResentAfterALostAnswerIsAddedOnce(t *testing.T) {
	for _, believed := range []string{"the head before it", "no head"} {
		t.Run(believed, func(t *testing.T) {
			l := openAudit(t, openStore(t, Options{}))
			writeChained(t, l, 3, 3)
			record, _ := json.Marshal(auditRecord(1, "/v1/llm", 3, time.Now().UTC()))
			lost := auditBatch{account: 1, token: uniqueName(), made: time.Now(), records: [][]byte{record}, index: []string{"/v1/llm"}}
			l.sendMu.Lock()
			before := l.heads[1]
			l.sendMu.Unlock()
			for range 2 {
				l.mu.Lock()
				l.backlog, l.held = append(l.backlog, lost), l.held+1
				l.mu.Unlock()
				if err := l.send(); err != nil {
					t.Fatal(err)
				}
				// The answer is lost: the instance knows no more than before.
				l.sendMu.Lock()
				if believed == "no head" {
					delete(l.heads, 1)
				} else {
					l.heads[1] = before
				}
				l.sendMu.Unlock()
			}
			if ids := streamIDs(t, l, 1); len(ids) != 4 {
				t.Fatalf("%d records, want 4", len(ids))
			}
			if v := verified(t, l, 1, time.Time{}); !v.OK || v.Checked != 4 {
				t.Fatalf("%+v, want 4 records checked", v)
			}
		})
	}
}

// rewriteAudit rewrites an account's stream, each entry with the same ID
// and the fields edit returns (none: the entry is left out).
func rewriteAudit(t *testing.T, l *AuditLog, user uint64, edit func(i int, fields map[string]string) map[string]string) {
	t.Helper()
	ctx := context.Background()
	c := l.store.client
	entries, err := c.XRange(ctx, l.stream(user), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Del(ctx, l.stream(user)).Err(); err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		fields := map[string]string{}
		for name, value := range e.Values {
			fields[name] = value.(string)
		}
		fields = edit(i, fields)
		if fields == nil {
			continue
		}
		// r first: the page script reads it by place.
		values := []any{"r", fields["r"]}
		for _, name := range []string{"h", "p"} {
			if value, ok := fields[name]; ok {
				values = append(values, name, value)
			}
		}
		if err := c.XAdd(ctx, &redis.XAddArgs{Stream: l.stream(user), ID: e.ID, Values: values}).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditChainFindsWhatWasChanged(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		// change changes the log of 20 records with these stream IDs and
		// returns the index of the first record that no longer fits (-1:
		// the newest records are missing, -2: the head is).
		change func(t *testing.T, l *AuditLog, ids []string) int
		reason string
	}{
		{"a record changed", func(t *testing.T, l *AuditLog, ids []string) int {
			rewriteAudit(t, l, 1, func(i int, fields map[string]string) map[string]string {
				if i == 10 {
					fields["r"] = strings.Replace(fields["r"], `"cost_usd":`, `"cost_usd":1`, 1)
				}
				return fields
			})
			return 10
		}, reasonChanged},
		{"a record changed and hashed again", func(t *testing.T, l *AuditLog, ids []string) int {
			rewriteAudit(t, l, 1, func(i int, fields map[string]string) map[string]string {
				if i == 10 {
					fields["r"] = strings.Replace(fields["r"], `"status":200`, `"status":201`, 1)
					prev, _ := parseChainHash(fields["p"])
					hash := metering.AuditLink(prev, []byte(fields["r"]))
					fields["h"] = hex.EncodeToString(hash[:])
				}
				return fields
			})
			return 11
		}, reasonGap},
		{"a record removed", func(t *testing.T, l *AuditLog, ids []string) int {
			if err := l.store.client.XDel(ctx, l.stream(1), ids[7]).Err(); err != nil {
				t.Fatal(err)
			}
			return 8
		}, reasonGap},
		{"a record without a hash after the chain began", func(t *testing.T, l *AuditLog, ids []string) int {
			rewriteAudit(t, l, 1, func(i int, fields map[string]string) map[string]string {
				if i == 12 {
					delete(fields, "h")
					delete(fields, "p")
				}
				return fields
			})
			return 12
		}, reasonUnchained},
		{"the newest record removed", func(t *testing.T, l *AuditLog, ids []string) int {
			if err := l.store.client.XDel(ctx, l.stream(1), ids[19]).Err(); err != nil {
				t.Fatal(err)
			}
			return 18 // the last record that fits, as the embedded log names it
		}, reasonHeadMissed},
		{"the head removed", func(t *testing.T, l *AuditLog, ids []string) int {
			if err := l.store.client.Del(ctx, l.chainHead(1)).Err(); err != nil {
				t.Fatal(err)
			}
			return -2
		}, reasonNoHead},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := openAudit(t, openStore(t, Options{}))
			ids := writeChained(t, l, 20, 6)
			if v := verified(t, l, 1, time.Time{}); !v.OK || v.Checked != 20 {
				t.Fatalf("before the change: %+v", v)
			}
			broken := c.change(t, l, ids)
			v := verified(t, l, 1, time.Time{})
			want := uint64(0)
			if broken >= 0 {
				want = recordID(ids[broken])
			}
			if v.OK || v.BrokenAt != want || v.Reason != c.reason {
				t.Fatalf("%+v, want broken at %d (%d): %s", v, broken, want, c.reason)
			}
		})
	}
}

// What retention leaves verifies from its oldest record, whose hash
// before it is the anchor.
func TestAuditChainTrimmedByRetentionVerifies(t *testing.T) {
	l := openAudit(t, openStore(t, Options{}))
	ids := writeChained(t, l, 20, 6)
	if err := l.store.client.XTrimMinID(context.Background(), l.stream(1), ids[9]).Err(); err != nil {
		t.Fatal(err)
	}
	if v := verified(t, l, 1, time.Time{}); !v.OK || v.Checked != 11 || v.FirstID != recordID(ids[9]) {
		t.Fatalf("%+v, want 11 records checked from %s", v, ids[9])
	}
}

func TestAuditChainVerifiesSinceATime(t *testing.T) {
	l := openAudit(t, openStore(t, Options{}))
	ids := writeChained(t, l, 20, 6)
	// A walk since a time starts at its millisecond's first record.
	ms := recordID(ids[12]) >> seqBits
	want := 0
	for _, id := range ids {
		if recordID(id)>>seqBits >= ms {
			want++
		}
	}
	if v := verified(t, l, 1, time.UnixMilli(int64(ms))); !v.OK || v.Checked != want || v.LastID != recordID(ids[19]) {
		t.Fatalf("since %s: %+v, want %d records checked", ids[12], v, want)
	}
	// Since after the newest record: nothing to check, and the newest
	// record is still the head.
	if v := verified(t, l, 1, time.Now().Add(time.Hour)); !v.OK || v.Checked != 0 {
		t.Fatalf("since an hour from now: %+v", v)
	}
	if err := l.store.client.XDel(context.Background(), l.stream(1), ids[19]).Err(); err != nil {
		t.Fatal(err)
	}
	if v := verified(t, l, 1, time.Now().Add(time.Hour)); v.OK || v.Reason != reasonHeadMissed {
		t.Fatalf("since an hour from now, the newest record removed: %+v", v)
	}
}

// Records written before the chain began are counted, and listed with no
// hash; those after it are chained.
func TestAuditRecordsBeforeTheChainAreCountedNotChecked(t *testing.T) {
	l := openAudit(t, openStore(t, Options{}))
	for i := range 3 {
		data, _ := json.Marshal(auditRecord(1, "/v1/llm", i, time.Now().UTC()))
		if err := l.store.client.XAdd(context.Background(), &redis.XAddArgs{Stream: l.stream(1), Values: []any{"r", data}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	writeChained(t, l, 5, 5)
	if v := verified(t, l, 1, time.Time{}); !v.OK || v.Checked != 5 || v.Unchained != 3 {
		t.Fatalf("%+v, want 5 records checked, 3 unchained", v)
	}
	records, _, err := l.Page(1, metering.AuditFilter{}, 0, 100)
	if err != nil || len(records) != 8 || records[0].Hash == "" || records[7].Hash != "" {
		t.Fatalf("%d records, the newest's hash %q, the oldest's %q: %v", len(records), records[0].Hash, records[7].Hash, err)
	}
}

// Each listing carries each record's hash: that of its JSON as stored,
// which holds no hash, after the hash of the record before it.
func TestAuditPageCarriesEachRecordsHash(t *testing.T) {
	l := openAudit(t, openStore(t, Options{}))
	at := time.Now().UTC().Add(-time.Hour)
	for i := range 12 {
		r := auditRecord(1, "/v1/llm", i, at.Add(time.Duration(i)*time.Second))
		r.Hash = "not a chain's"
		l.Record(r)
	}
	l.Flush()
	all, _, err := l.Page(1, metering.AuditFilter{}, 0, 100)
	if err != nil || len(all) != 12 {
		t.Fatalf("%d records: %v", len(all), err)
	}
	v := verified(t, l, 1, time.Time{})
	if all[0].Hash != v.LastHash {
		t.Fatalf("the newest record's hash %q, the chain's %q", all[0].Hash, v.LastHash)
	}
	hashOf := map[uint64]string{}
	for i, r := range all {
		hashOf[r.ID] = r.Hash
		if i == len(all)-1 {
			continue
		}
		prev, _ := parseChainHash(all[i+1].Hash)
		r.ID, r.Hash = 0, "" // as written
		data, _ := json.Marshal(r)
		if hash := metering.AuditLink(prev, data); hex.EncodeToString(hash[:]) != all[i].Hash {
			t.Fatalf("record %d's hash %s is not that of %s after %s", all[i].ID, all[i].Hash, data, all[i+1].Hash)
		}
	}
	for _, f := range []metering.AuditFilter{{KeyID: 9}, {Endpoint: "/v1/llm"}, {Since: at}} {
		page, _, err := l.Page(1, f, 0, 100)
		if err != nil || len(page) != 12 {
			t.Fatalf("%+v: %d records: %v", f, len(page), err)
		}
		for _, r := range page {
			if r.Hash != hashOf[r.ID] {
				t.Fatalf("%+v: record %d's hash %q, want %q", f, r.ID, r.Hash, hashOf[r.ID])
			}
		}
	}
}
