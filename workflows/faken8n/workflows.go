package faken8n

import (
	"encoding/json"
	"net/http"
)

func (s *Server) getWorkflow(w http.ResponseWriter, r *http.Request, wid string) {
	s.mu.Lock()
	f, ok := s.wfFaults[wid]
	if !ok {
		f, ok = s.wfFaults[""]
	}
	name, known := s.workflows[wid]
	numeric := s.numericIDs
	s.mu.Unlock()
	var fault *Fault
	if ok {
		fault = &f
	}
	if s.play(r.Context(), w, fault) {
		return
	}
	if !known {
		writeMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	// n8n sends the whole workflow; name comes early, nodes after.
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id(wid, numeric), "name": name, "active": false,
		"createdAt": "2026-11-01T09:00:00.000Z", "updatedAt": "2026-11-20T09:00:00.000Z",
		"nodes": []any{}, "connections": map[string]any{}, "settings": map[string]any{"executionOrder": "v1"},
		"staticData": nil, "tags": []any{},
	})
}

// writeMessage writes n8n's error shape.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
