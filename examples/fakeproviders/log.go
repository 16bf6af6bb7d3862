package main

import (
	"bytes"
	"io"
	"log"
	"net/http"
)

// logRequests logs one line per request: method, path and model. It
// never logs a header or the query, where the keys are (Gemini takes one
// as ?key=).
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			log.Printf("%s %s: reading the body: %v", r.Method, r.URL.Path, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		model := modelOf(r.URL.Path, body)
		if model == "" {
			model = "-"
		}
		log.Printf("%s %s model=%s", r.Method, r.URL.Path, model)
		next.ServeHTTP(w, r)
	})
}
