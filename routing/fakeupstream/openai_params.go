package fakeupstream

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// openAISchemaName is the pattern a response format's schema name must
// match; it may be 64 characters long at most.
var openAISchemaName = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

const (
	maxOpenAIStops         = 4
	maxOpenAIMetadata      = 16
	maxOpenAISchemaNameLen = 64
)

// checkOpenAIParams checks the request's parameters beside the
// conversation and its tools, each refused with its name in error.param.
func checkOpenAIParams(req gjson.Result) *apiError {
	noBound := math.Inf(1)
	return first(
		checkOpenAIStop(req.Get("stop")),
		openAINumber(req.Get("top_p"), "top_p", false, 0, 1),
		openAINumber(req.Get("seed"), "seed", true, -noBound, noBound),
		openAINumber(req.Get("n"), "n", true, 1, 128),
		openAINumber(req.Get("frequency_penalty"), "frequency_penalty", false, -2, 2),
		openAINumber(req.Get("presence_penalty"), "presence_penalty", false, -2, 2),
		openAIType(req.Get("user"), "user", "a string"),
		openAIType(req.Get("prompt_cache_key"), "prompt_cache_key", "a string"),
		openAIType(req.Get("safety_identifier"), "safety_identifier", "a string"),
		openAIType(req.Get("store"), "store", "a boolean"),
		openAIType(req.Get("logit_bias"), "logit_bias", "an object"),
		checkOpenAIMetadata(req.Get("metadata")),
		openAIEnum(req.Get("reasoning_effort"), "reasoning_effort", "none", "minimal", "low", "medium", "high", "xhigh", "max"),
		openAIEnum(req.Get("service_tier"), "service_tier", "auto", "default", "flex", "scale", "priority", "fast"),
		openAIEnum(req.Get("verbosity"), "verbosity", "low", "medium", "high"),
		checkOpenAIResponseFormat(req),
		checkOpenAIToolChoice(req),
		checkParallelToolCalls(req),
	)
}

// checkOpenAIStop: a string, or at most four of them.
func checkOpenAIStop(stop gjson.Result) *apiError {
	switch {
	case !stop.Exists() || stop.Type == gjson.Null || stop.Type == gjson.String:
		return nil
	case !stop.IsArray():
		return openAIInvalid("invalid_type", "stop",
			fmt.Sprintf("Invalid type for 'stop': expected one of a string or an array of strings, but got %s instead.", jsonKind(stop)))
	}
	stops := stop.Array()
	if len(stops) > maxOpenAIStops {
		return openAIInvalid("array_above_max_length", "stop",
			fmt.Sprintf("Invalid 'stop': array too long. Expected an array with maximum length %d, but got an array with length %d instead.", maxOpenAIStops, len(stops)))
	}
	for i, s := range stops {
		if e := openAIType(s, fmt.Sprintf("stop[%d]", i), "a string"); e != nil {
			return e
		}
	}
	return nil
}

// checkOpenAIMetadata: at most 16 strings.
func checkOpenAIMetadata(m gjson.Result) *apiError {
	if e := openAIType(m, "metadata", "an object"); e != nil || !m.IsObject() {
		return e
	}
	var problem *apiError
	properties := 0
	m.ForEach(func(k, v gjson.Result) bool {
		properties++
		problem = openAIType(v, "metadata."+k.Str, "a string")
		return problem == nil
	})
	if problem == nil && properties > maxOpenAIMetadata {
		problem = openAIInvalid("object_above_max_properties", "metadata",
			fmt.Sprintf("Invalid 'metadata': too many properties. Expected an object with at most %d properties, but got an object with %d properties instead.", maxOpenAIMetadata, properties))
	}
	return problem
}

// checkOpenAIResponseFormat: text, a JSON object (with the word JSON in
// the messages, as the API demands) or a named JSON schema.
func checkOpenAIResponseFormat(req gjson.Result) *apiError {
	rf := req.Get("response_format")
	if e := openAIType(rf, "response_format", "an object"); e != nil || !rf.IsObject() {
		return e
	}
	typ := rf.Get("type")
	if !typ.Exists() {
		return openAIMissing("response_format.type")
	}
	if e := openAIEnum(typ, "response_format.type", "text", "json_object", "json_schema"); e != nil {
		return e
	}
	fields := setOf("type")
	if typ.Str == "json_schema" {
		fields = setOf("type", "json_schema")
	}
	if extra := unknownField(rf, fields); extra != "" {
		return openAIUnknown("response_format." + extra)
	}
	switch typ.Str {
	case "json_object":
		if !strings.Contains(strings.ToLower(req.Get("messages").Raw), "json") {
			return openAIInvalid("", "messages", "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.")
		}
	case "json_schema":
		return checkOpenAIJSONSchema(rf.Get("json_schema"))
	}
	return nil
}

