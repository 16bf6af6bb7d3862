package routing

import (
	"encoding/json"
	"testing"
)

// renderCase is a request and the fields it must be sent with: each gjson
// path's raw JSON, "" for a field that must be left out.
type renderCase struct {
	name  string
	model *Model
	req   Request
	want  map[string]string
}

// withPrompt is a small call with opt applied.
func withPrompt(opt func(*Request)) Request {
	req := Request{Prompt: "Hi", MaxTokens: 8192}
	opt(&req)
	return req
}

var (
	picture    = []Part{{Text: "What is it?"}, {Image: &Image{URL: "https://example.com/a.png", Detail: "low"}}, {Image: &Image{MediaType: "image/png", Base64: "AQID"}}}
	inlineOnly = []Part{{Text: "What is it?"}, {Image: &Image{MediaType: "image/png", Base64: "AQID"}}}
	schema     = &Format{Type: FormatSchema, Name: "city", Description: "A city.", Schema: json.RawMessage(`{"type":"object"}`), Strict: true}
	twoTools   = []Tool{weatherTool, {Name: "now"}}
)

func runRenderCases(t *testing.T, protocol string, cases []renderCase) {
	t.Helper()
	srv := fakeSender{newFake(t)}
	for _, tc := range cases {
		for _, stream := range []bool{false, true} {
			body, err := srv.send(t, protocol, tc.model, tc.req, stream)
			if err != nil {
				t.Errorf("%s (stream %v): %v", tc.name, stream, err)
				continue
			}
			for path, want := range tc.want {
				if got := body.Get(path).Raw; got != want {
					t.Errorf("%s (stream %v): %s is %s, want %s\n%s", tc.name, stream, path, got, want, body.Raw)
				}
			}
		}
	}
}

