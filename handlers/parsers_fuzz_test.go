package handlers

// Fuzz targets for the request parsers of the v1 API and the drop-in
// routes (issue 9). Their seeds run with the ordinary tests; a real run is
//
//	go test -run XXX -fuzz '^FuzzLLMParams$' -fuzztime 5s ./handlers/

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"
	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/routing"
)

var fuzzProtocols = [...]string{"anthropic", "openai", "gemini"}

func fuzzProtocol(i uint8) string { return fuzzProtocols[int(i)%len(fuzzProtocols)] }

// POST /v1/llm: a body that passes llmParams is one the router can take,
// and an error never repeats the caller's provider key.
func FuzzLLMParams(f *testing.F) {
	for _, seed := range []string{
		`{"prompt":"Write a tagline for a bakery in Lisbon."}`,
		`{"prompt":"hi","stream":true,"max_tokens":80,"system":null}`,
		`{"prompt":"Summarize: the meeting moved to Friday.","task_type":"summarize","max_tokens":256,"temperature":0.2}`,
		`{"prompt":"Reply to this lead","provider":"anthropic","model":"claude-haiku-4-5","temperature":1.5,"stream":false}`,
		`{"prompt":"x","byo_key":"sk-ant-api03-abcdefghijklmnop","byo_provider":"anthropic"}`,
		`{"prompt":"x","byo_key":"sk ant"}`,
		`{"prompt":"x","byo_key":"sk-\u00e9"}`,
		`{"prompt":"x","max_tokens":1e300}`,
		`{"prompt":"x","max_tokens":1024.0,"temperature":0}`,
		`{"prompt":"x","max_tokens":-5,"temperature":"hot"}`,
		`{"prompt":"\ud800","system":"a\u0000b"}`,
		`{"prompt":42,"provider":["google"],"task_type":{"a":1}}`,
		` {"system":"You are terse.","prompt":"caption this","task_type":"caption","prompt":"twice"} `,
		`{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// The same gate as readObject: anything else is invalid_json.
		if !gjson.ValidBytes(body) {
			return
		}
		obj := gjson.ParseBytes(body)
		if !obj.IsObject() {
			return
		}
		fl := &fields{obj: obj}
		p := llmParams(fl)
		if fl.err != nil {
			if c := fl.err.code; c != CodeMissingFields && c != CodeInvalidField {
				t.Fatalf("error code %q for %q", c, body)
			}
			if fl.err.message == "" {
				t.Fatalf("an error without a message for %q", body)
			}
			checkKeyNotEchoed(t, obj, body, fl.err.message)
			return
		}
		r := p.Request
		if r.Prompt == "" || !utf8.ValidString(r.Prompt) {
			t.Fatalf("accepted prompt %q from %q", r.Prompt, body)
		}
		if r.MaxTokens < 1 || r.MaxTokens > maxMaxTokens {
			t.Fatalf("accepted max_tokens %d from %q", r.MaxTokens, body)
		}
		if r.Temperature == nil || !(*r.Temperature >= 0 && *r.Temperature <= 2) { // NaN fails too
			t.Fatalf("accepted temperature %v from %q", r.Temperature, body)
		}
		for name, s := range map[string]string{"system": r.System, "task_type": p.TaskType, "provider": p.Provider, "model": p.Model, "byo_provider": p.BYOKProvider} {
			if !utf8.ValidString(s) {
				t.Fatalf("accepted %s %q, not UTF-8, from %q", name, s, body)
			}
		}
		if _, given := fl.get("byo_key"); given && !headerSafe(p.BYOKKey) {
			t.Fatalf("accepted byo_key %q, not header-safe, from %q", p.BYOKKey, body)
		}
	})
}

// checkKeyNotEchoed reports an error message that depends on the value of
// byo_key: the message for the body with the key swapped for another of
// the same kind (not UTF-8, not header-safe, or fine) must be the same.
func checkKeyNotEchoed(t *testing.T, obj gjson.Result, body []byte, message string) {
	t.Helper()
	v, ok := (&fields{obj: obj}).get("byo_key")
	if !ok || v.Type != gjson.String || v.Index <= 0 || v.Index+len(v.Raw) > len(body) || !bytes.Equal(body[v.Index:v.Index+len(v.Raw)], []byte(v.Raw)) {
		return
	}
	// The replacement is of the same kind, so the same check refuses it.
	other := `"sk-other-key-0123456789"`
	switch {
	case !utf8.ValidString(v.Str):
		other = "\"other\xffkey\""
	case !headerSafe(v.Str):
		other = `"other key with spaces"`
	}
	swapped := append(append(append([]byte{}, body[:v.Index]...), other...), body[v.Index+len(v.Raw):]...)
	fl := &fields{obj: gjson.ParseBytes(swapped)}
	llmParams(fl)
	if fl.err == nil || fl.err.message != message {
		var got string
		if fl.err != nil {
			got = fl.err.message
		}
		t.Fatalf("the error for %q depends on byo_key:\n %q\nwith the key swapped:\n %q", body, message, got)
	}
}

// The drop-in routes read a provider's request body as the client sent it.
func FuzzInspectDropIn(f *testing.F) {
	for _, seed := range []struct {
		protocol uint8 // index into fuzzProtocols
		sub      string
		body     string
	}{
		{0, "/v1/messages", `{"model":"claude-haiku-4-5","max_tokens":1024,"messages":[{"role":"user","content":"Hello"}]}`},
		{0, "/v1/messages", `{"model":"claude-sonnet-4-6","max_tokens":64000,"stream":true,"thinking":{"type":"enabled","budget_tokens":10000},"system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]}`},
		{0, "/v1/messages", `{"model":"claude-haiku-4-5","tools":[{"name":"get_weather","input_schema":{}},{"type":"web_search_20250305","name":"web_search"}],"messages":[]}`},
		{0, "/v1/messages", `{"model":"a","model":"b"}`},
		{1, "/chat/completions", `{"model":"gpt-5.4","messages":[{"role":"user","content":"Hi"}],"stream":true}`},
		{1, "/chat/completions", `{"model":"gpt-5.4","max_tokens":10,"max_completion_tokens":50,"n":3,"service_tier":"priority"}`},
		{1, "/chat/completions", `{"model":"gpt-4.1-mini","stream":true,"stream_options":{"include_usage":false}}`},
		{1, "/chat/completions", `{"model":"gpt-4.1-mini","stream":true,"stream_options":{"include_obfuscation":false}}`},
		{1, "/chat/completions", ` {"stream":true, "stream_options" : null , "model":"m"}`},
		{1, "/chat/completions", `{"stream":true,"stream_options":{"include_usage":true},"model":"m"}`},
		{1, "/chat/completions", "{\n  \"messages\": [{\"role\":\"user\",\"content\":\"{\"}],\"stream\":true,\"model\":\"m\"\n}"},
		{1, "/chat/completions", `{"model":"m","stream":true,"stream_options":{"include_usage":false,"include_usage":true}}`},
		{1, "/responses", `{"model":"gpt-5.4","input":"Hi","max_output_tokens":300,"stream":true,"tools":[{"type":"web_search_preview"}]}`},
		{1, "/responses", `{"model":"gpt-5.4","input":"Hi","background":true}`},
		{2, "/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent", `{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"generationConfig":{"maxOutputTokens":99,"candidateCount":2}}`},
		{2, "/v1beta/models/gemini-3.8-flash:generateContent", `{"contents":[],"generation_config":{"max_output_tokens":5},"tools":[{"googleSearch":{}}]}`},
		{2, "/v1beta/models/gemini-3.8-flash:countTokens", `not json at all {`},
	} {
		f.Add(seed.protocol, seed.sub, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, protocolIndex uint8, sub string, body []byte) {
		protocol := fuzzProtocol(protocolIndex)
		info := inspectDropIn(protocol, sub, body)
		if info.maxTokens <= 0 {
			t.Fatalf("%s %q: maxTokens %d", protocol, body, info.maxTokens)
		}
		if info.choices < 1 {
			t.Fatalf("%s %q: choices %d", protocol, body, info.choices)
		}
		if protocol == "gemini" && strings.ContainsAny(info.model, "/:") {
			t.Fatalf("gemini %q: model %q", sub, info.model)
		}
		if protocol != "openai" {
			return
		}
		out, changed := askForUsage(body, info.streamOptions)
		if !changed && !bytes.Equal(out, body) {
			t.Fatalf("askForUsage(%q) changed the body to %q and said it had not", body, out)
		}
		// What meterDropIn can reach: a JSON object that names no key twice.
		root := gjson.ParseBytes(body)
		if !json.Valid(body) || !root.IsObject() || info.duplicate != "" {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("askForUsage(%q) = %q, not JSON", body, out)
		}
		again := inspectDropIn(protocol, sub, out)
		if again.streamOptions.Get("include_usage").Type != gjson.True {
			t.Fatalf("askForUsage(%q) = %q: include_usage is not true", body, out)
		}
		// Only the flag changed: what is metered is what is served.
		if again.duplicate != "" || again.model != info.model || again.stream != info.stream ||
			again.maxTokens != info.maxTokens || again.choices != info.choices || again.unmeterable != info.unmeterable {
			t.Fatalf("askForUsage(%q) = %q read as %+v; was %+v", body, out, again, info)
		}
	})
}

// Real streams of each provider, as the drop-in tap sees them.
const (
	fuzzAnthropicStream = "event: message_start\r\n" +
		`data: {"type":"message_start","message":{"id":"msg_01X","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":394,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}  }` + "\r\n\r\n" +
		"event: content_block_delta\r\n" +
		`data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}` + "\r\n\r\n" +
		"event: ping\r\n" + `data: {"type": "ping"}` + "\r\n\r\n" +
		"event: content_block_delta\r\n" +
		`data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello"}   }` + "\r\n\r\n" +
		"event: message_delta\r\n" +
		`data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":390,"cache_read_input_tokens":4,"output_tokens":15}}` + "\r\n\r\n" +
		"event: message_stop\r\n" + `data: {"type":"message_stop"       }` + "\r\n\r\n"
	fuzzOpenAIStream = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764300000,"model":"gpt-4.1-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null,"obfuscation":"xY"}` + "\n\n" +
		`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764300000,"model":"gpt-4.1-mini","choices":[{"index":0,"delta":{"content":"Hi."},"finish_reason":null}],"usage":null}` + "\n\n" +
		`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764300000,"model":"gpt-4.1-mini","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":3,"total_tokens":22,"prompt_tokens_details":{"cached_tokens":0}}}` + "\n\n" +
		"data: [DONE]\n\n"
	fuzzResponsesStream = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\",\"model\":\"gpt-5.4\",\"usage\":null}}\n\n" +
		"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":4,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\"}\n\n" +
		"event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":9,\"response\":{\"model\":\"gpt-5.4\",\"status\":\"completed\",\"usage\":{\"input_tokens\":12,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":0}}}}\n\n"
	fuzzGeminiStream = `data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]},"index":0}],"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash-lite","responseId":"r1"}` + "\r\n\r\n" +
		`data: {"candidates":[{"content":{"role":"model","parts":[{"text":"lo."}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":3,"totalTokenCount":11},"modelVersion":"gemini-2.5-flash-lite","responseId":"r1"}` + "\r\n\r\n"
)

