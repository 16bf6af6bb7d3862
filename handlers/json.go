package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// WriteJSON sends v as a JSON answer with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil { // only our own types come here; they always encode
		status, body = http.StatusInternalServerError, []byte(`{"detail":{"error":"internal_error","message":"the answer could not be encoded"}}`)
	}
	writeJSONBytes(w, status, body)
}

func writeJSONBytes(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
