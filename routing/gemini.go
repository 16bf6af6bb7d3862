package routing

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// gemini speaks the Gemini API's generateContent.
type gemini struct {
	models string // the URL of the models collection, ending in "/"
	hc     *http.Client
}

// NewGemini returns a client for the Gemini API at baseURL, the host root
// (https://generativelanguage.googleapis.com). The key goes in a header,
// never in the URL, where it would end up in logs. A nil hc gets a pooled
// client of its own.
func NewGemini(baseURL string, hc *http.Client) Client {
	return &gemini{models: endpointURL(baseURL, "/v1beta/models/"), hc: httpClient(hc)}
}

type geminiRequest struct {
	SystemInstruction *geminiContent         `json:"systemInstruction,omitempty"`
	Contents          []any                  `json:"contents"` // geminiContent, or a replayed turn's own
	Tools             []geminiTool           `json:"tools,omitempty"`
	GenerationConfig  geminiGenerationConfig `json:"generationConfig"`
}

type geminiContent struct {
	Role  string `json:"role,omitempty"`
	Parts []any  `json:"parts"`
}

type geminiPart struct {
	Text string `json:"text"`
}

type geminiGenerationConfig struct {
	MaxOutputTokens int                   `json:"maxOutputTokens,omitempty"`
	Temperature     *float64              `json:"temperature,omitempty"`
	ThinkingConfig  *geminiThinkingConfig `json:"thinkingConfig,omitempty"`
}

type geminiThinkingConfig struct {
	ThinkingBudget int `json:"thinkingBudget"`
}

func (g *gemini) send(ctx context.Context, key string, model *Model, req Request, stream bool) (*http.Response, error) {
	if err := checkRequest(req, stream); err != nil {
		return nil, err
	}
	body := geminiRequest{
		Contents: geminiContents(conversation(req)),
		Tools:    geminiTools(req.Tools),
		GenerationConfig: geminiGenerationConfig{
			MaxOutputTokens: req.MaxTokens,
			Temperature:     sentTemperature(model, req),
			ThinkingConfig:  geminiThinking(model, req),
		},
	}
	if req.System != "" {
		body.SystemInstruction = &geminiContent{Parts: []any{geminiPart{Text: req.System}}}
	}
	// Without alt=sse the stream would be one long JSON array.
	method := ":generateContent"
	if stream {
		method = ":streamGenerateContent?alt=sse"
	}
	header := http.Header{}
	header.Set("X-Goog-Api-Key", key)
	if stream {
		header.Set("Accept", "text/event-stream")
	}
	return post(ctx, g.hc, g.models+url.PathEscape(model.ID)+method, header, body, key, parseGeminiError)
}

func (g *gemini) Generate(ctx context.Context, key string, model *Model, req Request) (Result, error) {
	resp, err := g.send(ctx, key, model, req, false)
	turn := assistantTurns(req.Messages)
	read := func(answer gjson.Result, res *Result) { readGeminiTurn(answer, res, turn) }
	return readGenerated(ctx, resp, err, model, keepingTurn(req, protocolGemini, "candidates.0.content", read))
}

// geminiThinking is the thinking config of a call: a budget when the call
// asks for thinking and its max tokens leave room for one (see
// thinkingBudget), which overrides DisableThinking; else thinking off for
// a model with DisableThinking, and the model's default for the others.
func geminiThinking(model *Model, req Request) *geminiThinkingConfig {
	if budget, ok := thinkingBudget(req.MaxTokens); req.Thinking && ok {
		return &geminiThinkingConfig{ThinkingBudget: min(budget, maxGeminiThinkingBudget)}
	}
	if model.DisableThinking {
		return &geminiThinkingConfig{ThinkingBudget: 0}
	}
	return nil
}

