package knowledge

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// BM25's usual parameters: how fast repeats of a term stop adding to a
// passage's score, and how much a long passage is discounted.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// Search returns up to limit of the account's documents that match query,
// best first, one hit per document. Passages are ranked with BM25 over
// the query's distinct terms; a document scores its title's score plus its
// best passage's, and that passage is its snippet. It reads only the
// postings of the query's terms, and only the account's. A query with no
// searchable words (only stopwords or punctuation) finds nothing.
func (s *Store) Search(account uint64, query string, limit int) ([]Hit, error) {
	if limit < 1 {
		return nil, fmt.Errorf("searching: %w: limit must be at least 1, got %d", ErrInvalid, limit)
	}
	terms := queryTerms(query)
	if len(terms) > MaxQueryTerms {
		return nil, fmt.Errorf("searching: %w: the query has %d searchable words, more than the %d allowed", ErrInvalid, len(terms), MaxQueryTerms)
	}
	hits := []Hit{}
	if len(terms) == 0 {
		return hits, nil
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := readStats(tx, account)
		if err != nil || st.passages == 0 {
			return err
		}
		scores := map[passageRef]float64{}
		for _, term := range terms {
			if err := addScores(tx, account, term, st, scores); err != nil {
				return fmt.Errorf("reading the postings of %q: %w", term, err)
			}
		}
		for _, d := range rankDocs(scores, limit) {
			h, err := makeHit(tx, account, d, terms)
			if err != nil {
				return fmt.Errorf("document %d: %w", d.id, err)
			}
			hits = append(hits, h)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	return hits, nil
}

// addScores adds term's BM25 share to the score of each passage holding it.
func addScores(tx *bolt.Tx, account uint64, term string, st stats, scores map[passageRef]float64) error {
	type posting struct {
		ref        passageRef
		tf, length int
	}
	var postings []posting
	err := eachWithPrefix(tx.Bucket(bucketPostings), termPrefix(account, term), func(k, v []byte) error {
		tf, length, err := decodePosting(v)
		postings = append(postings, posting{postingRef(k), tf, length})
		return err
	})
	if err != nil || len(postings) == 0 {
		return err
	}
	n, df := float64(st.passages), float64(len(postings))
	avgLength := float64(st.length) / n
	idf := math.Log(1 + (n-df+0.5)/(df+0.5))
	for _, p := range postings {
		tf := float64(p.tf)
		scores[p.ref] += idf * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*float64(p.length)/avgLength))
	}
	return nil
}

// docScore is a document's score and the body passage that scored best
// (0 if only its title matched).
type docScore struct {
	id    uint64
	score float64
	title float64
	best  uint32
	top   float64
}

// rankDocs folds passage scores into document scores and returns the best
// limit documents, ties going to the newer document.
func rankDocs(scores map[passageRef]float64, limit int) []docScore {
	byDoc := map[uint64]*docScore{}
	for ref, score := range scores {
		d := byDoc[ref.doc]
		if d == nil {
			d = &docScore{id: ref.doc}
			byDoc[ref.doc] = d
		}
		switch {
		case ref.passage == 0:
			d.title = score
		case score > d.top || score == d.top && ref.passage < d.best:
			d.best, d.top = ref.passage, score
		}
	}
	ranked := make([]docScore, 0, len(byDoc))
	for _, d := range byDoc {
		d.score = d.title + d.top
		ranked = append(ranked, *d)
	}
	slices.SortFunc(ranked, func(a, b docScore) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(b.id, a.id))
	})
	return ranked[:min(limit, len(ranked))]
}

// makeHit reads what a hit shows of a document: its title and a snippet
// of its best passage, or of its first when only the title matched.
func makeHit(tx *bolt.Tx, account uint64, d docScore, terms []string) (Hit, error) {
	meta, err := readMeta(tx, account, d.id)
	if err != nil {
		return Hit{}, err
	}
	sp, _, err := decodePassage(tx.Bucket(bucketPassages).Get(passageKey(account, d.id, max(d.best, 1))))
	if err != nil {
		return Hit{}, err
	}
	text := tx.Bucket(bucketText).Get(keyrange.Key(account, d.id))
	if sp.start > sp.end || sp.end > len(text) {
		return Hit{}, fmt.Errorf("passage %d lies outside the %d-byte text", d.best, len(text))
	}
	return Hit{
		DocID:   d.id,
		Title:   meta.Title,
		Snippet: snippet(string(text[sp.start:sp.end]), terms),
		Score:   math.Round(d.score*1e4) / 1e4,
	}, nil
}