// checkOpenAIJSONSchema: a name of up to 64 letters, digits, _ and -, and
// a schema that is an object.
func checkOpenAIJSONSchema(js gjson.Result) *apiError {
	const at = "response_format.json_schema"
	if !js.Exists() {
		return openAIMissing(at)
	}
	if e := openAIType(js, at, "an object"); e != nil {
		return e
	}
	if extra := unknownField(js, setOf("name", "schema", "strict", "description")); extra != "" {
		return openAIUnknown(at + "." + extra)
	}
	name := js.Get("name")
	if !name.Exists() {
		return openAIMissing(at + ".name")
	}
	if e := openAIType(name, at+".name", "a string"); e != nil {
		return e
	}
	switch {
	case len(name.Str) > maxOpenAISchemaNameLen:
		return openAIInvalid("string_above_max_length", at+".name",
			fmt.Sprintf("Invalid '%s.name': string too long. Expected a string with maximum length %d, but got a string with length %d instead.", at, maxOpenAISchemaNameLen, len(name.Str)))
	case !openAISchemaName.MatchString(name.Str):
		return openAIInvalid("invalid_value", at+".name",
			fmt.Sprintf("Invalid '%s.name': string does not match pattern. Expected a string that matches the pattern '%s'.", at, openAISchemaName))
	}
	return first(
		openAIType(js.Get("schema"), at+".schema", "an object"),
		openAIType(js.Get("strict"), at+".strict", "a boolean"),
		openAIType(js.Get("description"), at+".description", "a string"),
	)
}

// checkOpenAIToolChoice: none, auto or required, or a named function
// among the tools; any choice that calls a tool needs tools.
func checkOpenAIToolChoice(req gjson.Result) *apiError {
	tc := req.Get("tool_choice")
	tools := req.Get("tools").Array()
	needsTools := openAIInvalid("", "tool_choice", "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.")
	switch {
	case !tc.Exists() || tc.Type == gjson.Null:
		return nil
	case tc.Type == gjson.String:
		if e := openAIEnum(tc, "tool_choice", "none", "auto", "required"); e != nil {
			return e
		}
		if tc.Str == "required" && len(tools) == 0 {
			return needsTools
		}
		return nil
	case !tc.IsObject():
		return openAIInvalid("invalid_type", "tool_choice",
			fmt.Sprintf("Invalid type for 'tool_choice': expected one of a string or an object, but got %s instead.", jsonKind(tc)))
	}
	typ := tc.Get("type")
	if !typ.Exists() {
		return openAIMissing("tool_choice.type")
	}
	if e := openAIEnum(typ, "tool_choice.type", "function", "allowed_tools", "custom"); e != nil {
		return e
	}
	if len(tools) == 0 {
		return needsTools
	}
	name := tc.Get(typ.Str + ".name")
	switch {
	case typ.Str == "allowed_tools":
		return nil
	case !name.Exists():
		return openAIMissing("tool_choice." + typ.Str + ".name")
	case !slices.ContainsFunc(tools, func(t gjson.Result) bool { return t.Get(typ.Str+".name").Str == name.Str }):
		return openAIInvalid("invalid_value", "tool_choice",
			fmt.Sprintf("Invalid value for 'tool_choice': tool '%s' is not among the tools of the request.", name.Str))
	}
	return nil
}

// checkParallelToolCalls: a boolean, and only beside tools.
func checkParallelToolCalls(req gjson.Result) *apiError {
	ptc := req.Get("parallel_tool_calls")
	if e := openAIType(ptc, "parallel_tool_calls", "a boolean"); e != nil || !ptc.Exists() || ptc.Type == gjson.Null {
		return e
	}
	if len(req.Get("tools").Array()) == 0 {
		return openAIInvalid("", "parallel_tool_calls", "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.")
	}
	return nil
}
