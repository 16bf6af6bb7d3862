package routing

import (
	"context"
	"net/http"

	"github.com/tidwall/gjson"
)

// openAI speaks OpenAI Chat Completions, which local servers (Ollama,
// vLLM, llama.cpp) also serve.
type openAI struct {
	url string
	hc  *http.Client
}

// NewOpenAI returns a client for Chat Completions at baseURL, which
// includes the version (https://api.openai.com/v1, or
// http://localhost:11434/v1 for Ollama). A nil hc gets a pooled client of
// its own.
func NewOpenAI(baseURL string, hc *http.Client) Client {
	return &openAI{url: endpointURL(baseURL, "/chat/completions"), hc: httpClient(hc)}
}

type openAIRequest struct {
	Model               string                `json:"model"`
	Messages            []openAIMessage       `json:"messages"`
	Tools               []openAITool          `json:"tools,omitempty"`
	ToolChoice          any                   `json:"tool_choice,omitempty"` // a mode, or openAINamedTool
	ParallelToolCalls   *bool                 `json:"parallel_tool_calls,omitempty"`
	MaxTokens           int                   `json:"max_tokens,omitempty"`
	MaxCompletionTokens int                   `json:"max_completion_tokens,omitempty"`
	Temperature         *float64              `json:"temperature,omitempty"`
	TopP                *float64              `json:"top_p,omitempty"`
	Stop                []string              `json:"stop,omitempty"`
	Seed                *int64                `json:"seed,omitempty"`
	N                   int                   `json:"n,omitempty"`
	ResponseFormat      *openAIResponseFormat `json:"response_format,omitempty"`
	ReasoningEffort     string                `json:"reasoning_effort,omitempty"`
	User                string                `json:"user,omitempty"`
	Stream              bool                  `json:"stream,omitempty"`
	StreamOptions       *openAIStreamOptions  `json:"stream_options,omitempty"`
}

// openAIOwnFields are the fields a front's Extra may not hold.
var openAIOwnFields = jsonFields(openAIRequest{})

type openAIStreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

func (o *openAI) send(ctx context.Context, key string, model *Model, req Request, stream bool) (*http.Response, error) {
	if err := checkUnplanned(o.Refuses, model, req, stream); err != nil {
		return nil, err
	}
	body := openAIRequest{
		Model:           model.ID,
		Tools:           openAITools(req.Tools),
		ToolChoice:      openAIToolChoiceFor(req),
		Temperature:     sentTemperature(model, req),
		TopP:            sentTopP(model, req),
		Stop:            req.Stop,
		Seed:            req.Seed,
		N:               choicesSent(req),
		ResponseFormat:  openAIResponseFormatFor(req.Format),
		ReasoningEffort: openAIReasoningEffort(model, req),
		User:            req.User,
	}
	if req.SerialToolCalls && len(req.Tools) > 0 { // the API refuses it without tools
		body.ParallelToolCalls = new(false)
	}
	if req.System != "" {
		body.Messages = append(body.Messages, openAIMessage{Role: "system", Content: req.System})
	}
	body.Messages = append(body.Messages, openAIMessages(conversation(req))...)
	// Newer OpenAI models refuse max_tokens; compat servers may only know it.
	if model.MaxCompletionTokens {
		body.MaxCompletionTokens = req.MaxTokens
	} else {
		body.MaxTokens = req.MaxTokens
	}
	if stream {
		// Without include_usage a stream carries no usage at all.
		body.Stream, body.StreamOptions = true, &openAIStreamOptions{IncludeUsage: true}
	}
	payload, err := encodeBody(body, req.Extra, ProtocolOpenAI, openAIOwnFields)
	if err != nil {
		return nil, err
	}
	header := http.Header{}
	if key != "" { // local servers need none
		header.Set("Authorization", "Bearer "+key)
	}
	if stream {
		header.Set("Accept", "text/event-stream")
	}
	return post(ctx, o.hc, o.url, header, payload, key, parseOpenAIError)
}

func (o *openAI) Generate(ctx context.Context, key string, model *Model, req Request) (Result, error) {
	resp, err := o.send(ctx, key, model, req, false)
	return readGenerated(ctx, resp, err, model, keepingTurn(req, ProtocolOpenAI, "choices.0.message", readOpenAIAnswer))
}

