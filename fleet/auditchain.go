package fleet

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keinetech/kaine/metering"
)

// chainHash is a link of an account's hash chain, the embedded log's
// (metering.AuditLink), over a record's JSON as Redis holds it
// (audit_prelude.lua).
type chainHash = metering.AuditHash

// parseChainHash reads a hash as the scripts keep it: 64 hex digits.
func parseChainHash(s string) (chainHash, bool) {
	var h chainHash
	if len(s) != hex.EncodedLen(len(h)) {
		return h, false
	}
	_, err := hex.Decode(h[:], []byte(s))
	return h, err == nil
}

// verifyChunk is how many records Verify reads a round trip.
const verifyChunk = 1000

// Why a chain does not verify.
const (
	reasonChanged    = "its hash does not match its content and the hash it names before it: it was changed"
	reasonGap        = "the hash it names before it is not the previous record's: a record before it was removed, or it was put in afterwards"
	reasonUnchained  = "it has no hash, though records before it have"
	reasonHeadMissed = "the chain's newest record is not in the log: records after this one were removed"
	reasonNoHead     = "the chain's head is missing"
)

// Verify checks an account's hash chain from its first record at or after
// since (zero: its oldest) to its newest, which must be the chain's head.
// The first record checked is checked against the hash it names before it
// (the anchor retention left, when it trimmed the records before); each
// later one must name the hash of the one before it. Records written
// before the chain began are counted, not checked.
func (l *AuditLog) Verify(user uint64, since time.Time) (metering.AuditVerification, error) {
	var v metering.AuditVerification
	broken := func(id uint64, reason string) (metering.AuditVerification, error) {
		v.BrokenAt, v.Reason = id, reason
		return v, nil
	}
	// Stream IDs are write times, and a record is written after its call,
	// so none since then has an earlier entry.
	start := "-"
	if ms := since.UnixMilli(); ms > 0 {
		start = strconv.FormatInt(ms, 10)
	}
	stream := l.stream(user)
	var last chainHash
	for {
		entries, head, err := l.readChain(user, func(ctx context.Context, pipe redis.Pipeliner) *redis.XMessageSliceCmd {
			return pipe.XRangeN(ctx, stream, start, "+", verifyChunk)
		})
		if err != nil {
			return metering.AuditVerification{}, err
		}
		for _, e := range entries {
			id := recordID(e.ID)
			data, _ := e.Values["r"].(string)
			h, _ := e.Values["h"].(string)
			p, _ := e.Values["p"].(string)
			if h == "" {
				if v.Checked > 0 {
					return broken(id, reasonUnchained)
				}
				v.Unchained++
				continue
			}
			hash, hashOK := parseChainHash(h)
			prev, prevOK := parseChainHash(p)
			if v.Checked > 0 && prev != last {
				return broken(id, reasonGap)
			}
			if !hashOK || !prevOK || metering.AuditLink(prev, []byte(data)) != hash {
				return broken(id, reasonChanged)
			}
			if v.Checked == 0 {
				v.FirstID = id
			}
			v.Checked++
			v.LastID, v.LastHash, last = id, h, hash
		}
		if len(entries) == verifyChunk {
			start = "(" + entries[len(entries)-1].ID
			continue
		}
		// The walk is at the stream's end, read with the head: the newest
		// record's hash must be the head.
		newest := v.LastHash
		if v.Checked+v.Unchained == 0 {
			// Nothing since since: the newest record is older.
			var entries []redis.XMessage
			entries, head, err = l.readChain(user, func(ctx context.Context, pipe redis.Pipeliner) *redis.XMessageSliceCmd {
				return pipe.XRevRangeN(ctx, stream, "+", "-", 1)
			})
			if err != nil {
				return metering.AuditVerification{}, err
			}
			if len(entries) > 0 {
				newest, _ = entries[0].Values["h"].(string)
			}
		}
		switch {
		case newest == head:
			v.OK = true
			return v, nil
		case head == "":
			return broken(0, reasonNoHead)
		default: // as the embedded log says it: the last record that fits
			return broken(v.LastID, reasonHeadMissed)
		}
	}
}

// readChain reads, in one transaction, a range of an account's stream and
// its chain's head ("" when it has none), so that a range that ends at
// the stream's end ends at that head, whatever is written meanwhile.
func (l *AuditLog) readChain(user uint64, read func(context.Context, redis.Pipeliner) *redis.XMessageSliceCmd) ([]redis.XMessage, string, error) {
	ctx, cancel := l.store.context()
	defer cancel()
	var entries *redis.XMessageSliceCmd
	var head *redis.StringCmd
	_, err := l.store.client.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		entries, head = read(ctx, pipe), pipe.Get(ctx, l.chainHead(user))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, "", unavailable("verifying the audit log", err)
	}
	return entries.Val(), head.Val(), nil
}
