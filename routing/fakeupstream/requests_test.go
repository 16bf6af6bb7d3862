package fakeupstream

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// shapeCase is a request body and what the provider says to it.
type shapeCase struct {
	name, body string
	want       string // in error.message; "" for a call that passes
	param      string // OpenAI's error.param, when checked
	code       string // OpenAI's error.code, when checked
}

// checkShapes sends each case to path and checks the answer: a 200, or a
// 400 whose error body has the provider's shape (isProviderError) and
// says what the case wants.
func checkShapes(t *testing.T, path string, header map[string]string, isProviderError func(string) bool, cases []shapeCase) {
	t.Helper()
	s := New()
	defer s.Close()
	s.Default(Reply{Text: "ok"})
	for _, tc := range cases {
		status, body := do(t, s, path, header, tc.body)
		msg := gjson.Get(body, "error.message").Str
		switch {
		case tc.want == "" && status != 200:
			t.Errorf("%s: %d %s", tc.name, status, body)
		case tc.want == "":
		case status != 400 || !isProviderError(body) || !strings.Contains(msg, tc.want):
			t.Errorf("%s: %d %s, want a 400 saying %q", tc.name, status, body, tc.want)
		case tc.param != "" && gjson.Get(body, "error.param").Str != tc.param,
			tc.code != "" && gjson.Get(body, "error.code").Str != tc.code:
			t.Errorf("%s: %s, want param %q and code %q", tc.name, body, tc.param, tc.code)
		}
	}
}

func isAnthropicError(body string) bool {
	return gjson.Get(body, "type").Str == "error" && gjson.Get(body, "error.type").Str == "invalid_request_error"
}

func isGeminiError(body string) bool {
	return gjson.Get(body, "error.code").Int() == 400 && gjson.Get(body, "error.status").Str == "INVALID_ARGUMENT"
}

func isOpenAIError(body string) bool {
	e := gjson.Get(body, "error")
	return e.Get("type").Str == "invalid_request_error" && e.Get("param").Exists() && e.Get("code").Exists()
}

const png1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