func (g *gemini) Stream(ctx context.Context, key string, model *Model, req Request, onChunk func(Chunk) error) (Result, error) {
	answer := newStreamedAnswer(model, onChunk)
	resp, err := g.send(ctx, key, model, req, true)
	if err != nil {
		return answer.result(), err
	}
	// Each event is a whole response whose text is a delta; the stream
	// just ends, so the last chunk's finish (or block) reason marks the end.
	err = readEvents(ctx, resp, func(ev sseEvent) (bool, error) {
		chunk, err := jsonEvent(ev)
		if err != nil {
			return false, err
		}
		if e := chunk.Get("error"); e.Exists() {
			parsed := readGeminiError(e)
			return false, streamError(parsed.Type, parsed.Message, key)
		}
		return false, answer.delta(readGeminiChunk(chunk, &answer.res))
	})
	if err == nil && answer.res.StopReason == "" {
		err = streamTruncated()
	}
	return answer.result(), err
}

// readGeminiAnswer reads a whole GenerateContentResponse.
func readGeminiAnswer(answer gjson.Result, res *Result) { readGeminiTurn(answer, res, 0) }

// readGeminiTurn reads a whole answer, the turn-th assistant turn of its
// conversation (counted from 0), which names the calls it makes.
func readGeminiTurn(answer gjson.Result, res *Result, turn int) {
	res.Text = readGeminiChunk(answer, res)
	res.ToolCalls = geminiToolCalls(answer.Get("candidates.0.content.parts"), turn)
}

// readGeminiChunk reads one GenerateContentResponse into res and returns
// its text, thoughts skipped. Usage is cumulative, so the last seen
// replaces the rest.
func readGeminiChunk(chunk gjson.Result, res *Result) string {
	if m := chunk.Get("modelVersion").Str; m != "" {
		res.Model = m
	}
	if u := chunk.Get("usageMetadata"); u.IsObject() {
		res.Usage, res.UsageSeen = geminiUsage(u), true
	}
	candidates := chunk.Get("candidates").Array()
	if len(candidates) == 0 {
		if reason := chunk.Get("promptFeedback.blockReason").Str; reason != "" {
			res.StopReason = "blocked: " + reason
		}
		return ""
	}
	if reason := candidates[0].Get("finishReason").Str; reason != "" {
		res.StopReason = reason
	}
	var text strings.Builder
	for _, part := range candidates[0].Get("content.parts").Array() {
		if !part.Get("thought").Bool() {
			text.WriteString(part.Get("text").Str)
		}
	}
	return text.String()
}

// geminiUsage maps usageMetadata: the prompt count includes cached tokens,
// which have their own price, and thoughts are billed as output.
func geminiUsage(u gjson.Result) Usage {
	// Pages and results a tool fetched (url_context) are prompt tokens too.
	prompt := tokenCount(u.Get("promptTokenCount")) + tokenCount(u.Get("toolUsePromptTokenCount"))
	cached := min(tokenCount(u.Get("cachedContentTokenCount")), prompt)
	return Usage{
		Input:     prompt - cached,
		CacheRead: cached,
		Output:    tokenCount(u.Get("candidatesTokenCount")) + tokenCount(u.Get("thoughtsTokenCount")),
	}
}

// parseGeminiError reads {"error":{"code","message","status","details"}}.
func parseGeminiError(body []byte) errorBody {
	return readGeminiError(gjson.GetBytes(body, "error"))
}

// readGeminiError reads the error object. An invalid key is a 400 told
// apart by its reason; a quota error may say when to retry in RetryInfo.
func readGeminiError(e gjson.Result) errorBody {
	parsed := errorBody{Type: e.Get("status").Str, Message: e.Get("message").Str}
	for _, detail := range e.Get("details").Array() {
		if detail.Get("reason").Str == "API_KEY_INVALID" {
			parsed.KeyRefused = true
		}
		if delay, err := time.ParseDuration(detail.Get("retryDelay").Str); err == nil {
			parsed.RetryAfter = delay
		}
	}
	return parsed
}

// Interface guard.
var _ Client = (*gemini)(nil)
