package knowledge

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// passageCounts is one passage of a document, counted for the index.
type passageCounts struct {
	span   span           // in the text; zero for the title
	length int            // terms in the passage
	tf     map[string]int // how often each term occurs
}

// analyze cuts a document into its passages and counts their terms. The
// title is passage 0, ranked like any passage so a title match counts.
func analyze(title, text string) []passageCounts {
	out := []passageCounts{count(title, span{})}
	for _, sp := range splitPassages(text) {
		out = append(out, count(text[sp.start:sp.end], sp))
	}
	return out
}

func count(s string, sp span) passageCounts {
	p := passageCounts{span: sp, tf: map[string]int{}}
	tokenize(s, func(t token) {
		p.tf[t.term]++
		p.length++
	})
	return p
}

// writeIndex adds a document's passages, postings, distinct terms and
// statistics to the account's index.
func writeIndex(tx *bolt.Tx, account, id uint64, passages []passageCounts) error {
	type posting struct{ key, value []byte }
	var postings []posting
	terms := map[string]bool{}
	added := stats{passages: uint64(len(passages))}
	for i, p := range passages {
		n := uint32(i)
		if err := tx.Bucket(bucketPassages).Put(passageKey(account, id, n), encodePassage(p)); err != nil {
			return fmt.Errorf("writing passage %d: %w", n, err)
		}
		added.length += uint64(p.length)
		for term, tf := range p.tf {
			terms[term] = true
			key := binary.BigEndian.AppendUint32(postingPrefix(account, term, id), n)
			postings = append(postings, posting{key, encodePosting(tf, p.length)})
		}
	}
	// In key order the puts walk the B+tree once instead of jumping about,
	// which is what keeps a 1 MiB document's transaction quick.
	slices.SortFunc(postings, func(a, b posting) int { return bytes.Compare(a.key, b.key) })
	b := tx.Bucket(bucketPostings)
	for _, p := range postings {
		if err := b.Put(p.key, p.value); err != nil {
			return fmt.Errorf("writing postings: %w", err)
		}
	}
	sorted := strings.Join(slices.Sorted(maps.Keys(terms)), "\x00")
	if err := tx.Bucket(bucketDocTerms).Put(keyrange.Key(account, id), []byte(sorted)); err != nil {
		return fmt.Errorf("writing the document's terms: %w", err)
	}
	st, err := readStats(tx, account)
	if err != nil {
		return err
	}
	return st.add(added).put(tx, account)
}

// removeIndex deletes everything writeIndex wrote for a document.
func removeIndex(tx *bolt.Tx, account, id uint64) error {
	terms := tx.Bucket(bucketDocTerms).Get(keyrange.Key(account, id))
	if terms == nil {
		return errors.New("the document has no index entry")
	}
	postings := tx.Bucket(bucketPostings)
	for _, term := range strings.Split(string(terms), "\x00") {
		if term == "" {
			continue // a document with no terms at all
		}
		if err := deleteWithPrefix(postings, postingPrefix(account, term, id), nil); err != nil {
			return fmt.Errorf("deleting the postings of %q: %w", term, err)
		}
	}
	if err := tx.Bucket(bucketDocTerms).Delete(keyrange.Key(account, id)); err != nil {
		return fmt.Errorf("deleting the document's terms: %w", err)
	}
	var removed stats
	var bad error
	err := deleteWithPrefix(tx.Bucket(bucketPassages), keyrange.Key(account, id), func(_, v []byte) {
		_, length, err := decodePassage(v)
		bad = errors.Join(bad, err)
		removed.passages++
		removed.length += uint64(length)
	})
	if err = errors.Join(bad, err); err != nil {
		return fmt.Errorf("deleting passages: %w", err)
	}
	st, err := readStats(tx, account)
	if err != nil {
		return err
	}
	if st.passages < removed.passages || st.length < removed.length {
		return fmt.Errorf("the account's statistics (%d passages, %d terms) are smaller than the document's (%d, %d)", st.passages, st.length, removed.passages, removed.length)
	}
	return stats{passages: st.passages - removed.passages, length: st.length - removed.length}.put(tx, account)
}

// stats are what BM25 needs of an account besides postings: how many
// passages it has and their total length in terms.
type stats struct{ passages, length uint64 }

func readStats(tx *bolt.Tx, account uint64) (stats, error) {
	v := tx.Bucket(bucketStats).Get(keyrange.Prefix(account))
	switch len(v) {
	case 0:
		return stats{}, nil
	case 16:
		return stats{passages: binary.BigEndian.Uint64(v), length: binary.BigEndian.Uint64(v[8:])}, nil
	}
	return stats{}, fmt.Errorf("the account's index statistics are %d bytes, not 16", len(v))
}

func (st stats) add(o stats) stats {
	return stats{passages: st.passages + o.passages, length: st.length + o.length}
}

// put stores the statistics, deleting them once the account has no
// passages, so an emptied account leaves no index keys behind.
func (st stats) put(tx *bolt.Tx, account uint64) error {
	b := tx.Bucket(bucketStats)
	if st.passages == 0 {
		return b.Delete(keyrange.Prefix(account))
	}
	v := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, st.passages), st.length)
	if err := b.Put(keyrange.Prefix(account), v); err != nil {
		return fmt.Errorf("writing the account's index statistics: %w", err)
	}
	return nil
}

// encodePassage stores a passage's span and length, three big-endian
// uint32s: a text is at most MaxText bytes.
func encodePassage(p passageCounts) []byte {
	v := binary.BigEndian.AppendUint32(nil, uint32(p.span.start))
	v = binary.BigEndian.AppendUint32(v, uint32(p.span.end))
	return binary.BigEndian.AppendUint32(v, uint32(p.length))
}

func decodePassage(v []byte) (span, int, error) {
	if len(v) != 12 {
		return span{}, 0, fmt.Errorf("a passage record is %d bytes, not 12", len(v))
	}
	sp := span{int(binary.BigEndian.Uint32(v)), int(binary.BigEndian.Uint32(v[4:]))}
	return sp, int(binary.BigEndian.Uint32(v[8:])), nil
}

// encodePosting stores a term's count in a passage and the passage's
// length, so ranking needs no other read per posting.
func encodePosting(tf, length int) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(nil, uint64(tf)), uint64(length))
}

func decodePosting(v []byte) (tf, length int, err error) {
	f, n := binary.Uvarint(v)
	l, m := binary.Uvarint(v[max(n, 0):])
	if n <= 0 || m <= 0 || n+m != len(v) {
		return 0, 0, fmt.Errorf("a posting record of %d bytes is malformed", len(v))
	}
	return int(f), int(l), nil
}
