// Package knowledge is each account's document store for its agents: the
// business's FAQs, price lists and policies, kept in bbolt with a BM25
// index over their passages so an agent can look up what it needs.
package knowledge

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Doc is one document of an account.
type Doc struct {
	ID        uint64    `json:"id"`
	Title     string    `json:"title"`
	Text      string    `json:"text,omitempty"` // absent in a listing
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Hit is one document found by Search, with its best matching passage.
type Hit struct {
	DocID   uint64  `json:"doc_id"`
	Title   string  `json:"title"`
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
}

// Limits on what a document and a query may hold: generous for real
// documents, small enough that one Add stays one modest transaction.
const (
	MaxTitle      = 200     // characters
	MaxSource     = 500     // characters
	MaxText       = 1 << 20 // bytes
	MaxQueryTerms = 64      // distinct searchable words in a query
	MaxSnippet    = 300     // characters of a Hit's snippet, "…" included
)

var (
	// ErrNotFound is returned for a document that does not exist in the account.
	ErrNotFound = errors.New("document not found")
	// ErrInvalid wraps every complaint about a document or query the caller
	// sent; its message says what is wrong and can be shown to the caller.
	ErrInvalid = errors.New("invalid")
)

// clean trims the title and source and checks the document against the
// limits, naming the first field that is wrong.
func clean(d Doc) (Doc, error) {
	d.Title = strings.TrimSpace(d.Title)
	d.Source = strings.TrimSpace(d.Source)
	if err := checkLine("title", d.Title, MaxTitle); err != nil {
		return Doc{}, err
	}
	if d.Title == "" {
		return Doc{}, fmt.Errorf("%w: title is required", ErrInvalid)
	}
	if err := checkLine("source", d.Source, MaxSource); err != nil {
		return Doc{}, err
	}
	switch {
	case len(d.Text) > MaxText:
		return Doc{}, fmt.Errorf("%w: text is %d bytes, more than the %d allowed", ErrInvalid, len(d.Text), MaxText)
	case !utf8.ValidString(d.Text):
		return Doc{}, fmt.Errorf("%w: text is not valid UTF-8", ErrInvalid)
	case strings.TrimSpace(d.Text) == "":
		return Doc{}, fmt.Errorf("%w: text is required", ErrInvalid)
	}
	return d, nil
}

// checkLine checks a one-line field: valid UTF-8, no control characters,
// at most max characters.
func checkLine(field, s string, max int) error {
	switch {
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	case strings.ContainsFunc(s, unicode.IsControl):
		return fmt.Errorf("%w: %s must be one line without control characters", ErrInvalid, field)
	case utf8.RuneCountInString(s) > max:
		return fmt.Errorf("%w: %s is %d characters, more than the %d allowed", ErrInvalid, field, utf8.RuneCountInString(s), max)
	}
	return nil
}
