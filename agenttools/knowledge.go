package agenttools

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/knowledge"
	"github.com/keinetech/kaine/routing"
)

const (
	defaultKnowledgeHits = 5
	maxKnowledgeHits     = 20
	maxKnowledgeQuery    = 1000 // bytes
)

// knowledgeSearch is knowledge_search.
type knowledgeSearch struct{ kb Knowledge }

func (knowledgeSearch) Spec() routing.Tool {
	return spec("knowledge_search",
		"Search this account's knowledge base: the business's own documents (FAQs, prices, policies, services). Use it before answering a question about the business, and answer from what it finds, not from guesses. Answers compact JSON {hits, count}, best first; each hit has doc_id, title, snippet (the best matching passage, cut to 300 characters) and score. No hits means the documents do not say.",
		`{
	"type": "object",
	"properties": {
		"query": {"type": "string", "description": "The words to look for, e.g. the customer's question or its key terms, like \"refund policy\" or \"price of a deep clean\"."},
		"limit": {"type": "integer", "minimum": 1, "maximum": 20, "description": "The most documents to return. Default 5."}
	},
	"required": ["query"],
	"additionalProperties": false
}`)
}

// hitView is a hit as the model reads it: the score rounded.
type hitView struct {
	DocID   uint64  `json:"doc_id"`
	Title   string  `json:"title"`
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
}

func (t knowledgeSearch) Run(_ context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		Query string `json:"query"`
		Limit *int   `json:"limit"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	var c checker
	c.required("query", in.Query, maxKnowledgeQuery)
	limit := defaultKnowledgeHits
	if in.Limit != nil {
		limit = *in.Limit
		if limit < 1 || limit > maxKnowledgeHits {
			c.fail("limit must be from 1 to %d", maxKnowledgeHits)
		}
	}
	if c.err != nil {
		return "", c.err
	}
	hits, err := t.kb.Search(env.Account, in.Query, limit)
	switch {
	case errors.Is(err, knowledge.ErrInvalid):
		// Its message says what is wrong with the query, and may be shown.
		return "", errors.New("the query was refused: " + strings.TrimPrefix(err.Error(), "searching: "))
	case err != nil:
		return "", errors.New("the knowledge base could not be searched; try again")
	}
	views := make([]hitView, len(hits))
	for i, h := range hits {
		views[i] = hitView{DocID: h.DocID, Title: h.Title, Snippet: h.Snippet, Score: math.Round(h.Score*100) / 100}
	}
	return answer(struct {
		Hits  []hitView `json:"hits"`
		Count int       `json:"count"`
	}{views, len(views)})
}