func TestAnthropicRequestShapes(t *testing.T) {
	tools := `"tools":[{"name":"get_weather","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}],`
	with := func(extra string) string {
		return `{"model":"m","max_tokens":4096,` + extra + `"messages":[{"role":"user","content":"hi"}]}`
	}
	saying := func(extra, content string) string {
		return `{"model":"m","max_tokens":4096,` + extra + `"messages":[{"role":"user","content":[` + content + `]}]}`
	}
	toolTurn := func(result string) string {
		return `{"model":"m","max_tokens":4096,` + tools + `"messages":[{"role":"user","content":"hi"},` +
			`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{},"cache_control":{"type":"ephemeral"}}]},` +
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":` + result + `}]}]}`
	}
	image := func(source string) string { return `{"type":"image","source":` + source + `}` }
	marked := `{"type":"text","text":"x","cache_control":{"type":"ephemeral"}}`
	checkShapes(t, "/v1/messages", anthropicHeaders, isAnthropicError, []shapeCase{
		{"sampling, stops, metadata, tier", with(`"stop_sequences":["END","\n\nHuman:"],"top_p":0.9,"top_k":40,"metadata":{"user_id":"u42"},"service_tier":"auto",`), "", "", ""},
		{"each tool choice", with(tools + `"tool_choice":{"type":"auto","disable_parallel_tool_use":true},`), "", "", ""},
		{"tool choice any", with(tools + `"tool_choice":{"type":"any"},`), "", "", ""},
		{"tool choice none, no tools", with(`"tool_choice":{"type":"none"},`), "", "", ""},
		{"a named tool", with(tools + `"tool_choice":{"type":"tool","name":"get_weather"},`), "", "", ""},
		{"output config", with(`"output_config":{"effort":"max","format":{"type":"json_schema","schema":{"type":"object"}}},`), "", "", ""},
		{"system blocks cached for an hour", with(`"system":[{"type":"text","text":"Be terse.","cache_control":{"type":"ephemeral","ttl":"1h"}}],`), "", "", ""},
		{"images in base64 and by URL", saying("", image(`{"type":"base64","media_type":"image/png","data":"`+png1x1+`"}`)+`,`+
			image(`{"type":"url","url":"https://example.com/cat.jpg"}`)+`,{"type":"text","text":"What is it?"}`), "", "", ""},
		{"a tool result of text and an image", toolTurn(`[{"type":"text","text":"68F"},` + image(`{"type":"base64","media_type":"image/webp","data":"`+png1x1+`"}`) + `]`), "", "", ""},
		{"thinking adaptive", with(`"thinking":{"type":"adaptive"},`), "", "", ""},
		{"thinking disabled", with(`"thinking":{"type":"disabled"},`), "", "", ""},

		{"a blank stop sequence", with(`"stop_sequences":["  "],`), "stop_sequences: each stop sequence must contain non-whitespace", "", ""},
		{"top_p over 1", with(`"top_p":1.5,`), "top_p: Input should be less than or equal to 1", "", ""},
		{"a negative top_k", with(`"top_k":-1,`), "top_k: Input should be greater than or equal to 0", "", ""},
		{"metadata beyond user_id", with(`"metadata":{"user_id":"u","team":"t"},`), "metadata.team: Extra inputs are not permitted", "", ""},
		{"an unknown service tier", with(`"service_tier":"priority",`), "service_tier: Input should be 'auto' or 'standard_only'", "", ""},
		{"OpenAI's required as a tool choice", with(tools + `"tool_choice":{"type":"required"},`), "Input tag 'required'", "", ""},
		{"a tool choice without tools", with(`"tool_choice":{"type":"any"},`), "tool_choice may only be specified while providing tools", "", ""},
		{"a tool choice naming no tool", with(tools + `"tool_choice":{"type":"tool","name":"get_time"},`), "Tool 'get_time' not found", "", ""},
		{"parallel use on none", with(`"tool_choice":{"type":"none","disable_parallel_tool_use":true},`), "tool_choice.none.disable_parallel_tool_use: Extra inputs", "", ""},
		{"thinking while a tool is forced", with(tools + `"tool_choice":{"type":"any"},"thinking":{"type":"adaptive"},`), "Thinking may not be enabled when tool_choice forces tool use", "", ""},
		{"an unknown effort", with(`"output_config":{"effort":"extreme"},`), "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'", "", ""},
		{"an unknown output config key", with(`"output_config":{"verbosity":"low"},`), "output_config.verbosity: Extra inputs", "", ""},
		{"a format that is not a schema", with(`"output_config":{"format":{"type":"json_object","schema":{}}},`), "output_config.format.type: Input should be 'json_schema'", "", ""},
		{"a format without its schema", with(`"output_config":{"format":{"type":"json_schema"}},`), "output_config.format.schema: Field required", "", ""},
		{"an image in the system prompt", with(`"system":[{"type":"image","source":{}}],`), "system.0.type: Input should be 'text'", "", ""},
		{"a cache lifetime of two hours", with(`"system":[{"type":"text","text":"x","cache_control":{"type":"ephemeral","ttl":"2h"}}],`), "system.0.cache_control.ttl: Input should be '5m' or '1h'", "", ""},
		{"five cache breakpoints", saying(`"system":[`+marked+`,`+marked+`],`, marked+`,`+marked+`,`+marked), "A maximum of 4 blocks with cache_control may be provided. Found 5.", "", ""},
		{"a BMP image", saying("", image(`{"type":"base64","media_type":"image/bmp","data":"`+png1x1+`"}`)), "messages.0.content.0.image.source.base64.media_type: Input should be", "", ""},
		{"image data that is not base64", saying("", image(`{"type":"base64","media_type":"image/png","data":"not base64!"}`)), "messages.0.content.0.image.source.base64.data", "", ""},
		{"an image URL over FTP", saying("", image(`{"type":"url","url":"ftp://example.com/cat.jpg"}`)), "URL scheme should be 'http' or 'https'", "", ""},
		{"an unknown image source", saying("", image(`{"type":"path","path":"/cat.jpg"}`)), "Input tag 'path' found using 'type' does not match any of the expected tags: 'base64', 'file', 'url'", "", ""},
		{"a text block with a stray field", saying("", `{"type":"text","text":"hi","format":"md"}`), "messages.0.content.0.text.format: Extra inputs are not permitted", "", ""},
		{"a tool result holding a tool call", toolTurn(`[{"type":"tool_use","id":"toolu_2","name":"x","input":{}}]`), "messages.2.content.0.tool_result.content.0: Input tag 'tool_use'", "", ""},
		{"thinking with an unknown key", with(`"thinking":{"type":"adaptive","budget_tokens":2048},`), "thinking.adaptive.budget_tokens: Extra inputs", "", ""},
	})
}

