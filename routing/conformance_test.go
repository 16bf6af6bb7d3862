package routing

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// conformance is how every client handles one field set on a request:
// refused naming refused, or sent where sent says (a gjson path that must
// be in the body, or "path == raw JSON" for its value). notSent lists the
// clients that deliberately send it nowhere, and why.
type conformance struct {
	set     func(*Request)
	refused string
	sent    map[string]string
	notSent map[string]string
}

// conformances covers every field of the request types a front fills. A
// field added to one of them fails TestEveryFieldIsSentOrRefused until it
// has a case here, and its clients send or refuse it.
var conformances = map[string]conformance{
	"Request.System": {set: func(r *Request) { r.System = "Be terse." },
		sent: map[string]string{"anthropic": `system`, "gemini": `systemInstruction`, "openai": `messages.0.role == "system"`}},
	"Request.Prompt": {set: func(r *Request) { r.Prompt = "Say hi" },
		sent: map[string]string{"anthropic": `messages.0.content == "Say hi"`, "gemini": `contents.0.parts.0.text == "Say hi"`, "openai": `messages.0.content == "Say hi"`}},
	"Request.Messages": {set: func(r *Request) { r.Prompt, r.Messages = "", []Message{{Role: RoleUser, Text: "From messages"}} },
		sent: map[string]string{"anthropic": `messages.0.content == "From messages"`, "gemini": `contents.0.parts.0.text == "From messages"`, "openai": `messages.0.content == "From messages"`}},
	"Request.Tools": {set: func(r *Request) { r.Tools = []Tool{weatherTool} },
		sent: map[string]string{"anthropic": `tools.0.name`, "gemini": `tools.0.functionDeclarations.0.name`, "openai": `tools.0.function.name`}},
	"Request.ToolChoice": {set: func(r *Request) {
		r.Tools, r.ToolChoice = []Tool{weatherTool}, ToolChoice{Mode: ToolNamed, Name: "get_weather"}
	},
		sent: map[string]string{"anthropic": `tool_choice.name`, "gemini": `toolConfig.functionCallingConfig.allowedFunctionNames`, "openai": `tool_choice.function.name`}},
	"Request.SerialToolCalls": {set: func(r *Request) { r.Tools, r.SerialToolCalls = []Tool{weatherTool}, true }, refused: "serial_tool_calls",
		sent: map[string]string{"anthropic": `tool_choice.disable_parallel_tool_use == true`, "openai": `parallel_tool_calls == false`}},
	"Request.Thinking": {set: func(r *Request) { r.Thinking = true },
		sent: map[string]string{"anthropic": `thinking`, "gemini": `generationConfig.thinkingConfig.includeThoughts == true`, "openai": `reasoning_effort`}},
	"Request.Effort": {set: func(r *Request) { r.Effort = EffortHigh }, refused: "effort",
		sent: map[string]string{"anthropic": `thinking.budget_tokens`, "gemini": `generationConfig.thinkingConfig.thinkingBudget`, "openai": `reasoning_effort == "high"`}},
	"Request.ThinkingBudget": {set: func(r *Request) { r.ThinkingBudget = 2000 }, refused: "effort",
		sent: map[string]string{"anthropic": `thinking.budget_tokens == 2000`, "gemini": `generationConfig.thinkingConfig.thinkingBudget == 2000`, "openai": `reasoning_effort == "low"`}},
	"Request.MaxTokens": {set: func(r *Request) { r.MaxTokens = 4000 },
		sent: map[string]string{"anthropic": `max_tokens == 4000`, "gemini": `generationConfig.maxOutputTokens == 4000`, "openai": `max_tokens == 4000`}},
	"Request.Temperature": {set: func(r *Request) { r.Temperature = new(0.5) },
		sent: map[string]string{"anthropic": `temperature == 0.5`, "gemini": `generationConfig.temperature == 0.5`, "openai": `temperature == 0.5`}},
	"Request.TopP": {set: func(r *Request) { r.TopP = new(0.9) }, refused: "top_p",
		sent: map[string]string{"anthropic": `top_p == 0.9`, "gemini": `generationConfig.topP == 0.9`, "openai": `top_p == 0.9`}},
	"Request.Stop": {set: func(r *Request) { r.Stop = []string{"END"} }, refused: "stop",
		sent: map[string]string{"anthropic": `stop_sequences`, "gemini": `generationConfig.stopSequences`, "openai": `stop`}},
	"Request.Seed": {set: func(r *Request) { r.Seed = new(int64(7)) }, refused: "seed",
		sent: map[string]string{"gemini": `generationConfig.seed == 7`, "openai": `seed == 7`}},
	"Request.Choices": {set: func(r *Request) { r.Choices = 2 }, refused: "choices",
		sent: map[string]string{"gemini": `generationConfig.candidateCount == 2`, "openai": `n == 2`}},
	"Request.Format": {set: func(r *Request) { r.Format = schema }, refused: "format",
		sent: map[string]string{"anthropic": `output_config.format`, "gemini": `generationConfig.responseJsonSchema`, "openai": `response_format`}},
	"Request.checked": {set: func(r *Request) { r.checked = true },
		notSent: map[string]string{"anthropic": "Kaine's own: the router checked the request", "gemini": "Kaine's own: the router checked the request",
			"openai": "Kaine's own: the router checked the request"}},
	"Request.OwnTurns": {set: func(r *Request) { r.OwnTurns = true },
		notSent: map[string]string{"anthropic": "Kaine's own: whether it keeps the answer's turn", "gemini": "Kaine's own: whether it keeps the answer's turn",
			"openai": "Kaine's own: whether it keeps the answer's turn"}},
	"Request.User": {set: func(r *Request) { r.User = "u42" },
		sent:    map[string]string{"anthropic": `metadata.user_id == "u42"`, "openai": `user == "u42"`},
		notSent: map[string]string{"gemini": "Gemini has no end-user field; the user only helps abuse monitoring"}},
	"Request.Extra": {set: func(r *Request) {
		r.Extra = &Extra{Protocol: "openai", Fields: []ExtraField{{"logit_bias", json.RawMessage(`{"1":-100}`)}}}
	}, refused: "extra:logit_bias", sent: map[string]string{"openai": `logit_bias`}},

	"Format.Type": {set: func(r *Request) { r.Prompt, r.Format = "Answer in JSON.", &Format{Type: FormatJSON} }, refused: "format",
		sent: map[string]string{"gemini": `generationConfig.responseMimeType == "application/json"`, "openai": `response_format.type == "json_object"`}},
	"Format.Name": {set: func(r *Request) { r.Format = schema },
		sent:    map[string]string{"openai": `response_format.json_schema.name == "city"`},
		notSent: map[string]string{"anthropic": "a schema has no name there", "gemini": "a schema has no name there"}},
	"Format.Description": {set: func(r *Request) { r.Format = schema },
		sent:    map[string]string{"openai": `response_format.json_schema.description`},
		notSent: map[string]string{"anthropic": "a schema has no description there", "gemini": "a schema has no description there"}},
	"Format.Schema": {set: func(r *Request) { r.Format = schema },
		sent: map[string]string{"anthropic": `output_config.format.schema`, "gemini": `generationConfig.responseJsonSchema`, "openai": `response_format.json_schema.schema`}},
	"Format.Strict": {set: func(r *Request) { r.Format = schema },
		sent:    map[string]string{"openai": `response_format.json_schema.strict == true`},
		notSent: map[string]string{"anthropic": "it always holds the answer to the schema", "gemini": "it always holds the answer to the schema"}},

	"Tool.Name": {set: func(r *Request) { r.Tools = []Tool{{Name: "now"}} },
		sent: map[string]string{"anthropic": `tools.0.name == "now"`, "gemini": `tools.0.functionDeclarations.0.name == "now"`, "openai": `tools.0.function.name == "now"`}},
	"Tool.Description": {set: func(r *Request) { r.Tools = []Tool{weatherTool} },
		sent: map[string]string{"anthropic": `tools.0.description`, "gemini": `tools.0.functionDeclarations.0.description`, "openai": `tools.0.function.description`}},
	"Tool.Parameters": {set: func(r *Request) { r.Tools = []Tool{weatherTool} },
		sent: map[string]string{"anthropic": `tools.0.input_schema.required`, "gemini": `tools.0.functionDeclarations.0.parametersJsonSchema`, "openai": `tools.0.function.parameters`}},
	"Tool.Strict": {set: func(r *Request) { r.Tools = []Tool{{Name: "now", Strict: true}} }, refused: "strict_tools",
		sent: map[string]string{"anthropic": `tools.0.strict == true`, "openai": `tools.0.function.strict == true`}},

	"Part.Text": {set: withParts(Part{Text: "What is it?"}, Part{Image: &Image{MediaType: "image/png", Base64: "AQ=="}}),
		sent: map[string]string{"anthropic": `messages.0.content.0.text`, "gemini": `contents.0.parts.0.text`, "openai": `messages.0.content.0.text`}},
	"Part.Image": {set: withParts(Part{Image: &Image{MediaType: "image/png", Base64: "AQ=="}}),
		sent: map[string]string{"anthropic": `messages.0.content.0.source`, "gemini": `contents.0.parts.0.inlineData`, "openai": `messages.0.content.0.image_url`}},
	"Image.URL": {set: withParts(Part{Image: &Image{URL: "https://example.com/a.png"}}), refused: "image_url",
		sent: map[string]string{"anthropic": `messages.0.content.0.source.url`, "openai": `messages.0.content.0.image_url.url == "https://example.com/a.png"`}},
	"Image.MediaType": {set: withParts(Part{Image: &Image{MediaType: "image/png", Base64: "AQID"}}),
		sent: map[string]string{"anthropic": `messages.0.content.0.source.media_type == "image/png"`, "gemini": `contents.0.parts.0.inlineData.mimeType == "image/png"`,
			"openai": `messages.0.content.0.image_url.url == "data:image/png;base64,AQID"`}},
	"Image.Base64": {set: withParts(Part{Image: &Image{MediaType: "image/png", Base64: "AQID"}}),
		sent: map[string]string{"anthropic": `messages.0.content.0.source.data == "AQID"`, "gemini": `contents.0.parts.0.inlineData.data == "AQID"`,
			"openai": `messages.0.content.0.image_url.url == "data:image/png;base64,AQID"`}},
	"Image.Detail": {set: withParts(Part{Image: &Image{MediaType: "image/png", Base64: "AQ==", Detail: "low"}}),
		sent:    map[string]string{"openai": `messages.0.content.0.image_url.detail == "low"`},
		notSent: map[string]string{"anthropic": "OpenAI's resolution hint, which it has no field for", "gemini": "OpenAI's resolution hint, which it has no field for"}},
}