// The SSE tap forwards any stream byte for byte, however it is split.
func FuzzParseEvent(f *testing.F) {
	for _, seed := range []struct {
		protocol uint8
		stream   string
	}{
		{0, fuzzAnthropicStream},
		{0, fuzzAnthropicStream[:strings.Index(fuzzAnthropicStream, "event: message_delta")+40]}, // cut mid-event
		{1, fuzzOpenAIStream},
		{1, fuzzResponsesStream},
		{1, ": keep-alive\n\nid: 7\nretry: 100\ndata: {\"choices\":[]}\n\n"},
		{2, fuzzGeminiStream},
		{2, "\xEF\xBB\xBFdata: a\ndata:b\ndata:  c\n\nevent: lonely\n\n\ndata: x"},
		{0, "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":5}}\r\r\n\n\r\n"},
	} {
		f.Add(seed.protocol, []byte(seed.stream))
	}
	f.Fuzz(func(t *testing.T, protocolIndex uint8, stream []byte) {
		protocol := fuzzProtocol(protocolIndex)
		name, data, ok := routing.ParseSSEEvent(nil, stream)
		if !ok && data != nil {
			t.Fatalf("ParseSSEEvent(%q): data %q without ok", stream, data)
		}
		if bytes.Contains(name, []byte("\n")) || len(data) > len(stream) {
			t.Fatalf("ParseSSEEvent(%q) = %q, %q", stream, name, data)
		}
		for _, split := range []struct {
			name string
			src  func(io.Reader) io.Reader // how the provider's bytes arrive
			dst  func(io.Reader) io.Reader // how the proxy reads the tap
		}{
			{"whole", func(r io.Reader) io.Reader { return r }, func(r io.Reader) io.Reader { return r }},
			{"one byte at a time", iotest.OneByteReader, iotest.OneByteReader},
			{"half reads", iotest.HalfReader, iotest.HalfReader},
		} {
			ex := &dropInExchange{meter: routing.NewMeter(protocol, "", false)}
			tap := newSSETap(io.NopCloser(split.src(bytes.NewReader(stream))), ex)
			out, err := io.ReadAll(split.dst(tap))
			if err != nil || !bytes.Equal(out, stream) {
				t.Fatalf("%s, %s: forwarded %q (err %v); want %q", protocol, split.name, out, err, stream)
			}
			if !ex.complete || ex.failed != nil {
				t.Fatalf("%s, %s: complete %v, failed %v after a clean end", protocol, split.name, ex.complete, ex.failed)
			}
			if ex.meter.GeneratedBytes() < 0 {
				t.Fatalf("%s, %s: generated %d bytes", protocol, split.name, ex.meter.GeneratedBytes())
			}
		}
	})
}

