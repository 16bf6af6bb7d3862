package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/knowledge"
)

// KnowledgeStore keeps an account's documents, which agents search.
type KnowledgeStore interface {
	Add(account uint64, d knowledge.Doc) (knowledge.Doc, error)
	Get(account, id uint64) (knowledge.Doc, error)
	List(account uint64, limit int) ([]knowledge.Doc, error)
	Delete(account, id uint64) error
	Search(account uint64, query string, limit int) ([]knowledge.Hit, error)
}

const (
	defaultKnowledgeLimit = 50
	maxKnowledgeLimit     = 500
	defaultSearchLimit    = 5
	maxSearchLimit        = 50
	maxSearchQuery        = 1000
)

type knowledgeAnswer struct {
	Documents []knowledge.Doc `json:"documents"`
	Count     int             `json:"count"`
}

type knowledgeDocAnswer struct {
	OK bool `json:"ok"`
	knowledge.Doc
}

type searchAnswer struct {
	Hits  []knowledge.Hit `json:"hits"`
	Count int             `json:"count"`
}

// addKnowledge answers POST /v1/knowledge: a document the account's agents
// can search with knowledge_search (FAQs, prices, policies).
func (a *API) addKnowledge(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readObject(w, r)
	if !ok {
		return
	}
	f := fields{obj: obj}
	doc := knowledge.Doc{Title: f.required("title"), Text: f.required("text"), Source: f.str("source")}
	if f.err != nil {
		a.Errors.Send(w, f.err)
		return
	}
	doc, err := a.Knowledge.Add(call.Identity.UserID, doc)
	switch {
	case errors.Is(err, knowledge.ErrInvalid):
		a.Errors.Write(w, CodeInvalidField, invalidDoc(err))
	case err != nil:
		a.Errors.Internal(w, err, "The document could not be stored; try again.")
	default:
		WriteJSON(w, http.StatusOK, knowledgeDocAnswer{OK: true, Doc: doc})
	}
}

// listKnowledge answers GET /v1/knowledge: the account's documents, newest
// first, without their text; with ?q= it searches them instead, as the
// knowledge_search tool does.
func (a *API) listKnowledge(w http.ResponseWriter, r *http.Request, call *Call) {
	if q := r.URL.Query().Get("q"); q != "" {
		a.searchKnowledge(w, r, call, q)
		return
	}
	limit, ok := a.queryLimit(w, r, defaultKnowledgeLimit, maxKnowledgeLimit)
	if !ok {
		return
	}
	docs, err := a.Knowledge.List(call.Identity.UserID, limit)
	if err != nil {
		a.Errors.Internal(w, err, "The documents could not be read; try again.")
		return
	}
	WriteJSON(w, http.StatusOK, knowledgeAnswer{Documents: docs, Count: len(docs)})
}

func (a *API) searchKnowledge(w http.ResponseWriter, r *http.Request, call *Call, q string) {
	if len(q) > maxSearchQuery {
		a.Errors.Write(w, CodeInvalidField, "q must be at most "+strconv.Itoa(maxSearchQuery)+" bytes.")
		return
	}
	limit, ok := a.queryLimit(w, r, defaultSearchLimit, maxSearchLimit)
	if !ok {
		return
	}
	hits, err := a.Knowledge.Search(call.Identity.UserID, q, limit)
	switch {
	case errors.Is(err, knowledge.ErrInvalid):
		a.Errors.Write(w, CodeInvalidField, invalidDoc(err))
	case err != nil:
		a.Errors.Internal(w, err, "The documents could not be searched; try again.")
	default:
		WriteJSON(w, http.StatusOK, searchAnswer{Hits: hits, Count: len(hits)})
	}
}

// getKnowledge answers GET /v1/knowledge/{id}: one document with its text.
func (a *API) getKnowledge(w http.ResponseWriter, r *http.Request, call *Call) {
	id, ok := a.knowledgeID(w, r)
	if !ok {
		return
	}
	doc, err := a.Knowledge.Get(call.Identity.UserID, id)
	switch {
	case errors.Is(err, knowledge.ErrNotFound):
		a.Errors.Write(w, CodeNotFound, "There is no document "+strconv.FormatUint(id, 10)+".")
	case err != nil:
		a.Errors.Internal(w, err, "The document could not be read; try again.")
	default:
		WriteJSON(w, http.StatusOK, knowledgeDocAnswer{OK: true, Doc: doc})
	}
}

// deleteKnowledge answers DELETE /v1/knowledge/{id}.
func (a *API) deleteKnowledge(w http.ResponseWriter, r *http.Request, call *Call) {
	id, ok := a.knowledgeID(w, r)
	if !ok {
		return
	}
	err := a.Knowledge.Delete(call.Identity.UserID, id)
	switch {
	case errors.Is(err, knowledge.ErrNotFound):
		a.Errors.Write(w, CodeNotFound, "There is no document "+strconv.FormatUint(id, 10)+".")
	case err != nil:
		a.Errors.Internal(w, err, "The document could not be deleted; try again.")
	default:
		writeJSONBytes(w, http.StatusOK, okBody)
	}
}

var okBody = []byte(`{"ok":true}`)

func (a *API) knowledgeID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		a.Errors.Write(w, CodeNotFound, "There is no document "+strconv.Quote(clip.Runes(r.PathValue("id"), 32))+"; ids are positive whole numbers.")
		return 0, false
	}
	return id, true
}

// invalidDoc is the store's complaint about a document or query, as a
// sentence for the caller.
func invalidDoc(err error) string {
	msg := err.Error()
	if _, rest, found := strings.Cut(msg, knowledge.ErrInvalid.Error()+": "); found {
		msg = rest
	}
	first, size := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(first)) + msg[size:] + "."
}