// withParts sets a user turn of parts.
func withParts(parts ...Part) func(*Request) {
	return func(r *Request) { r.Prompt, r.Messages = "", []Message{{Role: RoleUser, Parts: parts}} }
}

// The models the clients are called with: ones that take the most.
var conformanceModels = map[string]*Model{
	"anthropic": {ID: "claude-test"},
	"gemini":    {ID: "gemini-test"},
	"openai":    {ID: "gpt-test", Reasoning: true},
}

// TestEveryFieldIsSentOrRefused fails when a field a front may set is
// neither sent nor refused by a client: each is set alone, and each
// client, streaming or not, must name it in its refusal or send it.
func TestEveryFieldIsSentOrRefused(t *testing.T) {
	covered := map[string]bool{}
	for _, typ := range []any{Request{}, Format{}, Tool{}, Part{}, Image{}} {
		rt := reflect.TypeOf(typ)
		for f := range rt.Fields() {
			name := rt.Name() + "." + f.Name
			covered[name] = true
			if _, ok := conformances[name]; !ok {
				t.Errorf("%s has no conformance case: make each client send or refuse it, and add one", name)
			}
		}
	}
	srv := fakeSender{newFake(t)}
	for name, c := range conformances {
		if !covered[name] {
			t.Errorf("conformance case %s names no field", name)
		}
		for protocol, model := range conformanceModels {
			for _, stream := range []bool{false, true} {
				checkConformance(t, srv, name, c, protocol, model, stream)
			}
		}
	}
}

func checkConformance(t *testing.T, srv fakeSender, name string, c conformance, protocol string, model *Model, stream bool) {
	t.Helper()
	at := name + " at " + protocol
	if stream {
		at += " (stream)"
	}
	req := Request{Prompt: "Hi", MaxTokens: 4096}
	c.set(&req)
	body, err := srv.send(t, protocol, model, req, stream)
	if u, ok := errors.AsType[*UnsupportedError](err); ok {
		if c.refused == "" || !strings.HasPrefix(u.Field, c.refused) {
			t.Errorf("%s: refused as %q, want %q", at, u.Field, c.refused)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: %v", at, err)
		return
	}
	if _, deliberate := c.notSent[protocol]; deliberate {
		return
	}
	path, want, valued := strings.Cut(c.sent[protocol], " == ")
	got := body.Get(path)
	switch {
	case path == "":
		t.Errorf("%s: neither refused nor mapped to a field of the body", at)
	case !got.Exists():
		t.Errorf("%s: %s not sent: %s", at, path, body.Raw)
	case valued && got.Raw != want:
		t.Errorf("%s: %s is %s, want %s", at, path, got.Raw, want)
	}
}