// readOpenAIAnswer reads a chat completion, or a Responses API answer
// (which a drop-in call may bring): the first choice into res, the others
// into res.More.
func readOpenAIAnswer(answer gjson.Result, res *Result) {
	readOpenAIMeta(answer, res)
	if answer.Get("object").Str == "response" {
		res.Text = responsesText(answer)
		return
	}
	for i, choice := range answer.Get("choices").Array() {
		msg := choice.Get("message")
		text, calls := msg.Get("content").Str, openAIToolCalls(msg.Get("tool_calls"))
		reason := choice.Get("finish_reason").Str
		if i > 0 {
			res.More = append(res.More, Choice{Text: text, ToolCalls: calls, Finish: openAIFinish(reason)})
			continue
		}
		res.Text, res.ToolCalls, res.Refusal = text, calls, msg.Get("refusal").Str
		res.StopReason, res.Finish = reason, openAIFinish(reason)
	}
}

// openAIFinish is what a finish_reason means; "" while none came.
func openAIFinish(reason string) Finish {
	switch reason {
	case "":
		return ""
	case "length":
		return FinishLength
	case "tool_calls", "function_call":
		return FinishToolCalls
	case "content_filter":
		return FinishFiltered
	}
	return FinishStop // stop, and what compat servers send
}

// readOpenAIMeta reads the model and usage of a completion or chunk. A
// compat server may send no usage; UsageSeen then stays false and the
// router estimates.
func readOpenAIMeta(v gjson.Result, res *Result) {
	var model, usage gjson.Result
	readFields(v, jsonField{"model", &model}, jsonField{"usage", &usage})
	setOpenAIMeta(model, usage, res)
}

// setOpenAIMeta sets res's model and usage from those fields of an answer.
func setOpenAIMeta(model, usage gjson.Result, res *Result) {
	if model.Str != "" {
		res.Model = model.Str
	}
	if usage.IsObject() {
		res.Usage, res.UsageSeen = openAIUsage(usage), true
	}
}

// openAIUsage maps usage: prompt_tokens includes the cached tokens, which
// have their own price; completion_tokens includes reasoning, also
// reported apart. The Responses API names the same figures input_tokens
// and output_tokens.
func openAIUsage(u gjson.Result) Usage {
	if !u.Get("prompt_tokens").Exists() && u.Get("input_tokens").Exists() {
		input := tokenCount(u.Get("input_tokens"))
		cached := min(tokenCount(u.Get("input_tokens_details.cached_tokens")), input)
		return Usage{Input: input - cached, CacheRead: cached, Output: tokenCount(u.Get("output_tokens")),
			Reasoning: tokenCount(u.Get("output_tokens_details.reasoning_tokens"))}
	}
	prompt := tokenCount(u.Get("prompt_tokens"))
	cached := min(tokenCount(u.Get("prompt_tokens_details.cached_tokens")), prompt)
	return Usage{
		Input:     prompt - cached,
		CacheRead: cached,
		Output:    tokenCount(u.Get("completion_tokens")),
		Reasoning: tokenCount(u.Get("completion_tokens_details.reasoning_tokens")),
	}
}

// parseOpenAIError reads an error answer.
func parseOpenAIError(body []byte) errorBody {
	return readOpenAIError(gjson.ParseBytes(body))
}

// readOpenAIError reads {"error":{"message","type","param","code"}}, and
// the shapes compat servers use: {"error":"text"}, or the fields at the top
// level (older vLLM). The code is the more precise: 429 is both
// rate_limit_exceeded (retry) and insufficient_quota (do not).
func readOpenAIError(v gjson.Result) errorBody {
	e := v.Get("error")
	switch {
	case e.Type == gjson.String:
		return errorBody{Message: e.Str}
	case !e.IsObject():
		e = v
	}
	typ := e.Get("type").Str
	if code := e.Get("code"); code.Type == gjson.String && code.Str != "" {
		typ = code.Str
	}
	return errorBody{Type: typ, Message: e.Get("message").Str}
}

// Interface guard.
var _ Client = (*openAI)(nil)
