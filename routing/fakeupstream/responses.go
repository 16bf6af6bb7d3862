package fakeupstream

import (
	"net/http"
	"strings"
)

// responsesAPI fakes OpenAI's Responses API (POST /v1/responses): an
// output list of items for a JSON answer, and for a stream named events,
// each with its type and a sequence number, ending with
// response.completed, which carries the usage. There is no [DONE].
type responsesAPI struct{}

var responsesFields = setOf("model", "input", "instructions", "max_output_tokens", "stream", "stream_options",
	"temperature", "top_p", "tools", "tool_choice", "parallel_tool_calls", "previous_response_id", "store",
	"metadata", "reasoning", "text", "truncation", "user", "service_tier", "include", "prompt_cache_key",
	"safety_identifier", "background", "conversation", "max_tool_calls", "prompt", "top_logprobs")

func (responsesAPI) check(s *Server, r *http.Request, body []byte) (call, *apiError) {
	c, refusal := openAIAPI{}.authorize(s, r)
	if refusal != nil {
		return c, refusal
	}
	invalid := func(msg string) (call, *apiError) {
		return call{}, &apiError{Status: http.StatusBadRequest, Message: msg}
	}
	req, ok := parseBody(body)
	if !ok {
		return invalid("We could not parse the JSON body of your request.")
	}
	if extra := unknownField(req, responsesFields); extra != "" {
		return invalid("Unknown parameter: '" + extra + "'.")
	}
	model := req.Get("model").Str
	switch {
	case model == "":
		return invalid("Missing required parameter: 'model'.")
	case !req.Get("input").Exists() && !req.Get("previous_response_id").Exists():
		return invalid("Missing required parameter: 'input'.")
	}
	return call{model: model, stream: req.Get("stream").Bool()}, nil
}

func (responsesAPI) errorBody(e apiError) any { return openAIAPI{}.errorBody(e) }

// response is the Response object; status and output change as it grows.
func responseObject(reply Reply, status string, output []any, usage any) map[string]any {
	return map[string]any{
		"id": "resp_fake", "object": "response", "created_at": 1764300000, "status": status,
		"model": reply.Model, "output": output, "usage": usage, "error": nil, "incomplete_details": nil,
		"instructions": nil, "max_output_tokens": nil, "parallel_tool_calls": true, "previous_response_id": nil,
		"temperature": 1.0, "top_p": 1.0, "tool_choice": "auto", "tools": []any{}, "truncation": "disabled",
		"reasoning": map[string]any{"effort": nil, "summary": nil}, "store": true, "metadata": map[string]any{},
		"text": map[string]any{"format": map[string]any{"type": "text"}},
	}
}

func responseMessage(text, status string) map[string]any {
	return map[string]any{"id": "msg_fake", "type": "message", "status": status, "role": "assistant",
		"content": []any{responseText(text)}}
}

func responseText(text string) map[string]any {
	return map[string]any{"type": "output_text", "text": text, "annotations": []any{}, "logprobs": []any{}}
}

func (responsesAPI) answer(_ call, reply Reply) any {
	var usage any
	if !reply.NoUsage {
		usage = responsesUsage(reply.Usage)
	}
	return responseObject(reply, "completed", []any{responseMessage(reply.text(), "completed")}, usage)
}

func (responsesAPI) stream(st *streamer, _ call) {
	reply := st.reply
	seq := 0
	stamp := func(typ string, fields map[string]any) map[string]any {
		fields["type"], fields["sequence_number"] = typ, seq
		seq++
		return fields
	}
	emit := func(typ string, fields map[string]any) { st.event(typ, stamp(typ, fields)) }
	item := map[string]any{"output_index": 0, "item_id": "msg_fake", "content_index": 0}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range item {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	emit("response.created", map[string]any{"response": responseObject(reply, "in_progress", []any{}, nil)})
	emit("response.in_progress", map[string]any{"response": responseObject(reply, "in_progress", []any{}, nil)})
	emit("response.output_item.added", map[string]any{"output_index": 0, "item": map[string]any{
		"id": "msg_fake", "type": "message", "status": "in_progress", "role": "assistant", "content": []any{}}})
	emit("response.content_part.added", with(map[string]any{"part": responseText("")}))
	var text strings.Builder
	for _, chunk := range reply.chunks() {
		text.WriteString(chunk)
		delta := with(map[string]any{"delta": chunk, "logprobs": []any{}})
		if !st.chunk("response.output_text.delta", stamp("response.output_text.delta", delta)) {
			return
		}
	}
	if !st.end() {
		return
	}
	if reply.StreamError != "" {
		emit("error", map[string]any{"code": reply.StreamError, "message": errorMessage(reply.ErrorMessage, 0), "param": nil})
		return
	}
	emit("response.output_text.done", with(map[string]any{"text": text.String(), "logprobs": []any{}}))
	emit("response.content_part.done", with(map[string]any{"part": responseText(text.String())}))
	message := responseMessage(text.String(), "completed")
	emit("response.output_item.done", map[string]any{"output_index": 0, "item": message})
	var usage any
	if !reply.NoUsage {
		usage = responsesUsage(reply.Usage)
	}
	emit("response.completed", map[string]any{"response": responseObject(reply, "completed", []any{message}, usage)})
}

func (responsesAPI) eol() string { return "\n" }

// callID: the fake's Responses API answers text only.
func (responsesAPI) callID(n int64) string { return openAIAPI{}.callID(n) }

// responsesUsage: input_tokens includes the cached tokens and
// output_tokens the reasoning, as in Chat Completions under other names.
func responsesUsage(u Usage) map[string]any {
	input, output := u.InputTokens+u.CacheRead, u.OutputTokens+u.Thoughts
	return map[string]any{
		"input_tokens": input, "input_tokens_details": map[string]any{"cached_tokens": u.CacheRead},
		"output_tokens": output, "output_tokens_details": map[string]any{"reasoning_tokens": u.Thoughts},
		"total_tokens": input + output,
	}
}

// Interface guard.
var _ protocol = responsesAPI{}