func TestAnthropicRendersTheRequest(t *testing.T) {
	plain := &Model{ID: "claude-test", MaxTemperature: 1}
	adaptive := &Model{ID: "claude-5-test", NoTemperature: true, AdaptiveThinking: true}
	runRenderCases(t, ProtocolAnthropic, []renderCase{
		{"images by URL and by bytes", plain, Request{Messages: []Message{{Role: RoleUser, Parts: picture}}, MaxTokens: 100}, map[string]string{
			"messages.0.content": `[{"type":"text","text":"What is it?"},{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AQID"}}]`}},
		{"parts after tool results", plain, Request{Messages: append(agentConversation(nil)[:2:2],
			Message{Role: RoleUser, Parts: inlineOnly, ToolResults: []ToolResult{{CallID: "call_1", Output: "68F"}, {CallID: "call_2", Output: "12C"}}}), Tools: twoTools, MaxTokens: 100},
			map[string]string{"messages.2.content.#.type": `["tool_result","tool_result","text","image"]`}},
		{"sampling and stops", plain, withPrompt(func(r *Request) { r.TopP, r.Stop = new(0.9), []string{"END", "STOP"} }), map[string]string{
			"top_p": `0.9`, "temperature": ``, "stop_sequences": `["END","STOP"]`}},
		{"no top_p to a model refusing sampling", adaptive, withPrompt(func(r *Request) { r.TopP = new(0.9) }), map[string]string{"top_p": ``}},
		{"a schema", plain, withPrompt(func(r *Request) { r.Format = schema }), map[string]string{
			"output_config": `{"format":{"type":"json_schema","schema":{"type":"object"}}}`}},
		{"the end user", plain, withPrompt(func(r *Request) { r.User = "u42" }), map[string]string{"metadata": `{"user_id":"u42"}`}},
		{"tool choice auto", plain, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolAuto} }), map[string]string{"tool_choice": `{"type":"auto"}`}},
		{"tool choice none", plain, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolNone} }), map[string]string{"tool_choice": `{"type":"none"}`}},
		{"tool choice required", plain, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolRequired} }), map[string]string{"tool_choice": `{"type":"any"}`}},
		{"a named tool", plain, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolNamed, Name: "now"} }), map[string]string{"tool_choice": `{"type":"tool","name":"now"}`}},
		{"serial tool calls", plain, withPrompt(func(r *Request) { r.Tools, r.SerialToolCalls = twoTools, true }), map[string]string{
			"tool_choice": `{"type":"auto","disable_parallel_tool_use":true}`}},
		{"serial tool calls, one required", plain, withPrompt(func(r *Request) {
			r.Tools, r.SerialToolCalls, r.ToolChoice = twoTools, true, ToolChoice{Mode: ToolRequired}
		}),
			map[string]string{"tool_choice": `{"type":"any","disable_parallel_tool_use":true}`}},
		{"serial tool calls, none", plain, withPrompt(func(r *Request) {
			r.Tools, r.SerialToolCalls, r.ToolChoice = twoTools, true, ToolChoice{Mode: ToolNone}
		}),
			map[string]string{"tool_choice": `{"type":"none"}`}},
		{"no tool choice without tools", plain, withPrompt(func(r *Request) { r.ToolChoice, r.SerialToolCalls = ToolChoice{Mode: ToolAuto}, true }), map[string]string{"tool_choice": ``}},
		{"a strict tool", plain, withPrompt(func(r *Request) { r.Tools = []Tool{{Name: "now", Strict: true}} }), map[string]string{"tools.0.strict": `true`}},
		{"effort low on a budget", plain, withPrompt(func(r *Request) { r.Effort = EffortLow }), map[string]string{
			"thinking": `{"type":"enabled","budget_tokens":1024}`, "output_config": ``}},
		{"effort medium on a budget", plain, withPrompt(func(r *Request) { r.Effort = EffortMedium }), map[string]string{"thinking": `{"type":"enabled","budget_tokens":4096}`}},
		{"effort high, capped at half max tokens", plain, withPrompt(func(r *Request) { r.Effort = EffortHigh }), map[string]string{"thinking": `{"type":"enabled","budget_tokens":4096}`}},
		{"effort high, room for it", plain, withPrompt(func(r *Request) { r.Effort, r.MaxTokens = EffortHigh, 40000 }), map[string]string{"thinking": `{"type":"enabled","budget_tokens":16384}`}},
		{"effort none over Thinking", plain, withPrompt(func(r *Request) { r.Effort, r.Thinking, r.Temperature = EffortNone, true, new(0.5) }), map[string]string{
			"thinking": ``, "temperature": `0.5`}},
		{"effort minimal, adaptive", adaptive, withPrompt(func(r *Request) { r.Effort = EffortMinimal }), map[string]string{
			"thinking": `{"type":"adaptive"}`, "output_config": `{"effort":"low"}`}},
		{"effort high, adaptive, with a schema", adaptive, withPrompt(func(r *Request) { r.Effort, r.Format = EffortHigh, schema }), map[string]string{
			"output_config": `{"effort":"high","format":{"type":"json_schema","schema":{"type":"object"}}}`}},
		{"a budget", plain, withPrompt(func(r *Request) { r.ThinkingBudget, r.Effort = 3000, EffortHigh }), map[string]string{"thinking": `{"type":"enabled","budget_tokens":3000}`}},
		{"a budget, adaptive", adaptive, withPrompt(func(r *Request) { r.ThinkingBudget = 3000 }), map[string]string{"thinking": `{"type":"adaptive"}`, "output_config": ``}},
		{"Thinking gives way to a forced call", plain, withPrompt(func(r *Request) { r.Thinking, r.Tools, r.ToolChoice = true, twoTools, ToolChoice{Mode: ToolRequired} }),
			map[string]string{"thinking": ``}},
		{"the front's own fields, after the client's", plain, withPrompt(func(r *Request) {
			r.Extra = &Extra{Protocol: "anthropic", Fields: []ExtraField{{"top_k", json.RawMessage(`5`)}, {"service_tier", json.RawMessage(`"auto"`)}}}
		}), map[string]string{"top_k": `5`, "service_tier": `"auto"`, "model": `"claude-test"`}},
	})
}

