package fakeupstream

import (
	"net/http"

	"github.com/tidwall/gjson"
)

// The fields the token counters know; each refuses any other.
var (
	// anthropicCountFields are a Messages request's without those that
	// shape only the output: max_tokens, stream, sampling, stop sequences,
	// metadata, the service tier.
	anthropicCountFields = setOf("model", "messages", "system", "tools", "tool_choice", "thinking", "output_config",
		"cache_control", "speed", "mcp_servers", "context_management")
	geminiCountFields = setOf("contents", "generateContentRequest")
	// geminiCountRequestFields are a GenerateContentRequest's, which names
	// its model inside a count.
	geminiCountRequestFields = setOf("model", "contents", "systemInstruction", "generationConfig", "tools", "toolConfig",
		"safetySettings", "cachedContent")
)

// serveCountTokens answers the token counters: Anthropic's POST
// /v1/messages/count_tokens ({"input_tokens":N}) and Gemini's
// :countTokens ({"totalTokens":N}), for a body of contents alone or a
// whole generateContentRequest. They check the prompt as generation does
// but take no reply from the queue: N is the prompt's JSON (system,
// messages or contents, tools) at four bytes a token, at least 1, so a
// test can predict it.
func (s *Server) serveCountTokens(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	var p protocol
	var count any
	var refusal *apiError
	switch name {
	case "count_tokens":
		p = anthropicAPI{}
		count, refusal = countAnthropicTokens(r, body)
	default:
		p = geminiAPI{}
		count, refusal = countGeminiTokens(s, r, body)
	}
	if refusal != nil {
		writeJSON(w, refusal.Status, p.errorBody(*refusal))
		return
	}
	writeJSON(w, http.StatusOK, count)
}

func countAnthropicTokens(r *http.Request, body []byte) (any, *apiError) {
	req, refusal := anthropicAPI{}.parse(r, body, anthropicCountFields)
	if refusal != nil {
		return nil, refusal
	}
	msg := ""
	switch {
	case req.Get("model").Str == "":
		msg = "model: Field required"
	case len(req.Get("messages").Array()) == 0:
		msg = "messages: Field required"
	default:
		msg = checkAnthropicRequest(req)
	}
	if msg != "" {
		return nil, anthropicInvalid(msg)
	}
	return map[string]int{"input_tokens": promptTokens(req.Get("system"), req.Get("messages"), req.Get("tools"))}, nil
}

func countGeminiTokens(s *Server, r *http.Request, body []byte) (any, *apiError) {
	req, refusal := geminiParse(r, body)
	if refusal != nil {
		return nil, refusal
	}
	if extra := unknownGeminiField(req, geminiCountFields); extra != "" {
		return nil, geminiInvalid(unknownName(extra, ""))
	}
	prompt := req
	msg := ""
	switch inner := geminiField(req, "generateContentRequest"); {
	case inner.Exists() && req.Get("contents").Exists():
		msg = "* CountTokensRequest: contents and generate_content_request must not both be set."
	case inner.Exists() && inner.Get("model").Str == "":
		msg = "* CountTokensRequest.generate_content_request.model: model is not specified."
	case inner.Exists():
		prompt, msg = inner, checkGeminiRequest(s, inner, geminiCountRequestFields)
	case len(req.Get("contents").Array()) == 0:
		msg = "* CountTokensRequest.contents: contents is not specified"
	default:
		msg = checkGeminiContents(s, req)
	}
	if msg != "" {
		return nil, geminiInvalid(msg)
	}
	tokens := promptTokens(geminiField(prompt, "systemInstruction"), prompt.Get("contents"), geminiField(prompt, "tools"))
	return map[string]any{"totalTokens": tokens, "promptTokensDetails": []any{map[string]any{"modality": "TEXT", "tokenCount": tokens}}}, nil
}

// promptTokens is the fake's count of a prompt: four bytes of its JSON a
// token, at least one.
func promptTokens(pieces ...gjson.Result) int {
	bytes := 0
	for _, p := range pieces {
		bytes += len(p.Raw)
	}
	return max(bytes/4, 1)
}
