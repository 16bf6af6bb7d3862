package fakeupstream

import (
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

// embeddingDims is the length of the fake's vectors: short, as a test
// reads them.
const embeddingDims = 4

// serveEmbeddings answers OpenAI's POST /v1/embeddings and Gemini's
// :embedContent and :batchEmbedContents. OpenAI reports usage, counted as
// four bytes of input text a token; Gemini's API answers with the vectors
// alone, as Google AI Studio does. It reports whether path was one of them.
func (s *Server) serveEmbeddings(w http.ResponseWriter, r *http.Request, body []byte) bool {
	path := r.URL.Path
	switch {
	case path == "/v1/embeddings":
		if _, refusal := (openAIAPI{}).authorize(s, r); refusal != nil {
			writeJSON(w, refusal.Status, openAIAPI{}.errorBody(*refusal))
			return true
		}
		req, ok := parseBody(body)
		if !ok || req.Get("model").Str == "" || !req.Get("input").Exists() {
			writeJSON(w, http.StatusBadRequest, openAIAPI{}.errorBody(apiError{Status: 400, Message: "'model' and 'input' are required properties."}))
			return true
		}
		inputs := req.Get("input").Array()
		if req.Get("input").Type == gjson.String {
			inputs = []gjson.Result{req.Get("input")}
		}
		data := make([]map[string]any, len(inputs))
		textBytes := 0
		for i, in := range inputs {
			textBytes += len(in.Str)
			data[i] = map[string]any{"object": "embedding", "index": i, "embedding": vector(i)}
		}
		tokens := (textBytes + 3) / 4
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "model": req.Get("model").Str,
			"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens}})
	case strings.HasPrefix(path, "/v1beta/models/") && (strings.HasSuffix(path, ":embedContent") || strings.HasSuffix(path, ":batchEmbedContents")):
		if r.Header.Get("X-Goog-Api-Key") == "" && r.URL.Query().Get("key") == "" {
			writeJSON(w, http.StatusForbidden, geminiAPI{}.errorBody(apiError{Status: 403, Message: "Method doesn't allow unregistered callers."}))
			return true
		}
		req, ok := parseBody(body)
		if strings.HasSuffix(path, ":embedContent") {
			if !ok || !req.Get("content.parts").IsArray() {
				writeJSON(w, http.StatusBadRequest, geminiAPI{}.errorBody(apiError{Status: 400, Message: "* EmbedContentRequest.content: contents is not specified"}))
				return true
			}
			writeJSON(w, http.StatusOK, map[string]any{"embedding": map[string]any{"values": vector(0)}})
			return true
		}
		requests := req.Get("requests").Array()
		if !ok || len(requests) == 0 {
			writeJSON(w, http.StatusBadRequest, geminiAPI{}.errorBody(apiError{Status: 400, Message: "* BatchEmbedContentsRequest.requests: at least one request is required"}))
			return true
		}
		embeddings := make([]map[string]any, len(requests))
		for i := range requests {
			embeddings[i] = map[string]any{"values": vector(i)}
		}
		writeJSON(w, http.StatusOK, map[string]any{"embeddings": embeddings})
	default:
		return false
	}
	return true
}

// vector is a made-up embedding, different for each input.
func vector(i int) []float64 {
	v := make([]float64, embeddingDims)
	for d := range v {
		v[d] = float64(i+1) / float64(d+2)
	}
	return v
}
