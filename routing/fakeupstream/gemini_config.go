package fakeupstream

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// What a generation config's nested settings may hold, and what they may
// say.
var (
	geminiThinkingFields    = setOf("thinkingBudget", "thinkingLevel", "includeThoughts")
	geminiToolConfigFields  = setOf("functionCallingConfig", "retrievalConfig")
	geminiCallingFields     = setOf("mode", "allowedFunctionNames")
	geminiResponseMimeTypes = []string{"text/plain", "application/json", "application/xml", "application/yaml", "text/x.enum"}
	geminiThinkingLevels    = []string{"THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH"}
	geminiCallingModes      = []string{"MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED"}
)

const (
	maxGeminiStops      = 5
	maxGeminiCandidates = 8
)

// checkGeminiConfig checks a generationConfig's values: types, stop
// sequences, the candidate count, the response format and thinking.
func checkGeminiConfig(config gjson.Result) string {
	stops := geminiField(config, "stopSequences")
	count := geminiField(config, "candidateCount")
	msg := first(
		geminiStrings(stops, "generation_config.stop_sequences"),
		geminiFloat(geminiField(config, "topP"), "generation_config.top_p"),
		geminiInt(geminiField(config, "topK"), "generation_config.top_k"),
		geminiInt(geminiField(config, "seed"), "generation_config.seed"),
		geminiInt(count, "generation_config.candidate_count"),
	)
	switch {
	case msg != "":
		return msg
	case len(stops.Array()) > maxGeminiStops:
		return requestRule("generation_config.stop_sequences", fmt.Sprintf("at most %d stop sequences are allowed, got %d.", maxGeminiStops, len(stops.Array())))
	case count.Exists() && (count.Int() < 1 || count.Int() > maxGeminiCandidates):
		return fmt.Sprintf("Unable to submit request because it has a candidateCount value of %d but the supported range is from 1 (inclusive) to %d (exclusive). Update the value and try again.",
			count.Int(), maxGeminiCandidates+1)
	}
	return first(checkGeminiResponseFormat(config), checkGeminiThinking(geminiField(config, "thinkingConfig")))
}

// checkGeminiResponseFormat: a MIME type the API writes, and a schema only
// for JSON, given one way.
func checkGeminiResponseFormat(config gjson.Result) string {
	mime := geminiField(config, "responseMimeType")
	schema, jsonSchema := geminiField(config, "responseSchema"), geminiField(config, "responseJsonSchema")
	switch {
	case mime.Exists() && !slices.Contains(geminiResponseMimeTypes, mime.Str):
		return requestRule("generation_config.response_mime_type", "allowed mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` and `text/x.enum`.")
	case !isNull(schema) && !isNull(jsonSchema):
		return requestRule("generation_config.response_schema", "response_schema and response_json_schema cannot both be set.")
	case !isNull(jsonSchema) && !jsonSchema.IsObject():
		return invalidValue("generation_config.response_json_schema", "type.googleapis.com/google.protobuf.Value", jsonSchema)
	case !isNull(jsonSchema) && mime.Str != "application/json":
		return requestRule("generation_config.response_mime_type", "response_mime_type must be application/json when response_json_schema is set.")
	case !isNull(schema) && mime.Str != "application/json" && mime.Str != "text/x.enum":
		return requestRule("generation_config.response_mime_type", "response_mime_type must be application/json or text/x.enum when response_schema is set.")
	}
	return ""
}

// checkGeminiThinking: a budget or a level, not both, and whether the
// answer shows thought summaries.
func checkGeminiThinking(t gjson.Result) string {
	const at = "generation_config.thinking_config"
	if isNull(t) {
		return ""
	}
	if !t.IsObject() {
		return invalidValue(at, geminiProtoPackage+"ThinkingConfig", t)
	}
	if extra := unknownGeminiField(t, geminiThinkingFields); extra != "" {
		return unknownName(extra, at)
	}
	budget, level := geminiField(t, "thinkingBudget"), geminiField(t, "thinkingLevel")
	msg := first(
		geminiInt(budget, at+".thinking_budget"),
		geminiEnum(level, at+".thinking_level", "ThinkingConfig.ThinkingLevel", geminiThinkingLevels...),
		geminiBool(geminiField(t, "includeThoughts"), at+".include_thoughts"),
	)
	if msg == "" && !isNull(budget) && !isNull(level) {
		return "You can only set only one of thinking budget and thinking level."
	}
	return msg
}

// checkGeminiToolConfig: a calling mode, and names of allowed functions
// only where the mode forces a call, each one declared.
func checkGeminiToolConfig(req gjson.Result) string {
	const at = "tool_config.function_calling_config"
	tc := geminiField(req, "toolConfig")
	if isNull(tc) {
		return ""
	}
	if !tc.IsObject() {
		return invalidValue("tool_config", geminiProtoPackage+"ToolConfig", tc)
	}
	if extra := unknownGeminiField(tc, geminiToolConfigFields); extra != "" {
		return unknownName(extra, "tool_config")
	}
	fcc := geminiField(tc, "functionCallingConfig")
	if extra := unknownGeminiField(fcc, geminiCallingFields); extra != "" {
		return unknownName(extra, at)
	}
	mode, allowed := geminiField(fcc, "mode"), geminiField(fcc, "allowedFunctionNames")
	if msg := first(
		geminiEnum(mode, at+".mode", "FunctionCallingConfig.Mode", geminiCallingModes...),
		geminiStrings(allowed, at+".allowed_function_names"),
	); msg != "" {
		return msg
	}
	forced := strings.EqualFold(mode.Str, "ANY") || strings.EqualFold(mode.Str, "VALIDATED")
	declared := geminiDeclaredFunctions(req)
	switch {
	case len(allowed.Array()) > 0 && !forced:
		return requestRule(at+".allowed_function_names", "allowed_function_names may only be set when mode is ANY or VALIDATED.")
	case forced && len(declared) == 0:
		return requestRule(at+".mode", "specified without function_declarations.")
	}
	for _, name := range allowed.Array() {
		if !slices.Contains(declared, name.Str) {
			return requestRule(at+".allowed_function_names", fmt.Sprintf("function %q is not declared in tools.", name.Str))
		}
	}
	return ""
}

// geminiDeclaredFunctions names the functions the request's tools declare.
func geminiDeclaredFunctions(req gjson.Result) []string {
	var names []string
	for _, tool := range geminiField(req, "tools").Array() {
		for _, fn := range geminiField(tool, "functionDeclarations").Array() {
			names = append(names, fn.Get("name").Str)
		}
	}
	return names
}
