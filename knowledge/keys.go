package knowledge

import (
	"bytes"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// Every key starts with the 8-byte big-endian account id, so an account's
// records are one key range and nothing an account does reads another's.
var (
	// bucketDocs maps account + doc id to the document without its text,
	// so listing reads no text.
	bucketDocs = []byte("knowledge_docs")
	// bucketText maps account + doc id to the text, raw, so a snippet is a
	// slice of it rather than a decode of a whole document.
	bucketText = []byte("knowledge_text")
	// bucketPassages maps account + doc id + passage number to the
	// passage's span of the text and its length in terms; passage 0 is
	// the title.
	bucketPassages = []byte("knowledge_passages")
	// bucketPostings is the inverted index: account + term + 0 + doc id +
	// passage number to the term's count in the passage and the passage's
	// length. A term's postings are one key range, and so are a term's
	// postings within one document.
	bucketPostings = []byte("knowledge_postings")
	// bucketDocTerms maps account + doc id to the document's distinct
	// terms, so Delete finds its postings without tokenizing again (and
	// still finds them all if tokenizing ever changes).
	bucketDocTerms = []byte("knowledge_doc_terms")
	// bucketStats maps account to its passage count and total passage
	// length, for BM25's average length.
	bucketStats = []byte("knowledge_stats")
	// bucketNextID holds each account's last document id. Ids count per
	// account and are never reused, so a deleted document's id never
	// names another.
	bucketNextID = []byte("knowledge_next_id")
)

var buckets = [][]byte{bucketDocs, bucketText, bucketPassages, bucketPostings, bucketDocTerms, bucketStats, bucketNextID}

func passageKey(account, id uint64, passage uint32) []byte {
	return binary.BigEndian.AppendUint32(keyrange.Key(account, id), passage)
}

// termPrefix ends the term with a 0 byte, which no term holds, so no term's
// postings are a prefix of another's.
func termPrefix(account uint64, term string) []byte {
	return append(append(keyrange.Prefix(account), term...), 0)
}

func postingPrefix(account uint64, term string, id uint64) []byte {
	return binary.BigEndian.AppendUint64(termPrefix(account, term), id)
}

// postingRef reads the doc id and passage number that end a posting key.
func postingRef(key []byte) passageRef {
	n := len(key)
	return passageRef{doc: binary.BigEndian.Uint64(key[n-12 : n-4]), passage: binary.BigEndian.Uint32(key[n-4:])}
}

// passageRef names one passage of an account.
type passageRef struct {
	doc     uint64
	passage uint32
}

// eachWithPrefix calls fn for every key of b that starts with prefix, in
// order, until fn fails.
func eachWithPrefix(b *bolt.Bucket, prefix []byte, fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// deleteWithPrefix deletes every key of b that starts with prefix, calling
// seen with each first. The keys are copied and deleted after the walk, so
// the cursor never walks pages that are changing under it.
func deleteWithPrefix(b *bolt.Bucket, prefix []byte, seen func(k, v []byte)) error {
	var keys [][]byte
	err := eachWithPrefix(b, prefix, func(k, v []byte) error {
		keys = append(keys, bytes.Clone(k))
		if seen != nil {
			seen(k, v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
