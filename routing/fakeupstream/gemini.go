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
	invalid := func(msg string) (call, *apiError) {
		return call{}, &apiError{Status: http.StatusBadRequest, Type: "INVALID_ARGUMENT", Message: msg}
	}
	model, method, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v1beta/models/"), ":")
	c := call{model: model}
	switch method {
	case "generateContent":
	case "streamGenerateContent":
		// Without alt=sse the API streams one JSON array, which the fake
		// does not do.
		if r.URL.Query().Get("alt") != "sse" {
			return invalid("fakeupstream: streamGenerateContent needs alt=sse")
		}
		c.stream = true
	default:
		return call{}, &apiError{Status: http.StatusNotFound, Type: "NOT_FOUND", Message: "Method not found."}
	}
	if r.Header.Get("x-goog-api-key") == "" && r.URL.Query().Get("key") == "" {
		return call{}, &apiError{Status: http.StatusForbidden, Type: "PERMISSION_DENIED",
			Message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."}
	}
	req, ok := parseBody(body)
	if !ok {
		return invalid("Invalid JSON payload received.")
	}
	if extra := unknownGeminiField(req, geminiFields); extra != "" {
		return invalid(`Invalid JSON payload received. Unknown name "` + extra + `": Cannot find field.`)
	}
	config := geminiField(req, "generationConfig")
	if extra := unknownGeminiField(config, geminiConfigFields); extra != "" {
		return invalid(`Invalid JSON payload received. Unknown name "` + extra + `" at 'generation_config': Cannot find field.`)
	}
	switch {
	case len(req.Get("contents").Array()) == 0:
		return invalid("* GenerateContentRequest.contents: contents is not specified")
	case s.RejectTemperature[model] && geminiField(config, "temperature").Exists():
		return invalid("temperature is not supported for this model.")
	}
	if msg := checkGeminiTools(req); msg != "" {
		return invalid(msg)
	}
	if msg := checkGeminiContents(s, req); msg != "" {
		return invalid(msg)
	}
	return c, nil
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

func (geminiAPI) answer(c call, reply Reply) any {
	return geminiChunk(reply, geminiParts(reply), geminiFinish(reply), reply.Usage.OutputTokens)
}

// stream sends data-only events, each a whole response whose text is a
// delta and whose usage is cumulative; the last carries the finish
// reason. There is no end marker: the stream just ends.
func (geminiAPI) stream(st *streamer, c call) {
	reply := st.reply
	chunks := reply.chunks()
	finish := geminiFinish(reply)
	if reply.StreamError != "" {
		finish = ""
	}
	ok := st.chunks(func(i int, chunk string, last bool) {
		reason := ""
		if last {
			reason = finish
		}
		st.event("", geminiChunk(reply, geminiText(chunk), reason, reply.Usage.OutputTokens*(i+1)/len(chunks)))
	})
	switch {
	case !ok:
	case reply.StreamError != "":
		st.event("", map[string]any{"error": map[string]any{
			"code": 500, "message": errorMessage(reply.ErrorMessage, 0), "status": reply.StreamError}})
	case len(chunks) == 0:
		st.event("", geminiChunk(reply, geminiText(""), finish, reply.Usage.OutputTokens))
	}
}

// eol: Google ends SSE lines with CRLF.
func (geminiAPI) eol() string { return "\r\n" }

// geminiChunk is one GenerateContentResponse; candidates is the visible
// output so far.
func geminiChunk(reply Reply, parts []any, finish string, candidates int) map[string]any {
	candidate := map[string]any{"content": map[string]any{"role": "model", "parts": parts}, "index": 0}
	if finish != "" {
		candidate["finishReason"] = finish
	}
	return map[string]any{
		"candidates":    []any{candidate},
		"usageMetadata": geminiUsage(reply.Usage, candidates),
		"modelVersion":  reply.Model,
		"responseId":    "fake",
	}
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

// geminiText is the parts of a chunk of text.
func geminiText(text string) []any { return []any{map[string]any{"text": text}} }

// callID: Gemini 2.5 gives its calls no id.
func (geminiAPI) callID(int64) string { return "" }

func geminiFinish(r Reply) string {
	if r.Finish != "" {
		return r.Finish
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
