package fakeupstream

import (
	"fmt"
	"net/http"
	"strings"
)

// openAIAPI fakes OpenAI Chat Completions.
type openAIAPI struct{}

// openAIFields are the request fields the API knows; it refuses any other
// ("Unrecognized request argument supplied").
var openAIFields = setOf("model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
	"n", "stream", "stream_options", "stop", "presence_penalty", "frequency_penalty", "logit_bias",
	"logprobs", "top_logprobs", "user", "seed", "tools", "tool_choice", "parallel_tool_calls",
	"response_format", "reasoning_effort", "service_tier", "store", "metadata", "modalities", "audio",
	"prediction", "verbosity", "web_search_options", "safety_identifier", "prompt_cache_key",
	"prompt_cache_retention", "prompt_cache_options", "moderation", "functions", "function_call")

// authorize refuses a request without a Bearer key, as every OpenAI
// endpoint does.
func (openAIAPI) authorize(s *Server, r *http.Request) (call, *apiError) {
	key, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if (!bearer || key == "") && !s.KeyOptional {
		return call{}, &apiError{Status: http.StatusUnauthorized,
			Message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."}
	}
	return call{}, nil
}

func (o openAIAPI) check(s *Server, r *http.Request, body []byte) (call, *apiError) {
	if c, refusal := o.authorize(s, r); refusal != nil {
		return c, refusal
	}
	req, ok := parseBody(body)
	if !ok {
		return call{}, openAIInvalid("", "", "We could not parse the JSON body of your request.")
	}
	if extra := unknownField(req, openAIFields); extra != "" {
		return call{}, openAIInvalid("", "", "Unrecognized request argument supplied: "+extra)
	}
	model := req.Get("model").Str
	switch {
	case model == "":
		return call{}, openAIInvalid("", "", "you must provide a model parameter")
	case len(req.Get("messages").Array()) == 0:
		return call{}, openAIMissing("messages")
	case s.RejectMaxTokens[model] && req.Get("max_tokens").Exists():
		return call{}, openAIInvalid("unsupported_parameter", "max_tokens", "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.")
	case s.RejectTemperature[model] && req.Get("temperature").Exists():
		return call{}, openAIInvalid("unsupported_value", "temperature", "Unsupported value: 'temperature' does not support "+req.Get("temperature").Raw+" with this model. Only the default (1) value is supported.")
	}
	if e := first(checkOpenAITools(req), checkOpenAIParams(req), checkOpenAIMessages(req)); e != nil {
		return call{}, e
	}
	return call{model: model, stream: req.Get("stream").Bool(), includeUsage: req.Get("stream_options.include_usage").Bool(),
		choices: int(req.Get("n").Int())}, nil
}

// errorBody has all four keys, param and code null when there is none.
func (openAIAPI) errorBody(e apiError) any {
	var code, param any
	if e.Type != "" {
		code = e.Type
	}
	if e.Param != "" {
		param = e.Param
	}
	typ := "invalid_request_error"
	switch {
	case e.Status == http.StatusTooManyRequests:
		typ = "requests"
	case e.Status >= 500:
		typ = "server_error"
	}
	return map[string]any{"error": map[string]any{
		"message": errorMessage(e.Message, e.Status), "type": typ, "param": param, "code": code,
	}}
}

// answer holds as many choices as the call asked for (see
// Reply.Candidates).
func (openAIAPI) answer(c call, reply Reply) any {
	choices := make([]any, c.answers())
	for i := range choices {
		answer := reply.choice(i)
		choices[i] = map[string]any{"index": i, "message": openAIMessage(answer), "logprobs": nil, "finish_reason": openAIFinish(answer)}
	}
	completion := map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": 1764300000, "model": reply.Model,
		"choices": choices, "service_tier": "default", "system_fingerprint": "fp_fake",
	}
	if !reply.NoUsage {
		completion["usage"] = openAIUsage(reply.Usage)
	}
	return completion
}

func (openAIAPI) eol() string { return "\n" }

// openAIUsage: prompt_tokens includes the cached tokens and
// completion_tokens the reasoning.
func openAIUsage(u Usage) map[string]any {
	prompt, completion := u.InputTokens+u.CacheRead, u.OutputTokens+u.Thoughts
	return map[string]any{
		"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
		"prompt_tokens_details": map[string]any{"cached_tokens": u.CacheRead, "audio_tokens": 0},
		"completion_tokens_details": map[string]any{"reasoning_tokens": u.Thoughts, "audio_tokens": 0,
			"accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
	}
}

func openAIFinish(r Reply) string {
	switch {
	case r.Finish != "":
		return r.Finish
	case len(r.ToolCalls) > 0:
		return "tool_calls"
	}
	return "stop"
}

func (openAIAPI) callID(n int64) string { return fmt.Sprintf("call_fake_%d", n) }

// Interface guard.
var _ protocol = openAIAPI{}
