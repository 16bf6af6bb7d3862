package compat

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing"
)

// chatBase is the least chat request; each case adds one field to it.
const chatBase = `{"model":"sonnet","messages":[{"role":"user","content":"Hi"}]`

func readChat(t *testing.T, body string) (*ChatRequest, *FieldError) {
	t.Helper()
	if !gjson.Valid(body) {
		t.Fatalf("test body is not JSON: %s", body)
	}
	return ReadChat(gjson.Parse(body))
}

// TestEveryChatFieldIsTranslatedOrRefused sends each field of OpenAI's
// chat completion request, one at a time, and fails if one is neither
// carried into the router's request nor refused naming it: a field the
// front dropped silently.
func TestEveryChatFieldIsTranslatedOrRefused(t *testing.T) {
	base, ferr := readChat(t, chatBase+"}")
	if ferr != nil {
		t.Fatal(ferr)
	}
	for field, value := range map[string]string{
		"audio":                 `{"voice":"alloy","format":"mp3"}`,
		"frequency_penalty":     `0.5`,
		"function_call":         `"auto"`,
		"functions":             `[{"name":"f"}]`,
		"logit_bias":            `{"50256":-100}`,
		"logprobs":              `true`,
		"max_completion_tokens": `100`,
		"max_tokens":            `100`,
		"metadata":              `{"k":"v"}`,
		"modalities":            `["text"]`,
		"n":                     `2`,
		"parallel_tool_calls":   `false`,
		"prediction":            `{"type":"content","content":"x"}`,
		"presence_penalty":      `0.5`,
		"prompt_cache_key":      `"k"`,
		"reasoning_effort":      `"low"`,
		"response_format":       `{"type":"json_object"}`,
		"safety_identifier":     `"u1"`,
		"seed":                  `7`,
		"service_tier":          `"flex"`,
		"stop":                  `["END"]`,
		"store":                 `true`,
		"stream":                `true`,
		"stream_options":        `{"include_usage":true}`,
		"temperature":           `0.2`,
		"tool_choice":           `"none"`,
		"tools":                 `[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]`,
		"top_logprobs":          `2`,
		"top_p":                 `0.9`,
		"user":                  `"u1"`,
		"verbosity":             `"low"`,
		"web_search_options":    `{}`,
		"kaine":                 `{"task_type":"summarize"}`,
		"a_field_from_tomorrow": `1`,
	} {
		body, without := chatBase+`,"`+field+`":`+value+"}", base
		if field == "parallel_tool_calls" || field == "tool_choice" {
			// They need tools: compare with the same request without them.
			withTools := chatBase + `,"tools":[{"type":"function","function":{"name":"f"}}]`
			body = withTools + `,"` + field + `":` + value + "}"
			without, _ = readChat(t, withTools+"}")
		}
		got, ferr := readChat(t, body)
		switch {
		case ferr != nil:
			if !strings.HasPrefix(ferr.Param, field) {
				t.Errorf("%s: refused naming %q, not the field: %v", field, ferr.Param, ferr)
			}
		case reflect.DeepEqual(got, without):
			t.Errorf("%s: accepted and dropped: the router's request is the same without it", field)
		}
	}
}

