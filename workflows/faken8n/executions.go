package faken8n

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

const (
	defaultLimit = 100 // n8n's default page size
	maxLimit     = 250 // n8n's largest; above it is a 400
)

// cursor is n8n's: base64 of {"lastId","limit"}. A cursor's limit wins
// over the query's, as in n8n.
type cursor struct {
	LastID string `json:"lastId"`
	Limit  int    `json:"limit"`
}

func (s *Server) listExecutions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	fault := s.execFault
	s.mu.Unlock()
	if s.play(r.Context(), w, fault) {
		return
	}
	q := r.URL.Query()
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			writeMessage(w, http.StatusBadRequest, "request/query/limit must be number")
			return
		case n > maxLimit:
			writeMessage(w, http.StatusBadRequest, "request/query/limit must be <= 250")
			return
		case n < 1:
			writeMessage(w, http.StatusBadRequest, "request/query/limit must be >= 1")
			return
		}
		limit = n
	}
	lastID := ""
	if v := q.Get("cursor"); v != "" {
		c, ok := decodeCursor(v)
		if !ok {
			writeMessage(w, http.StatusBadRequest, "An invalid cursor was provided")
			return
		}
		lastID, limit = c.LastID, c.Limit
	}

	s.mu.Lock()
	all := s.executions
	numeric := s.numericIDs
	s.mu.Unlock()
	start := 0
	if lastID != "" {
		start = len(all) // an unknown lastId has nothing after it
		for i, e := range all {
			if e.ID == lastID {
				start = i + 1
				break
			}
		}
	}
	end := min(start+limit, len(all))
	page := all[start:end]
	data := make([]map[string]any, len(page))
	for i, e := range page {
		data[i] = e.wire(numeric)
	}
	var next any // null on the last page
	if end < len(all) && len(page) > 0 {
		next = encodeCursor(cursor{LastID: page[len(page)-1].ID, Limit: limit})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "nextCursor": next})
}

// wire is the execution as n8n sends it without includeData.
func (e Execution) wire(numeric bool) map[string]any {
	mode := e.Mode
	if mode == "" {
		mode = "webhook"
	}
	m := map[string]any{
		"id": id(e.ID, numeric), "workflowId": id(e.WorkflowID, numeric),
		"finished": e.Finished, "mode": mode, "retryOf": nil, "retrySuccessId": nil,
		"startedAt": wireTime(e.StartedAt), "stoppedAt": wireTime(e.StoppedAt), "waitTill": nil,
	}
	if e.Status != "" {
		m["status"] = e.Status
	}
	return m
}

// id is an id as a JSON string, or as a number when numeric.
func id(s string, numeric bool) any {
	if numeric {
		return json.Number(s)
	}
	return s
}

// wireTime is n8n's time format, or null.
func wireTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.StdEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, false
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil || c.LastID == "" || c.Limit < 1 || c.Limit > maxLimit {
		return cursor{}, false
	}
	return c, true
}
