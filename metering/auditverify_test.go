package metering

import (
	"bytes"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// chainOf writes n records of account 1 a second apart from t0 (and
// account 2's between them) and returns account 1's, newest first.
func chainOf(t *testing.T, l *AuditLog, n int) []AuditRecord {
	t.Helper()
	for i := range n {
		r := rec(1, "/v1/llm", t0.Add(time.Duration(i)*time.Second))
		r.Cost = 1000
		l.Record(r)
		l.Record(rec(2, "/v1/me", t0.Add(time.Duration(i)*time.Second)))
	}
	l.Flush()
	records, _, err := l.Page(1, AuditFilter{}, 0, n)
	if err != nil || len(records) != n {
		t.Fatalf("%d records, %v", len(records), err)
	}
	return records
}

func verify(t *testing.T, l *AuditLog, since time.Time) AuditVerification {
	t.Helper()
	v, err := l.Verify(1, since)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// editStored changes a stored record in place, as someone with the file
// could.
func editStored(t *testing.T, l *AuditLog, id uint64, edit func(stored []byte) []byte) {
	t.Helper()
	err := l.db.Update(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketAudit)
		stored := bytes.Clone(records.Get(recordKey(1, id)))
		if changed := edit(stored); changed != nil {
			return records.Put(recordKey(1, id), changed)
		}
		return records.Delete(recordKey(1, id))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuditChainVerifiesAndShowsEachHash(t *testing.T) {
	l := newTestAudit(t, AuditOptions{BatchSize: 7}) // the chain crosses batches
	records := chainOf(t, l, 50)
	v := verify(t, l, time.Time{})
	if !v.OK || v.Checked != 50 || v.FirstID != records[49].ID || v.LastID != records[0].ID || v.LastHash != records[0].Hash || len(records[0].Hash) != 64 {
		t.Fatalf("verification %+v; newest %+v", v, records[0])
	}
	if v := verify(t, l, t0.Add(30*time.Second)); !v.OK || v.Checked != 20 || v.FirstID != records[19].ID {
		t.Fatalf("since the 31st: %+v", v)
	}
	if v := verify(t, l, t0.Add(time.Hour)); !v.OK || v.Checked != 0 {
		t.Fatalf("since after the last: %+v", v)
	}
}

func TestAuditChainFindsWhatWasChanged(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(records []AuditRecord) (id uint64, stored func([]byte) []byte)
		broken func(records []AuditRecord) uint64
	}{
		{"a cost lowered", func(records []AuditRecord) (uint64, func([]byte) []byte) {
			return records[20].ID, func(s []byte) []byte {
				return bytes.Replace(s, []byte(`"cost_usd":0.001`), []byte(`"cost_usd":0.000`), 1)
			}
		}, func(records []AuditRecord) uint64 { return records[20].ID }},
		{"a record removed", func(records []AuditRecord) (uint64, func([]byte) []byte) {
			return records[20].ID, func([]byte) []byte { return nil }
		}, func(records []AuditRecord) uint64 { return records[19].ID }},
		{"the newest record removed", func(records []AuditRecord) (uint64, func([]byte) []byte) {
			return records[0].ID, func([]byte) []byte { return nil }
		}, func(records []AuditRecord) uint64 { return records[1].ID }},
		{"a hash replaced by one of its own", func(records []AuditRecord) (uint64, func([]byte) []byte) {
			return records[20].ID, func(s []byte) []byte {
				data, _ := storedRecord(s)
				forged := bytes.Replace(data, []byte(`"status":200`), []byte(`"status":201`), 1)
				return chainedValue(AuditLink(chainHash{}, forged), forged)
			}
		}, func(records []AuditRecord) uint64 { return records[20].ID }},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newTestAudit(t, AuditOptions{})
			records := chainOf(t, l, 50)
			id, edit := c.edit(records)
			editStored(t, l, id, edit)
			v := verify(t, l, time.Time{})
			if v.OK || v.BrokenAt != c.broken(records) || v.Reason == "" {
				t.Fatalf("verification %+v, want broken at %d", v, c.broken(records))
			}
		})
	}
}

// Retention trims each account's chain from its oldest record, leaving
// the last one's hash as the anchor of what remains, which verifies; a
// record that ended before the cutoff but after a record written before
// it waits for that one.
func TestAuditChainVerifiesAfterRetention(t *testing.T) {
	l := newTestAudit(t, AuditOptions{})
	records := chainOf(t, l, 50)
	late := rec(1, "/v1/llm", t0.Add(5*time.Second)) // written after the 50th, ended long before
	l.Record(late)
	l.Flush()
	for {
		n, err := l.Sweep(t0.Add(20*time.Second), 7)
		if err != nil {
			t.Fatal(err)
		}
		if n < 7 {
			break
		}
	}
	left, _, _ := l.Page(1, AuditFilter{}, 0, 100)
	if len(left) != 31 || left[len(left)-1].ID != records[29].ID {
		t.Fatalf("%d records left, the oldest %d; want 30 and the late one, from %d", len(left), left[len(left)-1].ID, records[29].ID)
	}
	if v := verify(t, l, time.Time{}); !v.OK || v.Checked != 31 {
		t.Fatalf("after retention: %+v", v)
	}
}

