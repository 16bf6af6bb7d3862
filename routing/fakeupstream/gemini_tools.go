package fakeupstream

import (
	"fmt"

	"github.com/tidwall/gjson"
)

// geminiFunctionFields are what a function declaration may hold.
var geminiFunctionFields = setOf("name", "description", "parameters", "parametersJsonSchema", "response",
	"responseJsonSchema", "behavior")

// foreignSignatures are the thought signatures Google documents for calls
// Gemini did not make; the API lets them through.
var foreignSignatures = setOf("skip_thought_signature_validator", "context_engineering_is_the_way_to_go")

// geminiParts is the answer's parts: the thought first (only when the
// call asked for thought summaries), then the text, then the calls. A
// text part is there unless the answer is only calls; a refusal has none.
func geminiParts(r Reply, includeThoughts bool) []any {
	if r.Refusal != "" {
		return nil
	}
	var parts []any
	if r.Thinking != "" && includeThoughts {
		parts = append(parts, map[string]any{"text": r.Thinking, "thought": true})
	}
	if text := r.text(); text != "" || len(r.ToolCalls) == 0 {
		parts = append(parts, map[string]any{"text": text})
	}
	return append(parts, geminiCalls(r.ToolCalls)...)
}

// geminiCalls is a functionCall part per call, the first carrying a
// thought signature as Gemini 3 sends it.
func geminiCalls(calls []ToolCall) []any {
	var parts []any
	for i, c := range calls {
		fc := map[string]any{"name": c.Name, "args": c.input()}
		if c.ID != "" {
			fc["id"] = c.ID
		}
		part := map[string]any{"functionCall": fc}
		if i == 0 {
			part["thoughtSignature"] = signature("thought", c.Name)
		}
		parts = append(parts, part)
	}
	return parts
}

// checkGeminiTools: each function declaration has a name, known fields,
// and its parameters one way only.
func checkGeminiTools(req gjson.Result) string {
	for i, tool := range geminiField(req, "tools").Array() {
		for j, fn := range geminiField(tool, "functionDeclarations").Array() {
			at := fmt.Sprintf("tools[%d].function_declarations[%d]", i, j)
			if extra := unknownGeminiField(fn, geminiFunctionFields); extra != "" {
				return unknownName(extra, at)
			}
			switch {
			case fn.Get("name").Str == "":
				return "* GenerateContentRequest." + at + ".name: Name cannot be empty."
			case geminiField(fn, "parameters").Exists() && geminiField(fn, "parametersJsonSchema").Exists():
				return "* GenerateContentRequest." + at + ".parameters_json_schema: parameters_json_schema must not be set when parameters is set."
			}
		}
	}
	return ""
}

// checkGeminiContents checks roles, that a function call turn is answered
// by as many function responses, each an object, and thought signatures:
// one the fake did not make (or Google's for foreign calls) is corrupted,
// and with RequireThoughtSignatures a model turn's first call needs one.
func checkGeminiContents(s *Server, req gjson.Result) string {
	pending := 0 // the function calls of the turn before
	for i, content := range req.Get("contents").Array() {
		at := fmt.Sprintf("contents[%d]", i)
		if extra := unknownGeminiField(content, geminiContentFields); extra != "" {
			return unknownName(extra, at)
		}
		role := content.Get("role").Str
		if role != "" && role != "user" && role != "model" {
			return "Please use a valid role: user, model."
		}
		calls, responses := 0, 0
		for j, part := range content.Get("parts").Array() {
			if msg := checkGeminiPart(part, fmt.Sprintf("%s.parts[%d]", at, j)); msg != "" {
				return msg
			}
			fc, fr, sig := geminiField(part, "functionCall"), geminiField(part, "functionResponse"), geminiField(part, "thoughtSignature")
			switch {
			case sig.Exists() && !foreignSignatures[sig.Str] && sig.Str != signature("thought", fc.Get("name").Str):
				return "Corrupted thought signature."
			case fc.Exists() && calls == 0 && s.RequireThoughtSignatures && !sig.Exists():
				return fmt.Sprintf("Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:%s` , position %d. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",
					fc.Get("name").Str, j+1)
			case fr.Exists() && !fr.Get("response").IsObject():
				return fmt.Sprintf("Invalid value at 'contents[%d].parts[%d].function_response.response' (type.googleapis.com/google.protobuf.Struct): a function response must be a JSON object", i, j)
			}
			if fc.Exists() {
				calls++
			}
			if fr.Exists() {
				responses++
			}
		}
		if (pending > 0 || responses > 0) && responses != pending {
			return "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn."
		}
		pending = calls
	}
	return ""
}
