package fakeupstream

import (
	"fmt"
	"net/http"
)

// anthropicAPI fakes the Anthropic Messages API.
type anthropicAPI struct{}

// anthropicFields are the top-level request fields the API knows; it
// refuses any other ("Extra inputs are not permitted").
var anthropicFields = setOf("model", "max_tokens", "messages", "system", "temperature", "top_p", "top_k",
	"stream", "stop_sequences", "metadata", "tools", "tool_choice", "thinking", "output_config",
	"service_tier", "container", "mcp_servers", "context_management")

func (anthropicAPI) check(s *Server, r *http.Request, body []byte) (call, *apiError) {
	invalid := func(msg string) (call, *apiError) {
		return call{}, &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Message: msg}
	}
	if r.Header.Get("x-api-key") == "" {
		return call{}, &apiError{Status: http.StatusUnauthorized, Type: "authentication_error", Message: "x-api-key header is required"}
	}
	if r.Header.Get("anthropic-version") == "" {
		return invalid("anthropic-version: header is required")
	}
	req, ok := parseBody(body)
	if !ok {
		return invalid("There was an error parsing the body of your request")
	}
	if extra := unknownField(req, anthropicFields); extra != "" {
		return invalid(extra + ": Extra inputs are not permitted")
	}
	model := req.Get("model").Str
	switch {
	case model == "":
		return invalid("model: Field required")
	case !req.Get("max_tokens").Exists():
		return invalid("max_tokens: Field required")
	case len(req.Get("messages").Array()) == 0:
		return invalid("messages: Field required")
	case s.RejectTemperature[model] && req.Get("temperature").Exists():
		return invalid("temperature: this model does not support a non-default temperature")
	}
	if msg := checkAnthropicTools(req); msg != "" {
		return invalid(msg)
	}
	if msg := checkAnthropicThinking(req); msg != "" {
		return invalid(msg)
	}
	if msg := checkAnthropicMessages(req); msg != "" {
		return invalid(msg)
	}
	return call{model: model, stream: req.Get("stream").Bool()}, nil
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
		"stop_sequence": nil,
		"usage":         anthropicUsage(reply.Usage, reply.Usage.OutputTokens+reply.Usage.Thoughts),
	}
}

// stream follows the recorded event sequence: message_start,
// content_block_start, ping, the deltas, content_block_stop,
// message_delta with the cumulative usage, message_stop.
func (anthropicAPI) stream(st *streamer, c call) {
	reply := st.reply
	st.event("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_fake", "type": "message", "role": "assistant", "model": reply.Model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil,
		"usage": anthropicUsage(reply.Usage, 1), // output_tokens here is a placeholder
	}})
	st.event("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
		"content_block": map[string]any{"type": "text", "text": ""}})
	st.event("ping", map[string]any{"type": "ping"})
	ok := st.chunks(func(_ int, chunk string, _ bool) {
		st.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": chunk}})
	})
	if !ok {
		return
	}
	if reply.StreamError != "" {
		st.event("error", map[string]any{"type": "error",
			"error": map[string]any{"type": reply.StreamError, "message": errorMessage(reply.ErrorMessage, 0)}})
		return
	}
	st.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	st.event("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": anthropicFinish(reply), "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": reply.Usage.OutputTokens + reply.Usage.Thoughts}})
	st.event("message_stop", map[string]any{"type": "message_stop"})
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
	case len(r.ToolCalls) > 0:
		return "tool_use"
	}
	return "end_turn"
}

func (anthropicAPI) callID(n int64) string { return fmt.Sprintf("toolu_fake_%d", n) }

// Interface guard.
var _ protocol = anthropicAPI{}