// A request is authenticated only with a key of the right shape that the
// store knows and has not revoked; every refusal is one of three fixed
// answers, so none can echo what was presented.
func FuzzBearerKey(f *testing.F) {
	db, err := bolt.Open(filepath.Join(f.TempDir(), "kaine.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		f.Fatal(err)
	}
	store, err := accounts.Open(db, accounts.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		if err := store.Close(); err != nil {
			f.Error(err)
		}
		db.Close()
	})
	user, err := store.CreateUser("fuzz", "fuzz@example.com", "starter")
	if err != nil {
		f.Fatal(err)
	}
	live, _, err := store.CreateKey(user.ID, "live", accounts.ScopeRead|accounts.ScopeWrite)
	if err != nil {
		f.Fatal(err)
	}
	revoked, revokedKey, err := store.CreateKey(user.ID, "revoked", accounts.ScopeRead)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := store.RevokeKey(revokedKey.ID); err != nil {
		f.Fatal(err)
	}
	api := &API{Errors: Errors{DocsURL: "https://keine.tech/api-docs"}, Auth: store}
	authenticate := func(authorization, sdkKey string, sdk bool) (*accounts.Identity, *httptest.ResponseRecorder, *http.Request) {
		r := &http.Request{Method: http.MethodPost, Header: http.Header{}}
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		if sdkKey != "" {
			r.Header.Set("X-Api-Key", sdkKey)
		}
		w := httptest.NewRecorder()
		return api.Authenticate(w, r, &Route{Method: http.MethodPost, Path: "/v1/llm", SDKKeys: sdk}), w, r
	}
	// The only answers a refusal may give, whatever was presented.
	refusals := map[string]bool{}
	for _, presented := range []string{"", "Bearer x", "Bearer " + revoked} {
		id, w, _ := authenticate(presented, "", false)
		if id != nil || w.Code != http.StatusUnauthorized {
			f.Fatalf("%q: identity %v, status %d", presented, id, w.Code)
		}
		refusals[w.Body.String()] = true
	}
	if len(refusals) != 3 {
		f.Fatalf("refusals: %v", refusals)
	}

	for _, seed := range []struct {
		authorization, sdkKey string
		sdk                   bool
	}{
		{"Bearer " + live, "", false},
		{"bearer  " + live + " \t", "", false},
		{"Bearer " + revoked, "", false},
		{"", live, true},
		{"", live, false},
		{"Bearer " + live[:len(live)-1], "", false},
		{"Bearer " + live + "0", "", false},
		{"Bearer kn_test_" + live[8:], "", false},
		{"Bearer kn_live_" + strings.Repeat("é", 16), "", false},
		{"Basic dXNlcjpwYXNz", "sk-ant-api03-xyz", true},
		{"Bearer", "", false},
		{"Bearer ", " " + live + " ", true},
		{"Token " + live, "", false},
	} {
		f.Add(seed.authorization, seed.sdkKey, seed.sdk)
	}
	f.Fuzz(func(t *testing.T, authorization, sdkKey string, sdk bool) {
		id, w, r := authenticate(authorization, sdkKey, sdk)
		key := BearerKey(r)
		if key != "" {
			v := r.Header.Get("Authorization")
			if !strings.EqualFold(v[:len("Bearer ")], "Bearer ") || key != strings.TrimSpace(v[len("Bearer "):]) {
				t.Fatalf("BearerKey(%q) = %q", v, key)
			}
		}
		presented := routeKey(r, &Route{SDKKeys: sdk})
		if id != nil {
			if !accounts.WellFormed(presented) || presented != live || w.Body.Len() != 0 {
				t.Fatalf("authenticated %q (Authorization %q, x-api-key %q, sdk %v)", presented, authorization, sdkKey, sdk)
			}
			return
		}
		if presented == live {
			t.Fatalf("refused the live key (Authorization %q, x-api-key %q, sdk %v): %s", authorization, sdkKey, sdk, w.Body)
		}
		if w.Code != http.StatusUnauthorized || !refusals[w.Body.String()] {
			t.Fatalf("Authorization %q, x-api-key %q: answered %d %s", authorization, sdkKey, w.Code, w.Body)
		}
	})
}
