package fakeupstream

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/tidwall/gjson"
)

// geminiAPI fakes the Gemini API's generateContent.
type geminiAPI struct{}

// The request fields the API knows, in its camelCase; it also takes them
// in snake_case, and refuses any other (`Unknown name "x"`).
var (
	geminiFields = setOf("contents", "systemInstruction", "generationConfig", "tools", "toolConfig",
		"safetySettings", "cachedContent")
	geminiConfigFields = setOf("temperature", "topP", "topK", "maxOutputTokens", "candidateCount",
		"stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema", "seed",
		"presencePenalty", "frequencyPenalty", "responseLogprobs", "logprobs", "responseModalities",
		"speechConfig", "mediaResolution", "thinkingConfig", "imageConfig")
)

func (geminiAPI) check(s *Server, r *http.Request, body []byte) (call, *apiError) {
	model, method, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v1beta/models/"), ":")
	c := call{model: model}
	switch method {
	case "generateContent":
	case "streamGenerateContent":
		// Without alt=sse the API streams one JSON array, which the fake
		// does not do.
		if r.URL.Query().Get("alt") != "sse" {
			return call{}, geminiInvalid("fakeupstream: streamGenerateContent needs alt=sse")
		}
		c.stream = true
	default:
		return call{}, &apiError{Status: http.StatusNotFound, Type: "NOT_FOUND", Message: "Method not found."}
	}
	req, refusal := geminiParse(r, body)
	if refusal != nil {
		return call{}, refusal
	}
	config := geminiField(req, "generationConfig")
	msg := checkGeminiRequest(s, req, geminiFields)
	if msg == "" && s.RejectTemperature[model] && geminiField(config, "temperature").Exists() {
		msg = "temperature is not supported for this model."
	}
	if msg != "" {
		return call{}, geminiInvalid(msg)
	}
	c.includeThoughts = geminiField(geminiField(config, "thinkingConfig"), "includeThoughts").Bool()
	c.choices = int(geminiField(config, "candidateCount").Int())
	return c, nil
}

// geminiParse checks the key and that the body is a JSON object, as every
// Gemini method does first.
func geminiParse(r *http.Request, body []byte) (gjson.Result, *apiError) {
	if r.Header.Get("x-goog-api-key") == "" && r.URL.Query().Get("key") == "" {
		return gjson.Result{}, &apiError{Status: http.StatusForbidden, Type: "PERMISSION_DENIED",
			Message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."}
	}
	req, ok := parseBody(body)
	if !ok {
		return gjson.Result{}, geminiInvalid("Invalid JSON payload received.")
	}
	return req, nil
}

// checkGeminiRequest checks a GenerateContentRequest, sent alone or inside
// a token count, whose top level may hold fields.
func checkGeminiRequest(s *Server, req gjson.Result, fields map[string]bool) string {
	if extra := unknownGeminiField(req, fields); extra != "" {
		return unknownName(extra, "")
	}
	config := geminiField(req, "generationConfig")
	if !isNull(config) && !config.IsObject() {
		return invalidValue("generation_config", geminiProtoPackage+"GenerationConfig", config)
	}
	if extra := unknownGeminiField(config, geminiConfigFields); extra != "" {
		return unknownName(extra, "generation_config")
	}
	if len(req.Get("contents").Array()) == 0 {
		return "* GenerateContentRequest.contents: contents is not specified"
	}
	return first(
		checkGeminiConfig(config),
		checkGeminiTools(req),
		checkGeminiToolConfig(req),
		checkGeminiContents(s, req),
	)
}

func geminiInvalid(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: "INVALID_ARGUMENT", Message: msg}
}

func (geminiAPI) errorBody(e apiError) any {
	status := e.Type
	if status == "" {
		status = geminiStatuses[e.Status]
	}
	if status == "" {
		status = "INTERNAL"
	}
	body := map[string]any{"code": e.Status, "message": errorMessage(e.Message, e.Status), "status": status}
	if e.Reason != "" {
		body["details"] = []any{map[string]any{
			"@type":  "type.googleapis.com/google.rpc.ErrorInfo",
			"reason": e.Reason, "domain": "googleapis.com",
			"metadata": map[string]any{"service": "generativelanguage.googleapis.com"},
		}}
	}
	return map[string]any{"error": body}
}

var geminiStatuses = map[int]string{
	400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
	500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}

// answer holds as many candidates as the call asked for (see
// Reply.Candidates).
func (geminiAPI) answer(c call, reply Reply) any {
	candidates := make([]any, c.answers())
	for i := range candidates {
		answer := reply.choice(i)
		candidates[i] = geminiCandidate(i, geminiParts(answer, c.includeThoughts), geminiFinish(answer))
	}
	return geminiResponse(reply, candidates, reply.Usage.OutputTokens)
}

// eol: Google ends SSE lines with CRLF.
func (geminiAPI) eol() string { return "\r\n" }

// geminiResponse is one GenerateContentResponse; outputTokens is the
// visible output so far.
func geminiResponse(reply Reply, candidates []any, outputTokens int) map[string]any {
	return map[string]any{
		"candidates":    candidates,
		"usageMetadata": geminiUsage(reply.Usage, outputTokens),
		"modelVersion":  reply.Model,
		"responseId":    "fake",
	}
}

// geminiCandidate is a candidate of a response: without content when parts
// is nil, as a blocked one comes.
func geminiCandidate(index int, parts []any, finish string) map[string]any {
	candidate := map[string]any{"index": index}
	if parts != nil {
		candidate["content"] = map[string]any{"role": "model", "parts": parts}
	}
	if finish != "" {
		candidate["finishReason"] = finish
	}
	return candidate
}

// geminiUsage: the prompt count includes cached tokens, thoughts are
// counted apart from the visible output, and zero fields are left out.
func geminiUsage(u Usage, candidates int) map[string]any {
	prompt := u.InputTokens + u.CacheRead
	usage := map[string]any{
		"promptTokenCount":    prompt,
		"totalTokenCount":     prompt + candidates + u.Thoughts,
		"promptTokensDetails": []any{map[string]any{"modality": "TEXT", "tokenCount": prompt}},
	}
	for name, n := range map[string]int{"candidatesTokenCount": candidates, "thoughtsTokenCount": u.Thoughts, "cachedContentTokenCount": u.CacheRead} {
		if n != 0 {
			usage[name] = n
		}
	}
	return usage
}

// callID: Gemini 2.5 gives its calls no id.
func (geminiAPI) callID(int64) string { return "" }

func geminiFinish(r Reply) string {
	switch {
	case r.Finish != "":
		return r.Finish
	case r.Refusal != "":
		return "SAFETY"
	}
	return "STOP"
}

// geminiField gets a field by its camelCase name or its snake_case one.
func geminiField(obj gjson.Result, name string) gjson.Result {
	if v := obj.Get(name); v.Exists() {
		return v
	}
	return obj.Get(snakeCase(name))
}

// unknownGeminiField is unknownField with snake_case names accepted.
func unknownGeminiField(obj gjson.Result, known map[string]bool) string {
	unknown := ""
	obj.ForEach(func(k, _ gjson.Result) bool {
		if !known[k.Str] && !known[camelCase(k.Str)] {
			unknown = k.Str
			return false
		}
		return true
	})
	return unknown
}

func snakeCase(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func camelCase(s string) string {
	var b strings.Builder
	upper := false
	for _, r := range s {
		switch {
		case r == '_':
			upper = true
		case upper:
			b.WriteRune(unicode.ToUpper(r))
			upper = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Interface guard.
var _ protocol = geminiAPI{}