func TestGeminiRendersTheRequest(t *testing.T) {
	flash := &Model{ID: "gemini-2.5-test"}
	lite := &Model{ID: "gemini-2.5-lite-test", DisableThinking: true}
	three := &Model{ID: "gemini-3-test", ThinkingLevel: true}
	runRenderCases(t, ProtocolGemini, []renderCase{
		{"an image by its bytes", flash, Request{Messages: []Message{{Role: RoleUser, Parts: inlineOnly}}, MaxTokens: 100}, map[string]string{
			"contents.0.parts": `[{"text":"What is it?"},{"inlineData":{"mimeType":"image/png","data":"AQID"}}]`}},
		{"sampling, stops, seed", flash, withPrompt(func(r *Request) { r.TopP, r.Stop, r.Seed = new(0.9), []string{"END"}, new(int64(7)) }), map[string]string{
			"generationConfig.topP": `0.9`, "generationConfig.stopSequences": `["END"]`, "generationConfig.seed": `7`}},
		{"a JSON object", flash, withPrompt(func(r *Request) { r.Format = &Format{Type: FormatJSON} }), map[string]string{
			"generationConfig.responseMimeType": `"application/json"`, "generationConfig.responseJsonSchema": ``}},
		{"a schema", flash, withPrompt(func(r *Request) { r.Format = schema }), map[string]string{
			"generationConfig.responseMimeType": `"application/json"`, "generationConfig.responseJsonSchema": `{"type":"object"}`}},
		{"no end user: Gemini has no field for one", flash, withPrompt(func(r *Request) { r.User = "u42" }), map[string]string{"user": ``}},
		{"tool choice auto", flash, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolAuto} }), map[string]string{
			"toolConfig": `{"functionCallingConfig":{"mode":"AUTO"}}`}},
		{"tool choice none", flash, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolNone} }), map[string]string{
			"toolConfig": `{"functionCallingConfig":{"mode":"NONE"}}`}},
		{"tool choice required", flash, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolRequired} }), map[string]string{
			"toolConfig": `{"functionCallingConfig":{"mode":"ANY"}}`}},
		{"a named tool", flash, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolNamed, Name: "now"} }), map[string]string{
			"toolConfig": `{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["now"]}}`}},
		{"no tool config without tools", flash, withPrompt(func(r *Request) { r.ToolChoice = ToolChoice{Mode: ToolNone} }), map[string]string{"toolConfig": ``}},
		{"effort low, 2.5", flash, withPrompt(func(r *Request) { r.Effort = EffortLow }), map[string]string{
			"generationConfig.thinkingConfig": `{"thinkingBudget":1024,"includeThoughts":true}`}},
		{"effort medium, 2.5", flash, withPrompt(func(r *Request) { r.Effort, r.MaxTokens = EffortMedium, 40000 }), map[string]string{
			"generationConfig.thinkingConfig": `{"thinkingBudget":8192,"includeThoughts":true}`}},
		{"effort high, 2.5, capped at half max tokens", flash, withPrompt(func(r *Request) { r.Effort = EffortHigh }), map[string]string{
			"generationConfig.thinkingConfig": `{"thinkingBudget":4096,"includeThoughts":true}`}},
		{"effort high, 2.5, room for it", flash, withPrompt(func(r *Request) { r.Effort, r.MaxTokens = EffortHigh, 100000 }), map[string]string{
			"generationConfig.thinkingConfig": `{"thinkingBudget":24576,"includeThoughts":true}`}},
		{"effort none, a model that can stop thinking", lite, withPrompt(func(r *Request) { r.Effort, r.Thinking = EffortNone, true }), map[string]string{
			"generationConfig.thinkingConfig": `{"thinkingBudget":0}`}},
		{"a budget, 2.5", flash, withPrompt(func(r *Request) { r.ThinkingBudget = 3000 }), map[string]string{
			"generationConfig.thinkingConfig": `{"thinkingBudget":3000,"includeThoughts":true}`}},
		{"effort minimal, 3", three, withPrompt(func(r *Request) { r.Effort = EffortMinimal }), map[string]string{
			"generationConfig.thinkingConfig": `{"thinkingLevel":"low","includeThoughts":true}`}},
		{"effort medium, 3", three, withPrompt(func(r *Request) { r.Effort = EffortMedium }), map[string]string{
			"generationConfig.thinkingConfig": `{"thinkingLevel":"high","includeThoughts":true}`}},
		{"a small budget, 3", three, withPrompt(func(r *Request) { r.ThinkingBudget = 4096 }), map[string]string{
			"generationConfig.thinkingConfig": `{"thinkingLevel":"low","includeThoughts":true}`}},
		{"a large budget, 3", three, withPrompt(func(r *Request) { r.ThinkingBudget = 5000 }), map[string]string{
			"generationConfig.thinkingConfig": `{"thinkingLevel":"high","includeThoughts":true}`}},
		{"no thinking asked, 3: the model's default", three, withPrompt(func(*Request) {}), map[string]string{"generationConfig.thinkingConfig": ``}},
		{"JSON beside functions, 3", three, withPrompt(func(r *Request) { r.Tools, r.Format = twoTools, &Format{Type: FormatJSON} }), map[string]string{
			"generationConfig.responseMimeType": `"application/json"`}},
		{"the front's own fields", flash, withPrompt(func(r *Request) {
			r.Extra = &Extra{Protocol: "gemini", Fields: []ExtraField{{"safetySettings", json.RawMessage(`[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}]`)}}}
		}), map[string]string{"safetySettings.0.threshold": `"BLOCK_NONE"`}},
	})
	// Several candidates are not streamed (refused), so apart.
	srv := fakeSender{newFake(t)}
	body, err := srv.send(t, ProtocolGemini, flash, withPrompt(func(r *Request) { r.Choices = 3 }), false)
	if err != nil || body.Get("generationConfig.candidateCount").Raw != "3" {
		t.Fatalf("candidates: %v %s", err, body.Raw)
	}
}

