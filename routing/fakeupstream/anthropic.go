package fakeupstream

import (
	"fmt"
	"net/http"

	"github.com/tidwall/gjson"
)

// anthropicAPI fakes the Anthropic Messages API.
type anthropicAPI struct{}

// anthropicFields are the top-level request fields the API knows; it
// refuses any other ("Extra inputs are not permitted").
var anthropicFields = setOf("model", "max_tokens", "messages", "system", "temperature", "top_p", "top_k",
	"stream", "stop_sequences", "metadata", "tools", "tool_choice", "thinking", "output_config",
	"service_tier", "speed", "cache_control", "inference_geo", "diagnostics", "container", "mcp_servers",
	"context_management")

func (a anthropicAPI) check(s *Server, r *http.Request, body []byte) (call, *apiError) {
	req, refusal := a.parse(r, body, anthropicFields)
	if refusal != nil {
		return call{}, refusal
	}
	model := req.Get("model").Str
	msg := ""
	switch {
	case model == "":
		msg = "model: Field required"
	case !req.Get("max_tokens").Exists():
		msg = "max_tokens: Field required"
	case len(req.Get("messages").Array()) == 0:
		msg = "messages: Field required"
	case s.RejectTemperature[model] && req.Get("temperature").Exists():
		msg = "temperature: this model does not support a non-default temperature"
	default:
		msg = first(pyInt(req.Get("max_tokens"), "max_tokens", 1), checkAnthropicRequest(req))
	}
	if msg != "" {
		return call{}, anthropicInvalid(msg)
	}
	return call{model: model, stream: req.Get("stream").Bool()}, nil
}

// parse checks the headers and that the body is a JSON object of known
// fields, as every Anthropic endpoint does first.
func (anthropicAPI) parse(r *http.Request, body []byte, fields map[string]bool) (gjson.Result, *apiError) {
	if r.Header.Get("x-api-key") == "" {
		return gjson.Result{}, &apiError{Status: http.StatusUnauthorized, Type: "authentication_error", Message: "x-api-key header is required"}
	}
	if r.Header.Get("anthropic-version") == "" {
		return gjson.Result{}, anthropicInvalid("anthropic-version: header is required")
	}
	req, ok := parseBody(body)
	if !ok {
		return gjson.Result{}, anthropicInvalid("There was an error parsing the body of your request")
	}
	if extra := unknownField(req, fields); extra != "" {
		return gjson.Result{}, anthropicInvalid(extra + ": Extra inputs are not permitted")
	}
	return req, nil
}

// checkAnthropicRequest checks what a Messages request shares with a token
// count: tools, thinking, parameters, cache breakpoints, the conversation.
func checkAnthropicRequest(req gjson.Result) string {
	return first(
		checkAnthropicTools(req),
		checkAnthropicThinking(req),
		checkAnthropicParams(req),
		checkCacheBreakpoints(req),
		checkAnthropicMessages(req),
	)
}

func anthropicInvalid(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Message: msg}
}

func (anthropicAPI) errorBody(e apiError) any {
	typ := e.Type
	if typ == "" {
		typ = anthropicErrorTypes[e.Status]
	}
	if typ == "" {
		typ = "api_error"
	}
	return map[string]any{
		"type":       "error",
		"error":      map[string]any{"type": typ, "message": errorMessage(e.Message, e.Status)},
		"request_id": "req_fake",
	}
}

var anthropicErrorTypes = map[int]string{
	400: "invalid_request_error", 401: "authentication_error", 402: "billing_error", 403: "permission_error",
	404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 500: "api_error",
	504: "timeout_error", 529: "overloaded_error",
}

func (anthropicAPI) answer(c call, reply Reply) any {
	return map[string]any{
		"id": "msg_fake", "type": "message", "role": "assistant", "model": reply.Model,
		"content":       anthropicContent(reply),
		"stop_reason":   anthropicFinish(reply),
		"stop_sequence": anthropicStopSequence(reply),
		"usage":         anthropicUsage(reply.Usage, reply.Usage.OutputTokens+reply.Usage.Thoughts),
	}
}

func (anthropicAPI) eol() string { return "\n" }

// anthropicUsage: input_tokens excludes the cache; writes come as a total
// and split by cache lifetime; thinking is in output_tokens.
func anthropicUsage(u Usage, output int) map[string]any {
	return map[string]any{
		"input_tokens":                u.InputTokens,
		"cache_creation_input_tokens": u.CacheWrite + u.CacheWrite1h,
		"cache_read_input_tokens":     u.CacheRead,
		"cache_creation":              map[string]any{"ephemeral_5m_input_tokens": u.CacheWrite, "ephemeral_1h_input_tokens": u.CacheWrite1h},
		"output_tokens":               output,
		"service_tier":                "standard",
	}
}

func anthropicFinish(r Reply) string {
	switch {
	case r.Finish != "":
		return r.Finish
	case r.Refusal != "":
		return "refusal"
	case r.StopSequence != "":
		return "stop_sequence"
	case len(r.ToolCalls) > 0:
		return "tool_use"
	}
	return "end_turn"
}

// anthropicStopSequence is the answer's stop_sequence: null unless it
// ended on one.
func anthropicStopSequence(r Reply) any {
	if r.StopSequence == "" {
		return nil
	}
	return r.StopSequence
}

// anthropicText is the answer's text: a refusal's, or the reply's.
func anthropicText(r Reply) (text string, chunks []string) {
	if r.Refusal != "" {
		return r.Refusal, words(r.Refusal)
	}
	return r.text(), r.chunks()
}

func (anthropicAPI) callID(n int64) string { return fmt.Sprintf("toolu_fake_%d", n) }

// Interface guard.
var _ protocol = anthropicAPI{}
