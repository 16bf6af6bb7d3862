package routing

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
)

type openAIEmbedRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	Dimensions     int      `json:"dimensions,omitempty"`
	EncodingFormat string   `json:"encoding_format"` // float or base64
	User           string   `json:"user,omitempty"`
}

// Embed calls OpenAI's POST /embeddings, asking for floats, or for base64
// when the caller wants that: a quarter of the bytes, passed on as sent.
func (o *openAI) Embed(ctx context.Context, key string, model *Model, req EmbedRequest) (Embeddings, error) {
	header := http.Header{}
	if key != "" {
		header.Set("Authorization", "Bearer "+key)
	}
	format := "float"
	if req.Base64 {
		format = "base64"
	}
	body, err := json.Marshal(openAIEmbedRequest{Model: model.ID, Input: req.Texts, Dimensions: req.Dimensions, EncodingFormat: format, User: req.User})
	if err != nil {
		return Embeddings{}, fmt.Errorf("encoding the request: %w", err)
	}
	resp, err := post(ctx, o.hc, strings.TrimSuffix(o.url, "/chat/completions")+"/embeddings", header, body, key, parseOpenAIError)
	return readEmbeddings(ctx, resp, err, model, len(req.Texts), func(answer gjson.Result, e *Embeddings) {
		for _, d := range answer.Get("data").Array() {
			if i := int(d.Get("index").Int()); i >= 0 && i < len(e.Vectors) {
				e.Vectors[i] = []byte(d.Get("embedding").Raw)
			}
		}
		if u := answer.Get("usage"); u.IsObject() {
			e.Usage, e.UsageSeen = Usage{Input: tokenCount(u.Get("prompt_tokens"))}, true
		}
		if m := answer.Get("model").Str; m != "" {
			e.Model = m
		}
	})
}

type geminiEmbedRequest struct {
	Requests []geminiEmbedContent `json:"requests"`
}

type geminiEmbedContent struct {
	Model                string        `json:"model"`
	Content              geminiContent `json:"content"`
	OutputDimensionality int           `json:"outputDimensionality,omitempty"`
}

// Embed calls Gemini's :batchEmbedContents, one request a text. Google AI
// Studio answers with the vectors alone; usage, when it comes, is read.
// The end user is not sent: Gemini has no field for it.
func (g *gemini) Embed(ctx context.Context, key string, model *Model, req EmbedRequest) (Embeddings, error) {
	batch := geminiEmbedRequest{Requests: make([]geminiEmbedContent, len(req.Texts))}
	for i, text := range req.Texts {
		batch.Requests[i] = geminiEmbedContent{Model: "models/" + model.ID,
			Content: geminiContent{Parts: []any{geminiPart{Text: text}}}, OutputDimensionality: req.Dimensions}
	}
	body, err := json.Marshal(batch)
	if err != nil {
		return Embeddings{}, fmt.Errorf("encoding the request: %w", err)
	}
	header := http.Header{}
	header.Set("X-Goog-Api-Key", key)
	resp, err := post(ctx, g.hc, g.models+url.PathEscape(model.ID)+":batchEmbedContents", header, body, key, parseGeminiError)
	return readEmbeddings(ctx, resp, err, model, len(req.Texts), func(answer gjson.Result, e *Embeddings) {
		for i, emb := range answer.Get("embeddings").Array() {
			if i < len(e.Vectors) {
				e.Vectors[i] = []byte(emb.Get("values").Raw)
			}
		}
		if u := answer.Get("usageMetadata"); u.IsObject() {
			e.Usage, e.UsageSeen = Usage{Input: tokenCount(u.Get("promptTokenCount"))}, true
		}
	})
}

// readEmbeddings reads an embeddings answer of n vectors; one missing is
// an invalid answer.
func readEmbeddings(ctx context.Context, resp *http.Response, err error, model *Model, n int, read func(gjson.Result, *Embeddings)) (Embeddings, error) {
	e := Embeddings{Model: model.ID, Vectors: make([][]byte, n)}
	if err != nil {
		return e, err
	}
	defer resp.Body.Close()
	body, err := readAnswer(ctx, resp)
	if err != nil {
		return e, err
	}
	read(gjson.ParseBytes(body), &e)
	for _, v := range e.Vectors {
		if len(v) == 0 || v[0] != '[' && v[0] != '"' { // readAnswer checked the JSON
			return e, invalidAnswer(resp.StatusCode, "an embedding is missing, or neither numbers nor base64")
		}
	}
	return e, nil
}

// Interface guards.
var (
	_ Embedder = (*openAI)(nil)
	_ Embedder = (*gemini)(nil)
)
