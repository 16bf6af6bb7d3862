package handlers

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAskForUsageChangesOnlyTheFlag(t *testing.T) {
	for in, want := range map[string]string{
		`{"model":"m","stream":true}`:         `{"stream_options":{"include_usage":true},"model":"m","stream":true}`,
		`{}`:                                  `{"stream_options":{"include_usage":true}}`,
		`{"stream":true,"stream_options":{}}`: `{"stream":true,"stream_options":{"include_usage":true}}`,
		`{"stream":true,"stream_options":{"include_obfuscation":false}}`:                `{"stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false}}`,
		`{"stream":true,"stream_options":{"include_usage":false}}`:                      `{"stream":true,"stream_options":{"include_usage":true}}`,
		" \n {\"stream\":true,\"stream_options\":{}}":                                   " \n {\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
		`{"stream":true, "stream_options" : null }`:                                     `{"stream":true, "stream_options" : {"include_usage":true} }`,
		"{\n  \"messages\": [{\"role\":\"user\",\"content\":\"{\"}],\"stream\":true\n}": "{\"stream_options\":{\"include_usage\":true},\n  \"messages\": [{\"role\":\"user\",\"content\":\"{\"}],\"stream\":true\n}",
	} {
		got, changed := askForUsage([]byte(in), inspectDropIn("openai", "/chat/completions", []byte(in)).streamOptions)
		if string(got) != want || !changed || !json.Valid(got) {
			t.Errorf("askForUsage(%s)\n got %s (changed %v)\nwant %s", in, got, changed, want)
		}
	}
	in := `{"stream":true,"stream_options":{"include_usage":true}}`
	if got, changed := askForUsage([]byte(in), inspectDropIn("openai", "/chat/completions", []byte(in)).streamOptions); string(got) != in || changed {
		t.Errorf("a client that asked: %s, changed %v", got, changed)
	}
}

func TestInspectDropIn(t *testing.T) {
	c := inspectDropIn("gemini", "/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent", []byte(`{"generationConfig":{"maxOutputTokens":99}}`))
	if c.model != "gemini-2.5-flash-lite" || !c.stream || c.maxTokens != 99 {
		t.Fatalf("gemini: %+v", c)
	}
	c = inspectDropIn("openai", "/chat/completions", []byte(`{"model":"gpt-5.4","max_completion_tokens":50,"stream":true}`))
	if c.model != "gpt-5.4" || !c.stream || c.maxTokens != 50 {
		t.Fatalf("openai: %+v", c)
	}
	c = inspectDropIn("openai", "/chat/completions", []byte(`{"model":"gpt-5.4","max_tokens":10,"max_completion_tokens":50,"n":3,"service_tier":"priority"}`))
	if c.maxTokens != 50 || c.choices != 3 || !strings.Contains(c.unmeterable, "priority") {
		t.Fatalf("openai with n: %+v", c)
	}
	c = inspectDropIn("gemini", "/v1beta/models/g:generateContent", []byte(`{"generationConfig":{"candidateCount":2}}`))
	if c.choices != 2 || c.maxTokens != defaultDropInMaxTokens {
		t.Fatalf("gemini with candidateCount: %+v", c)
	}
	// A request cannot wrap its reservation around to nothing.
	c = inspectDropIn("openai", "/chat/completions", []byte(`{"model":"gpt-5.4","max_completion_tokens":4611686018427387904,"n":4000000000}`))
	if c.maxTokens != maxDropInTokens || c.choices != maxDropInChoices {
		t.Fatalf("huge asks: %+v", c)
	}
	c = inspectDropIn("anthropic", "/v1/messages", []byte(`{"model":"claude-haiku-4-5"}`))
	if c.maxTokens != defaultDropInMaxTokens {
		t.Fatalf("anthropic without max_tokens: %+v", c)
	}
}

// Features billed beyond the tokens are found; tools the caller runs are not
// such features.
func TestInspectFindsWhatTheTableCannotPrice(t *testing.T) {
	for _, c := range []struct{ protocol, body, want string }{
		{"anthropic", `{"tools":[{"name":"get_weather","input_schema":{}},{"type":"web_search_20250305","name":"web_search"}]}`, "web_search_20250305"},
		{"anthropic", `{"tools":[{"type":"bash_20250124","name":"bash"},{"name":"f","input_schema":{}}]}`, ""},
		{"openai", `{"tools":[{"type":"function","function":{"name":"f"}}]}`, ""},
		{"openai", `{"tools":[{"type":"function","name":"f"},{"type":"file_search","vector_store_ids":["vs_1"]}]}`, "file_search"},
		{"openai", `{"background":true}`, "background"},
		{"openai", `{"background":false,"service_tier":"flex"}`, ""},
		{"openai", `{"web_search_options":{}}`, "web_search_options"},
		{"gemini", `{"tools":[{"functionDeclarations":[{"name":"f"}]},{"googleSearch":{}}]}`, "googleSearch"},
		{"gemini", `{"tools":[{"codeExecution":{}},{"urlContext":{}}]}`, ""},
	} {
		got := inspectDropIn(c.protocol, "/v1beta/models/m:generateContent", []byte(c.body)).unmeterable
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s %s: unmeterable %q, want it to name %q", c.protocol, c.body, got, c.want)
		}
	}
}

func TestDuplicateKeysAreFound(t *testing.T) {
	for body, want := range map[string]string{
		`{"model":"a","model":"b"}`:                                       "model",
		`{"stream":false,"x":{"stream":1},"stream":true}`:                 "stream",
		`{"stream_options":{"include_usage":true,"include_usage":false}}`: "include_usage",
		`{"model":"a","messages":[{"role":"user"},{"role":"assistant"}]}`: "",
		`{"model":"a","mod\u0065l":"b"}`:                                  "model",
	} {
		if got := inspectDropIn("openai", "/chat/completions", []byte(body)).duplicate; got != want {
			t.Errorf("duplicate in %s = %q, want %q", body, got, want)
		}
	}
}