func TestChatTranslation(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want func(c *ChatRequest) bool
	}{
		{"system and developer join the system prompt", `{"model":"m","messages":[{"role":"system","content":"Be terse."},{"role":"developer","content":[{"type":"text","text":"No lists."}]},{"role":"user","content":"Hi"}]}`,
			func(c *ChatRequest) bool {
				return c.Request.System == "Be terse.\n\nNo lists." && len(c.Request.Messages) == 1 && c.Request.Messages[0].Text == "Hi"
			}},
		{"default max tokens", chatBase + "}", func(c *ChatRequest) bool { return c.Request.MaxTokens == DefaultMaxTokens }},
		{"max_completion_tokens", chatBase + `,"max_completion_tokens":77}`, func(c *ChatRequest) bool { return c.Request.MaxTokens == 77 }},
		{"a stop string", chatBase + `,"stop":"END"}`, func(c *ChatRequest) bool { return reflect.DeepEqual(c.Request.Stop, []string{"END"}) }},
		{"n", chatBase + `,"n":3}`, func(c *ChatRequest) bool { return c.Request.Choices == 3 }},
		{"xhigh goes to OpenAI only", chatBase + `,"reasoning_effort":"xhigh"}`, func(c *ChatRequest) bool {
			return c.Request.Effort == "" && c.Request.Extra.Protocol == "openai" && c.Request.Extra.Fields[0].Name == "reasoning_effort"
		}},
		{"effort", chatBase + `,"reasoning_effort":"medium"}`, func(c *ChatRequest) bool { return c.Request.Effort == routing.EffortMedium }},
		{"task type", chatBase + `,"kaine":{"task_type":"caption"}}`, func(c *ChatRequest) bool { return c.TaskType == "caption" }},
		{"json schema", chatBase + `,"response_format":{"type":"json_schema","json_schema":{"name":"city","schema":{"type":"object"},"strict":true}}}`,
			func(c *ChatRequest) bool {
				f := c.Request.Format
				return f.Type == routing.FormatSchema && f.Name == "city" && string(f.Schema) == `{"type":"object"}` && f.Strict
			}},
		{"text format is the default", chatBase + `,"response_format":{"type":"text"}}`, func(c *ChatRequest) bool { return c.Request.Format == nil }},
		{"named tool choice", chatBase + `,"tools":[{"type":"function","function":{"name":"f","strict":true}}],"tool_choice":{"type":"function","function":{"name":"f"}}}`,
			func(c *ChatRequest) bool {
				return c.Request.ToolChoice == routing.ToolChoice{Mode: routing.ToolNamed, Name: "f"} && c.Request.Tools[0].Strict
			}},
		{"image by URL and data", `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is it?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K"}}]}]}`,
			func(c *ChatRequest) bool {
				parts := c.Request.Messages[0].Parts
				return len(parts) == 3 && parts[0].Text == "What is it?" && parts[1].Image.URL == "https://example.com/a.png" && parts[1].Image.Detail == "low" &&
					parts[2].Image.MediaType == "image/png" && parts[2].Image.Base64 == "iVBORw0K" &&
					c.imageParam == "messages[0].content[1].image_url.url"
			}},
		{"a tool loop", `{"model":"m","tools":[{"type":"function","function":{"name":"get_weather"}}],"messages":[
			{"role":"user","content":"Weather in SF and Paris?"},
			{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"SF\"}"}},{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
			{"role":"tool","tool_call_id":"call_1","content":"68F"},
			{"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"55F"}]},
			{"role":"user","content":"Thanks"}]}`,
			func(c *ChatRequest) bool {
				m := c.Request.Messages
				return len(m) == 4 && len(m[1].ToolCalls) == 2 && string(m[1].ToolCalls[1].Input) == `{"city":"Paris"}` &&
					len(m[2].ToolResults) == 2 && m[2].ToolResults[1].Output == "55F" && m[3].Text == "Thanks"
			}},
		{"arguments that are not JSON stay the model's text", `{"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"x"},
			{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]},{"role":"tool","tool_call_id":"c","content":"e"}]}`,
			func(c *ChatRequest) bool { return string(c.Request.Messages[1].ToolCalls[0].Input) == `"{oops"` }},
	} {
		got, ferr := readChat(t, tc.body)
		if ferr != nil {
			t.Errorf("%s: %v", tc.name, ferr)
			continue
		}
		if !tc.want(got) {
			t.Errorf("%s: read %+v", tc.name, got.Request)
		}
	}
}

func TestChatRefusals(t *testing.T) {
	for _, tc := range []struct{ body, param string }{
		{`{"messages":[{"role":"user","content":"Hi"}]}`, "model"},
		{`{"model":"m","messages":[]}`, "messages"},
		{chatBase + `,"temperature":3}`, "temperature"},
		{chatBase + `,"n":9}`, "n"},
		{chatBase + `,"seed":1.5}`, "seed"},
		{chatBase + `,"stop":["a","b","c","d","e"]}`, "stop"},
		{chatBase + `,"max_tokens":10,"max_completion_tokens":20}`, "max_tokens"},
		{chatBase + `,"parallel_tool_calls":false}`, "parallel_tool_calls"},
		{chatBase + `,"stream_options":{"include_obfuscation":false}}`, "stream_options.include_obfuscation"},
		{chatBase + `,"response_format":{"type":"json_schema","json_schema":{"schema":{}}}}`, "response_format.json_schema.name"},
		{chatBase + `,"tools":[{"type":"web_search"}]}`, "tools[0].type"},
		{chatBase + `,"tool_choice":"any"}`, "tool_choice"},
		{chatBase + `,"kaine":{"route":"x"}}`, "kaine.route"},
		{`{"model":"m","messages":[{"role":"user","name":"bob","content":"Hi"}]}`, "messages[0].name"},
		{`{"model":"m","messages":[{"role":"function","content":"Hi"}]}`, "messages[0].role"},
		{`{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}`, "messages[0].content[0].type"},
		{`{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://example.com/a.png"}}]}]}`, "messages[0].content[0].image_url.url"},
		{`{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/tiff;base64,AAAA"}}]}]}`, "messages[0].content[0].image_url.url"},
		{`{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,***"}}]}]}`, "messages[0].content[0].image_url.url"},
		{`{"model":"m","messages":[{"role":"tool","content":"x"}]}`, "messages[0].tool_call_id"},
	} {
		_, ferr := readChat(t, tc.body)
		if ferr == nil || ferr.Param != tc.param {
			t.Errorf("%s: %v, want a refusal of %s", tc.body, ferr, tc.param)
		}
	}
}

func TestChatParamNamesTheRefusedField(t *testing.T) {
	c, _ := readChat(t, `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"x"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}`)
	for field, want := range map[string]string{"choices": "n", "effort": "reasoning_effort", "extra:logit_bias": "logit_bias",
		"image_url": "messages[0].content[1].image_url.url", "seed": "seed", "serial_tool_calls": "parallel_tool_calls",
		"strict_tools": "tools", "image": "messages", "tools": "tools"} {
		if got := c.Param(field); got != want {
			t.Errorf("%s: param %q, want %q", field, got, want)
		}
	}
}
