package routing

import (
	"context"
	"encoding/json"
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
	ToolConfig        *geminiToolConfig      `json:"toolConfig,omitempty"`
	GenerationConfig  geminiGenerationConfig `json:"generationConfig"`
}

// geminiOwnFields are the fields a front's Extra may not hold; the API
// also takes them in snake_case.
var geminiOwnFields = jsonFields(geminiRequest{}, "system_instruction", "tool_config", "generation_config")

type geminiContent struct {
	Role  string `json:"role,omitempty"`
	Parts []any  `json:"parts"`
}

// geminiPart is a text part, or a thought of a replayed turn.
type geminiPart struct {
	Text    string `json:"text"`
	Thought bool   `json:"thought,omitempty"`
}

type geminiGenerationConfig struct {
	MaxOutputTokens    int                   `json:"maxOutputTokens,omitempty"`
	Temperature        *float64              `json:"temperature,omitempty"`
	TopP               *float64              `json:"topP,omitempty"`
	StopSequences      []string              `json:"stopSequences,omitempty"`
	Seed               *int64                `json:"seed,omitempty"`
	CandidateCount     int                   `json:"candidateCount,omitempty"`
	ResponseMimeType   string                `json:"responseMimeType,omitempty"`
	ResponseJSONSchema json.RawMessage       `json:"responseJsonSchema,omitempty"`
	ThinkingConfig     *geminiThinkingConfig `json:"thinkingConfig,omitempty"`
}