func TestGeminiRequestShapes(t *testing.T) {
	tools := `"tools":[{"functionDeclarations":[{"name":"get_weather"},{"name":"get_time"}]}],`
	with := func(extra string) string {
		return `{` + extra + `"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`
	}
	config := func(c string) string { return with(`"generationConfig":{` + c + `},`) }
	parts := func(p string) string { return `{"contents":[{"role":"user","parts":[` + p + `]}]}` }
	calling := func(c string) string { return with(tools + `"toolConfig":{"functionCallingConfig":{` + c + `}},`) }
	checkShapes(t, "/v1beta/models/g:generateContent", geminiHeaders, isGeminiError, []shapeCase{
		{"sampling, stops, seed, candidates", config(`"stopSequences":["END"],"topP":0.9,"topK":40,"seed":7,"candidateCount":2`), "", "", ""},
		{"an int64 as a string, as protobuf JSON allows", config(`"seed":"7"`), "", "", ""},
		{"a JSON schema answer", config(`"responseMimeType":"application/json","responseJsonSchema":{"type":"object"}`), "", "", ""},
		{"a thinking budget with thoughts", config(`"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}`), "", "", ""},
		{"a thinking level, in either case", config(`"thinkingConfig":{"thinkingLevel":"low"}`), "", "", ""},
		{"snake_case settings", with(`"generation_config":{"thinking_config":{"thinking_level":"HIGH","include_thoughts":true}},`), "", "", ""},
		{"calls forced among some", calling(`"mode":"ANY","allowedFunctionNames":["get_time"]`), "", "", ""},
		{"calls validated", calling(`"mode":"VALIDATED"`), "", "", ""},
		{"calls off", calling(`"mode":"NONE"`), "", "", ""},
		{"inline data and a file", parts(`{"inlineData":{"mimeType":"image/png","data":"` + png1x1 + `"}},{"fileData":{"mimeType":"video/mp4","fileUri":"https://generativelanguage.googleapis.com/v1beta/files/abc"}},{"text":"What is it?"}`), "", "", ""},

		{"a config that is a list", with(`"generationConfig":[],`), "Invalid value at 'generation_config'", "", ""},
		{"six stop sequences", config(`"stopSequences":["a","b","c","d","e","f"]`), "generation_config.stop_sequences: at most 5", "", ""},
		{"a stop sequence that is a number", config(`"stopSequences":["a",5]`), "Invalid value at 'generation_config.stop_sequences[1]' (TYPE_STRING), 5", "", ""},
		{"top_k as a word", config(`"topK":"many"`), `Invalid value at 'generation_config.top_k' (TYPE_INT32), "many"`, "", ""},
		{"a fractional seed", config(`"seed":1.5`), "Invalid value at 'generation_config.seed' (TYPE_INT32), 1.5", "", ""},
		{"nine candidates", config(`"candidateCount":9`), "candidateCount value of 9", "", ""},
		{"an HTML answer", config(`"responseMimeType":"text/html"`), "allowed mimetypes are", "", ""},
		{"a JSON schema for plain text", config(`"responseJsonSchema":{"type":"object"}`), "response_mime_type must be application/json", "", ""},
		{"a budget and a level", config(`"thinkingConfig":{"thinkingBudget":1024,"thinkingLevel":"low"}`), "You can only set only one of thinking budget and thinking level.", "", ""},
		{"an unknown thinking level", config(`"thinkingConfig":{"thinkingLevel":"ultra"}`), "Invalid value at 'generation_config.thinking_config.thinking_level'", "", ""},
		{"thoughts asked with a word", config(`"thinkingConfig":{"includeThoughts":"yes"}`), `Invalid value at 'generation_config.thinking_config.include_thoughts' (TYPE_BOOL), "yes"`, "", ""},
		{"an unknown thinking field", config(`"thinkingConfig":{"effort":"low"}`), `Unknown name "effort" at 'generation_config.thinking_config'`, "", ""},
		{"an unknown calling mode", calling(`"mode":"SOMETIMES"`), "Invalid value at 'tool_config.function_calling_config.mode'", "", ""},
		{"allowed functions while the model chooses", calling(`"mode":"AUTO","allowedFunctionNames":["get_time"]`), "allowed_function_names may only be set when mode is ANY", "", ""},
		{"an allowed function not declared", calling(`"mode":"ANY","allowedFunctionNames":["get_date"]`), `function "get_date" is not declared`, "", ""},
		{"calls forced without functions", with(`"toolConfig":{"functionCallingConfig":{"mode":"ANY"}},`), "function_calling_config.mode: specified without function_declarations", "", ""},
		{"inline data that is not base64", parts(`{"inlineData":{"mimeType":"image/png","data":"not base64!"}}`), "Invalid value at 'contents[0].parts[0].inline_data.data' (TYPE_BYTES), Base64 decoding failed", "", ""},
		{"inline data without its type", parts(`{"inlineData":{"data":"` + png1x1 + `"}}`), "inline_data.mime_type: mime_type is not specified", "", ""},
		{"a part of text and an image", parts(`{"text":"hi","inlineData":{"mimeType":"image/png","data":"` + png1x1 + `"}}`), "oneof field 'data' is already set. Cannot set 'inlineData'", "", ""},
		{"a part with a stray field", parts(`{"text":"hi","image":"cat.png"}`), `Unknown name "image" at 'contents[0].parts[0]'`, "", ""},
		{"a file without its URI", parts(`{"fileData":{"mimeType":"video/mp4"}}`), "file_data.file_uri: file_uri is not specified", "", ""},
	})
}

