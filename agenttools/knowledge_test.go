package agenttools

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keinetech/kaine/knowledge"
)

func TestKnowledgeSearch(t *testing.T) {
	s := newStores(t)
	d := s.deps()
	for _, doc := range []struct {
		account     uint64
		title, text string
	}{
		{1, "Returns", "Unused items can be returned within 30 days for a full refund. Keep the receipt."},
		{1, "Opening hours", "The shop is open Monday to Saturday, 9 am to 6 pm."},
		{1, "Gift cards", "Gift cards never expire. No refund is given for gift cards."},
		{2, "Secret refund policy", "Account 2's refund rules are its own."},
	} {
		if _, err := s.knowledge.Add(doc.account, knowledge.Doc{Title: doc.title, Text: doc.text}); err != nil {
			t.Fatal(err)
		}
	}
	var got struct {
		Hits  []hitView `json:"hits"`
		Count int       `json:"count"`
	}
	out := mustRun(t, d, "knowledge_search", env1, `{"query": "refund with a receipt"}`)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Count != 2 || len(got.Hits) != 2 || got.Hits[0].Title != "Returns" || got.Hits[1].Title != "Gift cards" || got.Hits[0].Score < got.Hits[1].Score {
		t.Fatalf("hits %s", out)
	}
	if h := got.Hits[0]; h.DocID == 0 || !strings.Contains(h.Snippet, "refund") || h.Score <= 0 {
		t.Errorf("hit %+v", h)
	}
	if strings.Contains(out, "Secret") || strings.Contains(out, "Account 2") {
		t.Errorf("another account's document was found: %s", out)
	}
	if out := mustRun(t, d, "knowledge_search", env1, `{"query": "refund", "limit": 1}`); strings.Count(out, `"doc_id"`) != 1 {
		t.Errorf("limit 1: %s", out)
	}
	if out := mustRun(t, d, "knowledge_search", env1, `{"query": "parking"}`); out != `{"hits":[],"count":0}` {
		t.Errorf("no match: %s", out)
	}
}

func TestKnowledgeSearchBadInput(t *testing.T) {
	d := newStores(t).deps()
	tests := []struct{ input, want string }{
		{`{}`, "query is required"},
		{`{"query": " "}`, "query is required"},
		{`{"query": "x", "limit": 21}`, "limit must be from 1 to 20"},
		{`{"query": "` + strings.Repeat("y", maxKnowledgeQuery+1) + `"}`, "over the limit of 1000"},
		{`{"query": "` + manyWords(knowledge.MaxQueryTerms+1) + `"}`, "the query was refused: invalid: the query has 65 searchable words"},
	}
	for _, tt := range tests {
		wantError(t, d, "knowledge_search", env1, tt.input, tt.want)
	}
}

// manyWords is n distinct searchable words, n at most 100.
func manyWords(n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = "q" + string(rune('a'+i/10)) + string(rune('a'+i%10))
	}
	return strings.Join(words, " ")
}
