package metering

import (
	"crypto/sha256"
	"encoding/hex"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// Each account's records form a hash chain in the order they were
// written (their ids): a record's hash is SHA-256 of the hash before it
// and of its own JSON as stored, so a record changed, removed or put in
// afterwards breaks the chain from there on. The chain's head (the newest
// record's hash) and, once retention trimmed its oldest records, its
// anchor (the hash of the last one trimmed) are kept per account.
var (
	bucketAuditChain  = []byte("audit_chain")  // user → the newest record's hash
	bucketAuditAnchor = []byte("audit_anchor") // user → the last trimmed record's hash
)

// chainedRecord marks a record stored with its hash: the mark, the hash,
// then the JSON. A record written before the chain is its JSON alone,
// which starts with '{'.
const chainedRecord = 0x01

// AuditHash is a link of an account's hash chain.
type AuditHash = [sha256.Size]byte

type chainHash = AuditHash

// AuditLink is the hash of a record whose JSON, as stored, is data, after
// prev: the chain both audit logs keep (zero before an account's first).
func AuditLink(prev AuditHash, data []byte) AuditHash {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(data)
	return chainHash(h.Sum(nil))
}

// storedRecord splits a stored record into its JSON and its hash (nil for
// a record written before the chain).
func storedRecord(v []byte) (data, hash []byte) {
	if len(v) > sha256.Size && v[0] == chainedRecord {
		return v[1+sha256.Size:], v[1 : 1+sha256.Size]
	}
	return v, nil
}

// chainedValue is what is stored of a record: its mark, hash and JSON.
func chainedValue(hash chainHash, data []byte) []byte {
	v := make([]byte, 0, 1+len(hash)+len(data))
	return append(append(append(v, chainedRecord), hash[:]...), data...)
}

// chainHeads reads and keeps the heads of the accounts a batch writes.
type chainHeads struct {
	bucket *bolt.Bucket
	heads  map[uint64]chainHash
}

func openChainHeads(tx *bolt.Tx) *chainHeads {
	return &chainHeads{bucket: tx.Bucket(bucketAuditChain), heads: map[uint64]chainHash{}}
}

// next links a record of user whose JSON is data to the chain, and
// returns its hash.
func (c *chainHeads) next(user uint64, data []byte) chainHash {
	prev, ok := c.heads[user]
	if !ok {
		copy(prev[:], c.bucket.Get(keyrange.Prefix(user))) // none: zeros
	}
	h := AuditLink(prev, data)
	c.heads[user] = h
	return h
}

// store writes the batch's heads.
func (c *chainHeads) store() error {
	for user, h := range c.heads {
		if err := c.bucket.Put(keyrange.Prefix(user), h[:]); err != nil {
			return err
		}
	}
	return nil
}

func hexHash(hash []byte) string {
	if hash == nil {
		return ""
	}
	return hex.EncodeToString(hash)
}
