package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFakeAnswersEachWireFormat(t *testing.T) {
	fake := newFake(0, []int{100})
	for _, tc := range []struct {
		name, path, keyHeader, keyValue, body string
		wantEvents                            []string // the events' data, by prefix
	}{
		{"openai JSON", "/v1/chat/completions", "Authorization", "Bearer " + upstreamKey,
			`{"model":"gpt-5.4"}`, nil},
		{"openai stream", "/v1/chat/completions", "Authorization", "Bearer " + upstreamKey,
			`{"model":"gpt-5.4","stream":true}`, append(repeat(`{"id"`, 21), "[DONE]")},
		{"openai stream with usage", "/v1/chat/completions", "Authorization", "Bearer " + upstreamKey,
			`{"model":"gpt-5.4","stream":true,"stream_options":{"include_usage":true}}`, append(repeat(`{"id"`, 22), "[DONE]")},
		{"openai stream of the words asked for", "/v1/chat/completions", "Authorization", "Bearer " + upstreamKey,
			`{"model":"gpt-5.4","messages":[{"role":"user","content":"` + wordsPrompt(100) + `"}],"stream":true}`, append(repeat(`{"id"`, 101), "[DONE]")},
		{"anthropic JSON", "/v1/messages", "X-Api-Key", upstreamKey, `{"model":"claude-haiku-4-5"}`, nil},
		{"anthropic stream", "/v1/messages", "X-Api-Key", upstreamKey, `{"model":"claude-haiku-4-5","stream":true}`,
			append(append([]string{`{"type":"message_start"`, `{"type":"content_block_start"`}, repeat(`{"type":"content_block_delta"`, 20)...),
				`{"type":"content_block_stop"`, `{"type":"message_delta"`, `{"type":"message_stop"`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
			req.Header.Set(tc.keyHeader, tc.keyValue)
			w := httptest.NewRecorder()
			fake.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if tc.wantEvents == nil {
				if !json.Valid(w.Body.Bytes()) || !bytes.Contains(w.Body.Bytes(), []byte(`"usage":{`)) {
					t.Errorf("answer is not JSON with usage: %s", w.Body)
				}
				return
			}
			events := strings.Split(strings.TrimSuffix(w.Body.String(), "\n\n"), "\n\n")
			if len(events) != len(tc.wantEvents) {
				t.Fatalf("%d events, want %d:\n%s", len(events), len(tc.wantEvents), w.Body)
			}
			for i, event := range events {
				_, data, _ := strings.Cut(event, "data: ")
				if !strings.HasPrefix(data, tc.wantEvents[i]) || data != "[DONE]" && !json.Valid([]byte(data)) {
					t.Errorf("event %d data %q, want JSON starting %q", i, data, tc.wantEvents[i])
				}
			}
			usage := strings.Contains(w.Body.String(), `"choices":[],"usage":{`)
			if want := strings.Contains(tc.body, "include_usage"); usage != want {
				t.Errorf("usage chunk sent: %v, want %v", usage, want)
			}
		})
	}
}

func TestFakeRefusesALengthItHasNot(t *testing.T) {
	req := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(`{"messages":[{"role":"user","content":"`+wordsPrompt(7)+`"}],"stream":true}`))
	req.Header.Set("Authorization", "Bearer "+upstreamKey)
	w := httptest.NewRecorder()
	newFake(0, []int{100}).ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest {
		t.Errorf("status %d, body %s; want a 400", w.Code, w.Body)
	}
}

func TestFakeRefusesAWrongKey(t *testing.T) {
	req := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer kn_live_not_the_provider_key")
	w := httptest.NewRecorder()
	newFake(0, nil).ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "invalid_api_key") {
		t.Errorf("status %d, body %s; want a 401 invalid_api_key", w.Code, w.Body)
	}
}

func TestStreamTimesTheFirstEventAndNeedsTheEnd(t *testing.T) {
	server := httptest.NewServer(newFake(0, nil))
	defer server.Close()
	api := apis["anthropic"]
	tgt := testTarget(server.URL + api.path)
	tgt.header = http.Header{"X-Api-Key": {upstreamKey}}
	tgt.streamBodies, tgt.streamEnd = streamBodies(api.streamBody, []int{sentenceWords}), []byte(api.streamEnd)

	times, err := tgt.stream(context.Background(), sentenceWords)
	if err != nil {
		t.Fatal(err)
	}
	if times.firstEvent <= 0 || times.total < times.firstEvent {
		t.Errorf("first event %s, total %s", times.firstEvent, times.total)
	}
	tgt.streamEnd = []byte("event: never_sent")
	if _, err := tgt.stream(context.Background(), sentenceWords); err == nil || !strings.Contains(err.Error(), "never_sent") {
		t.Errorf("a stream without its end: %v, want an error naming it", err)
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