func TestOpenAIRendersTheRequest(t *testing.T) {
	gpt := &Model{ID: "gpt-test"}
	reasoning := &Model{ID: "gpt-5-test", NoTemperature: true, MaxCompletionTokens: true, Reasoning: true}
	runRenderCases(t, ProtocolOpenAI, []renderCase{
		{"images by URL and by bytes", gpt, Request{Messages: []Message{{Role: RoleUser, Parts: picture}}, MaxTokens: 100}, map[string]string{
			"messages.0.content": `[{"type":"text","text":"What is it?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}},{"type":"image_url","image_url":{"url":"data:image/png;base64,AQID"}}]`}},
		{"parts after tool results", gpt, Request{Messages: append(agentConversation(nil)[:2:2],
			Message{Role: RoleUser, Parts: inlineOnly, ToolResults: []ToolResult{{CallID: "call_1", Output: "68F"}, {CallID: "call_2", Output: "12C"}}}), Tools: twoTools, MaxTokens: 100},
			map[string]string{"messages.#.role": `["user","assistant","tool","tool","user"]`, "messages.4.content.1.type": `"image_url"`}},
		{"sampling, stops, seed, user", gpt, withPrompt(func(r *Request) { r.TopP, r.Stop, r.Seed, r.User = new(0.9), []string{"END"}, new(int64(7)), "u42" }), map[string]string{
			"top_p": `0.9`, "stop": `["END"]`, "seed": `7`, "user": `"u42"`}},
		{"no top_p to a model refusing sampling", reasoning, withPrompt(func(r *Request) { r.TopP = new(0.9) }), map[string]string{"top_p": ``}},
		{"a JSON object", gpt, withPrompt(func(r *Request) { r.Prompt, r.Format = "Answer in JSON.", &Format{Type: FormatJSON} }), map[string]string{"response_format": `{"type":"json_object"}`}},
		{"a schema", gpt, withPrompt(func(r *Request) { r.Format = schema }), map[string]string{
			"response_format": `{"type":"json_schema","json_schema":{"name":"city","description":"A city.","schema":{"type":"object"},"strict":true}}`}},
		{"an unnamed schema", gpt, withPrompt(func(r *Request) { r.Format = &Format{Type: FormatSchema, Schema: json.RawMessage(`{"type":"object"}`)} }), map[string]string{
			"response_format": `{"type":"json_schema","json_schema":{"name":"response","schema":{"type":"object"}}}`}},
		{"tool choice auto", gpt, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolAuto} }), map[string]string{"tool_choice": `"auto"`}},
		{"tool choice none", gpt, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolNone} }), map[string]string{"tool_choice": `"none"`}},
		{"tool choice required", gpt, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolRequired} }), map[string]string{"tool_choice": `"required"`}},
		{"a named tool", gpt, withPrompt(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolNamed, Name: "now"} }), map[string]string{
			"tool_choice": `{"type":"function","function":{"name":"now"}}`}},
		{"serial tool calls", gpt, withPrompt(func(r *Request) { r.Tools, r.SerialToolCalls = twoTools, true }), map[string]string{"parallel_tool_calls": `false`}},
		{"no tool choice without tools", gpt, withPrompt(func(r *Request) { r.ToolChoice, r.SerialToolCalls = ToolChoice{Mode: ToolNone}, true }), map[string]string{
			"tool_choice": ``, "parallel_tool_calls": ``}},
		{"a strict tool", gpt, withPrompt(func(r *Request) { r.Tools = []Tool{{Name: "now", Strict: true}} }), map[string]string{"tools.0.function.strict": `true`}},
		{"effort as given", reasoning, withPrompt(func(r *Request) { r.Effort = EffortMinimal }), map[string]string{"reasoning_effort": `"minimal"`}},
		{"effort none", reasoning, withPrompt(func(r *Request) { r.Effort, r.Thinking = EffortNone, true }), map[string]string{"reasoning_effort": `"none"`}},
		{"effort none to a model that does not reason: nothing to turn off", gpt, withPrompt(func(r *Request) { r.Effort = EffortNone }), map[string]string{"reasoning_effort": ``}},
		{"Thinking to a reasoning model without a default", reasoning, withPrompt(func(r *Request) { r.Thinking = true }), map[string]string{"reasoning_effort": `"medium"`}},
		{"a small budget", reasoning, withPrompt(func(r *Request) { r.ThinkingBudget = 2048 }), map[string]string{"reasoning_effort": `"low"`}},
		{"a medium budget", reasoning, withPrompt(func(r *Request) { r.ThinkingBudget = 8192 - 1 }), map[string]string{"reasoning_effort": `"medium"`}},
		{"a large budget", reasoning, withPrompt(func(r *Request) { r.ThinkingBudget, r.MaxTokens = 8193, 20000 }), map[string]string{"reasoning_effort": `"high"`}},
		{"the front's own fields", gpt, withPrompt(func(r *Request) {
			r.Extra = &Extra{Protocol: "openai", Fields: []ExtraField{{"logit_bias", json.RawMessage(`{"50256":-100}`)}, {"store", json.RawMessage(`false`)}}}
		}), map[string]string{"logit_bias": `{"50256":-100}`, "store": `false`}},
	})
	srv := fakeSender{newFake(t)}
	body, err := srv.send(t, ProtocolOpenAI, gpt, withPrompt(func(r *Request) { r.Choices = 2 }), false)
	if err != nil || body.Get("n").Raw != "2" {
		t.Fatalf("n: %v %s", err, body.Raw)
	}
}
