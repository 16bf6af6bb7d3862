package routing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tidwall/gjson"
)

// Counter is a client that counts a request's prompt tokens with its
// provider, as the provider bills them (Anthropic's count_tokens, Gemini's
// countTokens; both free).
type Counter interface {
	CountTokens(ctx context.Context, key string, model *Model, req Request) (int64, error)
}

// Count is a planned call's prompt tokens, counted by its first candidate.
type Count struct {
	Provider string
	Model    *Model
	Tokens   int64
	// Estimated: the provider has no counter (OpenAI's chat API), so the
	// tokens are Kaine's estimate, four bytes of the prompt a token (with
	// a bound for each image), as a call without usage is billed.
	Estimated bool
	Upstream  time.Duration
}

// Count counts the prompt tokens of a planned call at the provider it
// would go to first. It calls nothing else and costs nothing.
func (r *Router) Count(ctx context.Context, plan *Plan) (Count, error) {
	c := plan.candidates[0]
	out := Count{Provider: c.provider.Name, Model: c.model}
	counter, ok := c.provider.Client.(Counter)
	if !ok {
		// The estimate a call without usage is billed on.
		out.Tokens, out.Estimated = (promptBound(plan.params.Request)+3)/4, true
		return out, nil
	}
	key := c.provider.Key
	if plan.byok {
		key = plan.params.BYOKKey
	}
	callCtx, cancel := context.WithTimeoutCause(ctx, c.provider.Timeout, ErrTimeout)
	defer cancel()
	start := time.Now()
	// As the call would send it: another provider's signed turns rebuilt.
	tokens, err := counter.CountTokens(callCtx, key, c.model, nativeFor(plan.params.Request, c.provider.Name))
	out.Upstream = time.Since(start)
	if err != nil && errors.Is(context.Cause(callCtx), ErrTimeout) {
		err = &UpstreamError{Err: ErrTimeout}
	}
	if f, _ := r.soleAttempt(ctx, plan.byok, c.provider.Name, c.model, err); f != nil {
		return out, f
	}
	out.Tokens = tokens
	return out, nil
}

type anthropicCountRequest struct {
	Model    string             `json:"model"`
	System   string             `json:"system,omitempty"`
	Messages []anthropicMessage `json:"messages"`
	Tools    []anthropicTool    `json:"tools,omitempty"`
}

// CountTokens calls Anthropic's POST /v1/messages/count_tokens.
func (a *anthropic) CountTokens(ctx context.Context, key string, model *Model, req Request) (int64, error) {
	body, err := json.Marshal(anthropicCountRequest{Model: model.ID, System: req.System,
		Messages: anthropicMessages(conversation(req)), Tools: anthropicTools(req.Tools)})
	if err != nil {
		return 0, fmt.Errorf("encoding the request: %w", err)
	}
	header := http.Header{}
	header.Set("X-Api-Key", key)
	header.Set("Anthropic-Version", anthropicVersion)
	resp, err := post(ctx, a.hc, a.url+"/count_tokens", header, body, key, parseAnthropicError)
	return readCount(ctx, resp, err, "input_tokens")
}

type geminiCountRequest struct {
	GenerateContentRequest geminiCountContent `json:"generateContentRequest"`
}

type geminiCountContent struct {
	Model             string         `json:"model"`
	SystemInstruction *geminiContent `json:"systemInstruction,omitempty"`
	Contents          []any          `json:"contents"`
	Tools             []geminiTool   `json:"tools,omitempty"`
}

// CountTokens calls Gemini's :countTokens with the whole request, system
// instruction and tools included.
func (g *gemini) CountTokens(ctx context.Context, key string, model *Model, req Request) (int64, error) {
	content := geminiCountContent{Model: "models/" + model.ID, Contents: geminiContents(conversation(req)), Tools: geminiTools(req.Tools)}
	if req.System != "" {
		content.SystemInstruction = &geminiContent{Parts: []any{geminiPart{Text: req.System}}}
	}
	body, err := json.Marshal(geminiCountRequest{GenerateContentRequest: content})
	if err != nil {
		return 0, fmt.Errorf("encoding the request: %w", err)
	}
	header := http.Header{}
	header.Set("X-Goog-Api-Key", key)
	resp, err := post(ctx, g.hc, g.models+url.PathEscape(model.ID)+":countTokens", header, body, key, parseGeminiError)
	return readCount(ctx, resp, err, "totalTokens")
}

// readCount reads the token count at field of a count answer.
func readCount(ctx context.Context, resp *http.Response, err error, field string) (int64, error) {
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := readAnswer(ctx, resp)
	if err != nil {
		return 0, err
	}
	v := gjson.GetBytes(body, field)
	if v.Type != gjson.Number {
		return 0, invalidAnswer(resp.StatusCode, "the count has no "+field)
	}
	return tokenCount(v), nil
}

// Interface guards.
var (
	_ Counter = (*anthropic)(nil)
	_ Counter = (*gemini)(nil)
)