func (g *gemini) send(ctx context.Context, key string, model *Model, req Request, stream bool) (*http.Response, error) {
	if err := checkUnplanned(g.Refuses, model, req, stream); err != nil {
		return nil, err
	}
	// req.User is not sent: Gemini has no field for the end user, which
	// only helps a provider's abuse monitoring and changes no answer.
	body := geminiRequest{
		Contents:   geminiContents(conversation(req)),
		Tools:      geminiTools(req.Tools),
		ToolConfig: geminiToolConfigFor(req),
		GenerationConfig: geminiGenerationConfig{
			MaxOutputTokens: req.MaxTokens,
			Temperature:     sentTemperature(model, req),
			TopP:            sentTopP(model, req),
			StopSequences:   req.Stop,
			Seed:            req.Seed,
			CandidateCount:  choicesSent(req),
			ThinkingConfig:  geminiThinking(model, req),
		},
	}
	if f := req.Format; f != nil {
		body.GenerationConfig.ResponseMimeType = "application/json"
		body.GenerationConfig.ResponseJSONSchema = f.Schema // none for a JSON object
	}
	if req.System != "" {
		body.SystemInstruction = &geminiContent{Parts: []any{geminiPart{Text: req.System}}}
	}
	payload, err := encodeBody(body, req.Extra, ProtocolGemini, geminiOwnFields)
	if err != nil {
		return nil, err
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
	return post(ctx, g.hc, g.models+url.PathEscape(model.ID)+method, header, payload, key, parseGeminiError)
}

func (g *gemini) Generate(ctx context.Context, key string, model *Model, req Request) (Result, error) {
	resp, err := g.send(ctx, key, model, req, false)
	turn := assistantTurns(req.Messages)
	read := func(answer gjson.Result, res *Result) { readGeminiTurn(answer, res, turn) }
	return readGenerated(ctx, resp, err, model, keepingTurn(req, ProtocolGemini, "candidates.0.content", read))
}

func (g *gemini) Stream(ctx context.Context, key string, model *Model, req Request, onChunk func(Chunk) error) (Result, error) {
	answer := &geminiStream{streamedAnswer: newStreamedAnswer(model, onChunk), turn: assistantTurns(req.Messages), keep: keepsTurn(req)}
	send := func(ctx context.Context) (*http.Response, error) { return g.send(ctx, key, model, req, true) }
	// Each event is a whole response whose parts are deltas; the stream
	// just ends, so the last chunk's finish (or block) reason marks the end.
	err := streamEvents(ctx, send, answer.streamedAnswer, func(ev sseEvent) (bool, error) {
		chunk, err := jsonEvent(ev)
		if err != nil {
			return false, err
		}
		r := readGeminiResponse(chunk)
		if r.failure.Exists() {
			parsed := readGeminiError(r.failure)
			return false, streamError(parsed.Type, parsed.Message, key)
		}
		return false, answer.chunk(r)
	})
	if err == nil && answer.res.StopReason == "" {
		err = streamTruncated()
	}
	res := answer.result()
	res.Finish = geminiFinish(res.StopReason, len(res.ToolCalls) > 0)
	if err == nil && answer.keep {
		res.Native = answer.native()
	}
	return res, err
}

// readGeminiAnswer reads a whole GenerateContentResponse.
func readGeminiAnswer(answer gjson.Result, res *Result) { readGeminiTurn(answer, res, 0) }

// readGeminiTurn reads a whole answer, the turn-th assistant turn of its
// conversation (counted from 0), which names the calls it makes: the first
// candidate into res, the others into res.More.
func readGeminiTurn(answer gjson.Result, res *Result, turn int) {
	r := readGeminiResponse(answer)
	r.meta(res)
	for i, candidate := range r.candidates.Array() {
		parts := candidate.Get("content.parts")
		text, thinking := readGeminiParts(parts)
		calls := geminiToolCalls(parts, turn)
		reason := candidate.Get("finishReason").Str
		if i > 0 {
			res.More = append(res.More, Choice{Text: text, ToolCalls: calls, Finish: geminiFinish(reason, len(calls) > 0)})
			continue
		}
		res.Text, res.Thinking, res.ToolCalls = text, thinking, calls
		if reason != "" {
			res.StopReason = reason
		}
	}
	res.Finish = geminiFinish(res.StopReason, len(res.ToolCalls) > 0)
}

// readGeminiParts reads a candidate's text and its thoughts: consecutive
// thought parts make one block, which a thought signature ends.
func readGeminiParts(parts gjson.Result) (string, []ThinkingBlock) {
	var text strings.Builder
	var thinking []ThinkingBlock
	open := false
	for _, part := range parts.Array() {
		if !part.Get("thought").Bool() {
			text.WriteString(part.Get("text").Str)
			open = false
			continue
		}
		if !open {
			thinking = append(thinking, ThinkingBlock{})
			open = true
		}
		block := &thinking[len(thinking)-1]
		block.Text += part.Get("text").Str
		if sig := part.Get("thoughtSignature").Str; sig != "" {
			block.Signature, open = sig, false
		}
	}
	return text.String(), thinking
}

// readGeminiChunk reads one GenerateContentResponse into res and returns
// its text, thoughts skipped (for the meter, which reads no calls).
func readGeminiChunk(chunk gjson.Result, res *Result) string {
	r := readGeminiResponse(chunk)
	r.meta(res)
	candidate := r.candidates.Get("0")
	if reason := candidate.Get("finishReason").Str; reason != "" {
		res.StopReason, res.Finish = reason, geminiFinish(reason, false)
	}
	var text strings.Builder
	for _, part := range candidate.Get("content.parts").Array() {
		if !part.Get("thought").Bool() {
			text.WriteString(part.Get("text").Str)
		}
	}
	return text.String()
}

// geminiResponse holds the fields of a GenerateContentResponse, whole or a
// stream's chunk, read in one pass.
type geminiResponse struct {
	model, usage, feedback, candidates, failure gjson.Result
}

func readGeminiResponse(v gjson.Result) geminiResponse {
	var r geminiResponse
	readFields(v, jsonField{"candidates", &r.candidates}, jsonField{"modelVersion", &r.model}, jsonField{"usageMetadata", &r.usage},
		jsonField{"promptFeedback", &r.feedback}, jsonField{"error", &r.failure})
	return r
}

// meta reads what a whole answer and each chunk may carry: the model, the
// usage (cumulative, so the last seen replaces the rest) and why a prompt
// was blocked.
func (r geminiResponse) meta(res *Result) {
	if m := r.model.Str; m != "" {
		res.Model = m
	}
	if r.usage.IsObject() {
		res.Usage, res.UsageSeen = geminiUsage(r.usage), true
	}
	if reason := r.feedback.Get("blockReason").Str; reason != "" {
		res.StopReason = geminiBlocked + reason
	}
}

// geminiBlocked starts the stop reason of a blocked prompt.
const geminiBlocked = "blocked: "

// geminiFiltered are the finish reasons of an answer stopped by a filter.
var geminiFiltered = map[string]bool{"SAFETY": true, "RECITATION": true, "BLOCKLIST": true, "PROHIBITED_CONTENT": true, "SPII": true}

// geminiFinish is what a finishReason means; calls tells a turn that calls
// tools, which Gemini finishes with STOP. "" while none came.
func geminiFinish(reason string, calls bool) Finish {
	switch {
	case reason == "":
		return ""
	case reason == "MAX_TOKENS":
		return FinishLength
	case geminiFiltered[reason] || strings.HasPrefix(reason, geminiBlocked):
		return FinishFiltered
	case reason == "STOP" && calls:
		return FinishToolCalls
	}
	return FinishStop
}

// geminiUsage maps usageMetadata: the prompt count includes cached tokens,
// which have their own price, and thoughts are billed as output.
func geminiUsage(u gjson.Result) Usage {
	var prompt, toolPrompt, cached, thoughts, candidates gjson.Result
	readFields(u, jsonField{"promptTokenCount", &prompt}, jsonField{"toolUsePromptTokenCount", &toolPrompt},
		jsonField{"cachedContentTokenCount", &cached}, jsonField{"thoughtsTokenCount", &thoughts}, jsonField{"candidatesTokenCount", &candidates})
	// Pages and results a tool fetched (url_context) are prompt tokens too.
	promptTokens := tokenCount(prompt) + tokenCount(toolPrompt)
	cachedTokens := min(tokenCount(cached), promptTokens)
	thoughtTokens := tokenCount(thoughts)
	return Usage{
		Input:     promptTokens - cachedTokens,
		CacheRead: cachedTokens,
		Output:    tokenCount(candidates) + thoughtTokens,
		Reasoning: thoughtTokens,
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
