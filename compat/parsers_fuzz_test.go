package compat

import (
	"testing"

	"github.com/tidwall/gjson"
)

// The fronts' request readers take any bytes an app sends: they must
// never panic, and what they accept must be a request the router can
// take (a model, a conversation, a bounded max tokens).

func FuzzReadChat(f *testing.F) {
	for _, seed := range []string{chatBase + "}",
		`{"model":"auto","stream":true,"stream_options":{"include_usage":true},"n":2,"stop":"x","seed":1,"messages":[{"role":"developer","content":[{"type":"text","text":"a"}]},{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}`,
		`{"model":"m","tools":[{"type":"function","function":{"name":"f","parameters":{}}}],"tool_choice":{"type":"function","function":{"name":"f"}},"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{"}}]},{"role":"tool","tool_call_id":"c","content":"r"}]}`,
		`{"model":"m","response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"object"}}},"kaine":{"task_type":"caption"},"logit_bias":{"1":2},"messages":[{"role":"user","content":"x"}]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		obj := gjson.Parse(body)
		if !gjson.Valid(body) || !obj.IsObject() {
			return
		}
		c, ferr := ReadChat(obj)
		if ferr != nil {
			if ferr.Message == "" {
				t.Fatalf("a refusal says nothing: %+v", ferr)
			}
			return
		}
		if c.Model == "" || len(c.Request.Messages) == 0 || c.Request.MaxTokens < 1 || c.Request.MaxTokens > MaxMaxTokens {
			t.Fatalf("accepted %q as %+v", body, c.Request)
		}
	})
}

func FuzzReadMessages(f *testing.F) {
	for _, seed := range []string{messagesBase + "}",
		`{"model":"m","max_tokens":10,"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"thinking":{"type":"enabled","budget_tokens":2048},"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},{"type":"text","text":"x"}]}]}`,
		`{"model":"m","max_tokens":10,"tools":[{"name":"f","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"kaine:a:b"},{"type":"tool_use","id":"t","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"r"}]}]}`,
	} {
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, body string, countOnly bool) {
		obj := gjson.Parse(body)
		if !gjson.Valid(body) || !obj.IsObject() {
			return
		}
		m, ferr := ReadMessages(obj, countOnly)
		if ferr != nil {
			if ferr.Message == "" {
				t.Fatalf("a refusal says nothing: %+v", ferr)
			}
			return
		}
		if m.Model == "" || len(m.Request.Messages) == 0 || m.Request.MaxTokens < 1 || m.Request.MaxTokens > MaxMaxTokens {
			t.Fatalf("accepted %q as %+v", body, m.Request)
		}
	})
}
