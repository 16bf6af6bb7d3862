package routing

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestRefusesMatrix is what each client refuses, and what it takes, by
// model and request: the table of refusals in docs/api.md, "How a chat request reaches each provider".
func TestRefusesMatrix(t *testing.T) {
	claude := &Model{ID: "claude-test", MaxTemperature: 1}
	claude5 := &Model{ID: "claude-5-test", NoTemperature: true, AdaptiveThinking: true}
	flash := &Model{ID: "gemini-2.5-test"}
	lite := &Model{ID: "gemini-2.5-lite-test", DisableThinking: true}
	three := &Model{ID: "gemini-3-test", ThinkingLevel: true}
	gpt := &Model{ID: "gpt-test"}
	mini := &Model{ID: "gpt-mini-test", ReasoningEffort: "low"}
	reasoning := &Model{ID: "gpt-5-test", Reasoning: true}
	urlImage := []Message{{Role: RoleUser, Parts: []Part{{Image: &Image{URL: "https://example.com/a.png"}}}}}
	dataImage := []Message{{Role: RoleUser, Parts: inlineOnly}}
	openAIExtra := &Extra{Protocol: "openai", Fields: []ExtraField{{"logit_bias", json.RawMessage(`{}`)}}}
	stops := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = "END"
		}
		return s
	}
	clients := map[string]Client{"anthropic": NewAnthropic("", nil), "gemini": NewGemini("", nil), "openai": NewOpenAI("", nil)}
	with := func(opt func(*Request)) Request {
		req := Request{Prompt: "Hi", MaxTokens: 4096}
		opt(&req)
		return req
	}
	for _, tc := range []struct {
		protocol string
		model    *Model
		req      Request
		stream   bool
		want     string // the field refused; "" for none
	}{
		{"anthropic", claude, with(func(r *Request) { r.Seed = new(int64(1)) }), false, "seed"},
		{"anthropic", claude, with(func(r *Request) { r.Choices = 2 }), false, "choices"},
		{"anthropic", claude, with(func(r *Request) { r.Format = &Format{Type: FormatJSON} }), false, "format"},
		{"anthropic", claude, with(func(r *Request) { r.Format = schema }), false, ""},
		{"anthropic", claude, with(func(r *Request) { r.Temperature, r.TopP = new(0.5), new(0.9) }), false, "top_p"},
		{"anthropic", claude, with(func(r *Request) { r.TopP = new(0.9) }), false, ""},
		{"anthropic", claude5, with(func(r *Request) { r.Temperature, r.TopP = new(0.5), new(0.9) }), false, ""}, // neither is sent
		{"anthropic", claude, with(func(r *Request) { r.Temperature, r.TopP, r.Thinking = new(0.5), new(0.9), true }), false, ""},
		{"anthropic", claude, with(func(r *Request) { r.Effort, r.MaxTokens = EffortLow, 2047 }), false, "effort"},
		{"anthropic", claude, with(func(r *Request) { r.Effort, r.MaxTokens = EffortLow, 2048 }), false, ""},
		{"anthropic", claude5, with(func(r *Request) { r.Effort, r.MaxTokens = EffortLow, 100 }), false, ""},
		{"anthropic", claude, with(func(r *Request) { r.ThinkingBudget = 1000 }), false, "effort"},
		{"anthropic", claude5, with(func(r *Request) { r.ThinkingBudget = 1000 }), false, ""},
		{"anthropic", claude, with(func(r *Request) { r.Effort = EffortNone }), false, ""},
		{"anthropic", claude, with(func(r *Request) { r.Thinking, r.MaxTokens = true, 100 }), false, ""}, // served without
		{"anthropic", claude, with(func(r *Request) {
			r.Effort, r.Tools, r.ToolChoice = EffortHigh, twoTools, ToolChoice{Mode: ToolRequired}
		}), false, "tool_choice"},
		{"anthropic", claude5, with(func(r *Request) {
			r.Effort, r.Tools, r.ToolChoice = EffortHigh, twoTools, ToolChoice{Mode: ToolNamed, Name: "now"}
		}), false, "tool_choice"},
		{"anthropic", claude, with(func(r *Request) { r.Effort, r.Tools, r.ToolChoice = EffortHigh, twoTools, ToolChoice{Mode: ToolAuto} }), false, ""},
		{"anthropic", claude, with(func(r *Request) { r.Thinking, r.Tools, r.ToolChoice = true, twoTools, ToolChoice{Mode: ToolRequired} }), false, ""},
		{"anthropic", claude, with(func(r *Request) { r.Tools, r.SerialToolCalls = twoTools, true }), true, ""},
		{"anthropic", claude, with(func(r *Request) { r.Stop = stops(10) }), false, ""},
		{"anthropic", claude, Request{Messages: urlImage, MaxTokens: 10}, false, ""},
		{"anthropic", claude, with(func(r *Request) { r.Tools = []Tool{{Name: "now", Strict: true}} }), false, ""},
		{"anthropic", claude, with(func(r *Request) { r.User = "u42" }), false, ""},
		{"anthropic", claude, with(func(r *Request) { r.Extra = openAIExtra }), false, "extra:logit_bias"},
		{"anthropic", claude, with(func(r *Request) {
			r.Extra = &Extra{Protocol: "anthropic", Fields: []ExtraField{{"top_k", json.RawMessage(`5`)}}}
		}), false, ""},

		{"gemini", flash, Request{Messages: urlImage, MaxTokens: 10}, false, "image_url"},
		{"gemini", flash, Request{Messages: dataImage, MaxTokens: 10}, false, ""},
		{"gemini", flash, with(func(r *Request) { r.Tools, r.SerialToolCalls = twoTools, true }), false, "serial_tool_calls"},
		{"gemini", flash, with(func(r *Request) { r.SerialToolCalls = true }), false, ""}, // nothing to serialize
		{"gemini", flash, with(func(r *Request) { r.Tools = []Tool{{Name: "now", Strict: true}} }), false, "strict_tools"},
		{"gemini", three, with(func(r *Request) { r.Effort = EffortNone }), false, "effort"},
		{"gemini", flash, with(func(r *Request) { r.Effort = EffortNone }), false, "effort"},
		{"gemini", lite, with(func(r *Request) { r.Effort = EffortNone }), false, ""},
		{"gemini", flash, with(func(r *Request) { r.Effort, r.MaxTokens = EffortHigh, 2047 }), false, "effort"},
		{"gemini", three, with(func(r *Request) { r.Effort, r.MaxTokens = EffortHigh, 100 }), false, ""},
		{"gemini", flash, with(func(r *Request) { r.ThinkingBudget, r.MaxTokens = 100, 200 }), false, ""},
		{"gemini", flash, with(func(r *Request) { r.Stop = stops(6) }), false, "stop"},
		{"gemini", flash, with(func(r *Request) { r.Stop = stops(5) }), false, ""},
		{"gemini", flash, with(func(r *Request) { r.Choices = 2 }), true, "choices"},
		{"gemini", flash, with(func(r *Request) { r.Choices = 2 }), false, ""},
		{"gemini", flash, with(func(r *Request) { r.Tools, r.Format = twoTools, &Format{Type: FormatJSON} }), false, "format"},
		{"gemini", three, with(func(r *Request) { r.Tools, r.Format = twoTools, schema }), false, ""},
		{"gemini", flash, with(func(r *Request) { r.Seed, r.User, r.TopP = new(int64(1)), "u42", new(0.9) }), false, ""},
		{"gemini", flash, with(func(r *Request) { r.Tools, r.ToolChoice = twoTools, ToolChoice{Mode: ToolNamed, Name: "now"} }), true, ""},
		{"gemini", flash, with(func(r *Request) { r.Extra = openAIExtra }), false, "extra:logit_bias"},

		{"openai", gpt, with(func(r *Request) { r.Effort = EffortLow }), false, "effort"},
		{"openai", gpt, with(func(r *Request) { r.ThinkingBudget = 2000 }), false, "effort"},
		{"openai", gpt, with(func(r *Request) { r.Effort = EffortNone }), false, ""},
		{"openai", gpt, with(func(r *Request) { r.Thinking = true }), false, ""}, // served without
		{"openai", mini, with(func(r *Request) { r.Effort = EffortHigh }), false, ""},
		{"openai", reasoning, with(func(r *Request) { r.ThinkingBudget = 2000 }), false, ""},
		{"openai", gpt, with(func(r *Request) { r.Stop = stops(5) }), false, "stop"},
		{"openai", gpt, with(func(r *Request) { r.Stop = stops(4) }), false, ""},
		{"openai", gpt, with(func(r *Request) { r.Choices = 2 }), true, "choices"},
		{"openai", gpt, with(func(r *Request) { r.Choices = 2 }), false, ""},
		{"openai", gpt, with(func(r *Request) {
			r.Seed, r.Format, r.Tools, r.SerialToolCalls = new(int64(1)), schema, twoTools, true
		}), true, ""},
		{"openai", gpt, Request{Messages: urlImage, MaxTokens: 10}, false, ""},
		{"openai", gpt, with(func(r *Request) { r.Format = &Format{Type: FormatJSON} }), false, "format"},
		{"openai", gpt, with(func(r *Request) { r.Format, r.System = &Format{Type: FormatJSON}, "Answer in Json." }), false, ""},
		{"openai", gpt, with(func(r *Request) {
			r.Prompt, r.Messages, r.Format = "", []Message{{Role: RoleUser, Parts: []Part{{Text: "As JSON:"}, {Image: &Image{URL: "https://example.com/a.png"}}}}}, &Format{Type: FormatJSON}
		}), false, ""},
		{"openai", gpt, with(func(r *Request) { r.Format = schema }), false, ""},
		{"openai", gpt, with(func(r *Request) {
			r.Extra = &Extra{Protocol: "gemini", Fields: []ExtraField{{"safetySettings", json.RawMessage(`[]`)}}}
		}), false, "extra:safetySettings"},
		{"openai", gpt, with(func(r *Request) { r.Extra = openAIExtra }), false, ""},
	} {
		err := clients[tc.protocol].Refuses(tc.model, tc.req, tc.stream)
		u, refused := errors.AsType[*UnsupportedError](err)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %s %+v (stream %v): refused: %v", tc.protocol, tc.model.ID, tc.req, tc.stream, err)
		case tc.want == "":
		case !refused || u.Field != tc.want || u.Reason == "" || !errors.Is(err, ErrUnsupported):
			t.Errorf("%s %s %+v (stream %v): %v, want %s refused", tc.protocol, tc.model.ID, tc.req, tc.stream, err, tc.want)
		}
	}
}

// A client refuses what it cannot serve before calling out, even when
// called without the router.
func TestClientsRefuseBeforeCallingOut(t *testing.T) {
	srv := fakeSender{newFake(t)}
	for protocol, req := range map[string]Request{
		"anthropic": {Prompt: "Hi", MaxTokens: 10, Seed: new(int64(1))},
		"gemini":    {Messages: []Message{{Role: RoleUser, Parts: []Part{{Image: &Image{URL: "https://example.com/a.png"}}}}}, MaxTokens: 10},
		"openai":    {Prompt: "Hi", MaxTokens: 10, Effort: EffortHigh},
	} {
		body, err := srv.send(t, protocol, &Model{ID: "m"}, req, false)
		if _, ok := errors.AsType[*UnsupportedError](err); !ok || body.Exists() {
			t.Errorf("%s: %v, body %s", protocol, err, body.Raw)
		}
	}
}