// A log written before the chain keeps its records, unchained; the chain
// starts with the first record written after.
func TestAuditChainStartsAfterAnOlderLog(t *testing.T) {
	l := newTestAudit(t, AuditOptions{})
	err := l.db.Update(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketAudit)
		for seq := uint64(1); seq <= 3; seq++ {
			if err := records.Put(recordKey(1, seq), []byte(`{"id":1,"key_id":10,"request_id":"r","endpoint":"/v1/me","method":"GET","status":200,"tokens_in":0,"tokens_out":0,"cost_usd":0,"latency_ms":0,"timestamp":"2026-11-01T11:00:00Z","user_id":1}`)); err != nil {
				return err
			}
		}
		return records.SetSequence(3)
	})
	if err != nil {
		t.Fatal(err)
	}
	chainOf(t, l, 5)
	if v := verify(t, l, time.Time{}); !v.OK || v.Unchained != 3 || v.Checked != 5 {
		t.Fatalf("verification %+v", v)
	}
	all, _, _ := l.Page(1, AuditFilter{}, 0, 10)
	if len(all) != 8 || all[7].Hash != "" || all[0].Hash == "" {
		t.Fatalf("records %+v", all)
	}
}

// Records gone since the head was written break the chain, though no
// record is left to check.
func TestAuditChainFindsTheNewestRecordsGoneWithNothingLeftToCheck(t *testing.T) {
	l := newTestAudit(t, AuditOptions{})
	records := chainOf(t, l, 5)
	editStored(t, l, records[0].ID, func([]byte) []byte { return nil })
	if v := verify(t, l, t0.Add(4*time.Second)); v.OK || v.Reason != reasonHeadMissed {
		t.Fatalf("since the removed newest record: %+v", v)
	}
	for _, r := range records[1:] {
		editStored(t, l, r.ID, func([]byte) []byte { return nil })
	}
	if v := verify(t, l, time.Time{}); v.OK || v.Checked != 0 || v.Reason != reasonHeadMissed {
		t.Fatalf("every record removed: %+v", v)
	}
}

// A chain being written to while it is checked verifies: the check ends
// at the head it read first.
func TestAuditChainVerifiesWhileWritten(t *testing.T) {
	l := newTestAudit(t, AuditOptions{BatchSize: 3})
	chainOf(t, l, 20)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 300 {
			l.Record(rec(1, "/v1/llm", t0.Add(time.Hour+time.Duration(i)*time.Millisecond)))
			if i%30 == 0 {
				l.Flush()
			}
		}
		l.Flush()
	}()
	for range 20 {
		if v := verify(t, l, time.Time{}); !v.OK {
			t.Fatalf("while written: %+v", v)
		}
	}
	<-done
	if v := verify(t, l, time.Time{}); !v.OK || v.Checked != 320 {
		t.Fatalf("after: %+v", v)
	}
}

// An account whose oldest record by id is not yet due holds back its own
// later records only, not the other accounts'.
func TestAuditSweepIsNotHeldBackByAnotherAccount(t *testing.T) {
	l := newTestAudit(t, AuditOptions{})
	l.Record(rec(1, "/v1/llm", t0.Add(48*time.Hour))) // written first, due last
	for i := range 5 {
		l.Record(rec(1, "/v1/llm", t0.Add(time.Duration(i)*time.Second)))
	}
	for i := range 5 {
		l.Record(rec(2, "/v1/llm", t0.Add(time.Minute+time.Duration(i)*time.Second)))
	}
	l.Flush()
	n, err := l.Sweep(t0.Add(time.Hour), 5)
	if err != nil || n != 5 {
		t.Fatalf("swept %d, %v; want account 2's 5", n, err)
	}
	if left, _, _ := l.Page(2, AuditFilter{}, 0, 10); len(left) != 0 {
		t.Fatalf("account 2 keeps %d records", len(left))
	}
}

// A listing by time that knows the time of a record gone from under its
// cursor goes on exactly below it.
func TestAuditPageByTimeGoesOnBelowARecordGone(t *testing.T) {
	l := newTestAudit(t, AuditOptions{})
	chainOf(t, l, 30)
	f := AuditFilter{Since: t0}
	all, _, _ := l.Page(1, f, 0, 100)
	page, next, _ := l.Page(1, f, 0, 9)
	editStored(t, l, next, func([]byte) []byte { return nil })
	f.BeforeTime = page[8].Time
	rest, _, err := l.Page(1, f, next, 9)
	if err != nil || len(rest) != 9 {
		t.Fatalf("below the record gone: %d, %v", len(rest), err)
	}
	for i, r := range rest {
		if r.ID != all[9+i].ID {
			t.Fatalf("record %d is %d, want %d", i, r.ID, all[9+i].ID)
		}
	}
}