func TestOpenAIRequestShapes(t *testing.T) {
	tools := `"tools":[{"type":"function","function":{"name":"get_weather"}}],`
	with := func(extra string) string {
		return `{"model":"m",` + extra + `"messages":[{"role":"developer","content":"Answer in JSON."},{"role":"user","content":"hi"}]}`
	}
	saying := func(parts string) string {
		return `{"model":"m","messages":[{"role":"user","content":[` + parts + `]}]}`
	}
	image := func(url string) string {
		return `{"type":"image_url","image_url":{"url":"` + url + `","detail":"low"}}`
	}
	schema := func(js string) string {
		return with(`"response_format":{"type":"json_schema","json_schema":` + js + `},`)
	}
	checkShapes(t, "/v1/chat/completions", openAIHeaders, isOpenAIError, []shapeCase{
		{"every sampling and bookkeeping field", with(`"stop":"END","top_p":0.5,"seed":7,"n":2,"user":"u","reasoning_effort":"xhigh","frequency_penalty":-1.5,` +
			`"presence_penalty":2,"logit_bias":{"50256":-100},"metadata":{"team":"a"},"store":true,"service_tier":"flex","verbosity":"low",` +
			`"prompt_cache_key":"k","safety_identifier":"s",`), "", "", ""},
		{"four stops", with(`"stop":["a","b","c","d"],`), "", "", ""},
		{"parallel calls beside tools", with(tools + `"parallel_tool_calls":false,`), "", "", ""},
		{"a text format", with(`"response_format":{"type":"text"},`), "", "", ""},
		{"a JSON object, JSON named in the messages", with(`"response_format":{"type":"json_object"},`), "", "", ""},
		{"a JSON schema", schema(`{"name":"weather_v-1","schema":{"type":"object"},"strict":true,"description":"d"}`), "", "", ""},
		{"each tool choice", with(tools + `"tool_choice":"required",`), "", "", ""},
		{"a named tool", with(tools + `"tool_choice":{"type":"function","function":{"name":"get_weather"}},`), "", "", ""},
		{"no call, no tools", with(`"tool_choice":"none",`), "", "", ""},
		{"text and images by URL and data", saying(`{"type":"text","text":"What is it?"},` + image("https://example.com/cat.jpg") + `,` + image("data:image/png;base64,"+png1x1)), "", "", ""},

		{"five stops", with(`"stop":["a","b","c","d","e"],`), "array too long", "stop", "array_above_max_length"},
		{"a stop that is a number", with(`"stop":[1],`), "expected a string, but got an integer", "stop[0]", "invalid_type"},
		{"no answers", with(`"n":0,`), "integer below minimum value. Expected a value >= 1, but got 0", "n", "integer_below_min_value"},
		{"too many answers", with(`"n":129,`), "Expected a value <= 128", "n", "integer_above_max_value"},
		{"a fractional seed", with(`"seed":1.5,`), "expected an integer, but got a decimal", "seed", "invalid_type"},
		{"top_p as a word", with(`"top_p":"high",`), "expected a decimal, but got a string", "top_p", "invalid_type"},
		{"a penalty over 2", with(`"presence_penalty":3,`), "decimal above maximum value", "presence_penalty", "decimal_above_max_value"},
		{"an unknown effort", with(`"reasoning_effort":"ultra",`), "Invalid value: 'ultra'. Supported values are: 'none', 'minimal', 'low'", "reasoning_effort", "invalid_value"},
		{"an unknown verbosity", with(`"verbosity":"loud",`), "Supported values are: 'low', 'medium', and 'high'.", "verbosity", "invalid_value"},
		{"metadata that is not text", with(`"metadata":{"a":1},`), "expected a string, but got an integer", "metadata.a", "invalid_type"},
		{"parallel calls without tools", with(`"parallel_tool_calls":true,`), "'parallel_tool_calls' is only allowed when 'tools' are specified", "parallel_tool_calls", ""},
		{"an XML format", with(`"response_format":{"type":"xml"},`), "Invalid value: 'xml'", "response_format.type", "invalid_value"},
		{"a JSON object, JSON never named", `{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}`, "must contain the word 'json'", "messages", ""},
		{"a schema without a name", schema(`{"schema":{"type":"object"}}`), "Missing required parameter: 'response_format.json_schema.name'.", "response_format.json_schema.name", "missing_required_parameter"},
		{"a schema name with spaces", schema(`{"name":"my schema"}`), "string does not match pattern", "response_format.json_schema.name", "invalid_value"},
		{"a schema name too long", schema(`{"name":"` + strings.Repeat("a", 65) + `"}`), "string too long", "response_format.json_schema.name", "string_above_max_length"},
		{"a schema that is text", schema(`{"name":"w","schema":"object"}`), "expected an object, but got a string", "response_format.json_schema.schema", "invalid_type"},
		{"Anthropic's any as a tool choice", with(tools + `"tool_choice":"any",`), "Invalid value: 'any'", "tool_choice", "invalid_value"},
		{"a call required without tools", with(`"tool_choice":"required",`), "'tool_choice' is only allowed when 'tools' are specified", "tool_choice", ""},
		{"a named tool not listed", with(tools + `"tool_choice":{"type":"function","function":{"name":"get_time"}},`), "tool 'get_time' is not among the tools", "tool_choice", "invalid_value"},
		{"an image over FTP", saying(image("ftp://example.com/cat.jpg")), "Expected a valid URL", "messages[0].content[0].image_url.url", "invalid_value"},
		{"a data URL of text", saying(image("data:text/plain;base64,aGk=")), "unsupported MIME type 'text/plain'", "messages[0].content[0].image_url.url", "invalid_value"},
		{"a data URL of bad base64", saying(image("data:image/png;base64,not base64!")), "invalid base64 data", "messages[0].content[0].image_url.url", "invalid_value"},
		{"an unknown detail", saying(`{"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"max"}}`), "Invalid value: 'max'", "messages[0].content[0].image_url.detail", "invalid_value"},
		{"an image URL as a string", saying(`{"type":"image_url","image_url":"https://example.com/cat.jpg"}`), "expected an object, but got a string", "messages[0].content[0].image_url", "invalid_type"},
		{"an image in a system message", `{"model":"m","messages":[{"role":"system","content":[` + image("https://example.com/cat.jpg") + `]},{"role":"user","content":"hi"}]}`,
			"Supported values are: 'text'.", "messages[0].content[0].type", "invalid_value"},
		{"a text part without text", saying(`{"type":"text"}`), "Missing required parameter: 'messages[0].content[0].text'.", "messages[0].content[0].text", "missing_required_parameter"},
	})
}
