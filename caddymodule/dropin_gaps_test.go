package caddymodule

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	openaioption "github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// These tests cover drop-in behaviour the other drop-in tests leave out.

// The OpenAI Responses API through the official SDK: a plain and a
// streamed call, each metered from the usage the answer carried.
func TestOpenAIResponsesAPIThroughTheDropInRoute(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	client := openaiSDK(g, k.Key)
	ctx := context.Background()
	params := responses.ResponseNewParams{Model: "gpt-5.4-mini", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Say hi")}}

	u.openai.Enqueue(fakeupstream.Reply{Text: "Hi there.", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 200, CacheRead: 4000}})
	resp, err := client.Responses.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if resp.OutputText() != "Hi there." || resp.Usage.InputTokens != 5000 || resp.Usage.InputTokensDetails.CachedTokens != 4000 {
		t.Fatalf("response %+v", resp)
	}
	if seen := u.openai.Requests()[0]; seen.Path != "/v1/responses" || seen.Header.Get("Authorization") != "Bearer test-openai-key" {
		t.Fatalf("upstream saw %s with %v", seen.Path, seen.Header)
	}
	// gpt-5.4-mini: 1000 × $0.75 + 4000 × $0.075 + 200 × $4.50 per million = 1,950 µUSD.
	rec := g.lastRecord(k.UserID, 1, "/openai/v1/responses")
	if rec.Status != 200 || rec.Model != "gpt-5.4-mini" || rec.TokensIn != 5000 || rec.TokensOut != 200 || rec.Cost != 1950 || rec.Note != "" {
		t.Fatalf("audit record %+v", rec)
	}

	u.openai.Enqueue(fakeupstream.Reply{Chunks: []string{"Hel", "lo"}, Usage: fakeupstream.Usage{InputTokens: 100, OutputTokens: 20}})
	stream := client.Responses.NewStreaming(ctx, params)
	var text strings.Builder
	completed := false
	for stream.Next() {
		switch ev := stream.Current(); ev.Type {
		case "response.output_text.delta":
			text.WriteString(ev.Delta)
		case "response.completed":
			completed = ev.Response.Usage.OutputTokens == 20
		}
	}
	if err := stream.Err(); err != nil || text.String() != "Hello" || !completed {
		t.Fatalf("stream: %q completed %v, %v", text.String(), completed, err)
	}
	// 100 × $0.75 + 20 × $4.50 per million = 165 µUSD.
	rec = g.lastRecord(k.UserID, 2, "/openai/v1/responses")
	if rec.Status != 200 || rec.TokensIn != 100 || rec.TokensOut != 20 || rec.Cost != 165 || rec.Error != "" {
		t.Fatalf("stream audit record %+v", rec)
	}
}

// A Gemini stream the client cancels mid-way is billed for the input and
// the output delivered so far, and the cancel reaches the provider.
func TestDropInGeminiStreamCancelledByTheClientIsBilled(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")
	gate := make(chan struct{})
	defer close(gate)
	// The first event carries the cumulative usage so far: 100 prompt
	// tokens and 30 × 1/3 = 10 candidate tokens; the rest waits behind the
	// gate.
	u.google.Enqueue(fakeupstream.Reply{Chunks: []string{"first ", "second ", "third"}, PauseAfter: 1, Gate: gate,
		Usage: fakeupstream.Usage{InputTokens: 100, OutputTokens: 30}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const path = "/google/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent"
	body := `{"contents":[{"role":"user","parts":[{"text":"count"}]}],"generationConfig":{"maxOutputTokens":100}}`
	req, err := http.NewRequestWithContext(ctx, "POST", g.base+path+"?alt=sse", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Goog-Api-Key", k.Key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %v", resp.StatusCode, resp.Header)
	}
	// The first event arrives while the upstream still holds the rest.
	events := bufio.NewReader(resp.Body)
	var first string
	for first == "" {
		line, err := events.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the first event: %v", err)
		}
		if data, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "data: "); ok {
			first = data
		}
	}
	if text := gjson.Get(first, "candidates.0.content.parts.0.text").Str; text != "first " {
		t.Fatalf("first event %s", first)
	}
	cancel()
	resp.Body.Close()
	// The cancel reaches the upstream: its handler sees the request end.
	deadline := time.Now().Add(5 * time.Second)
	for u.google.Open() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := u.google.Open(); n != 0 {
		t.Fatalf("%d upstream requests still open after the client cancelled", n)
	}
	seen := u.google.Requests()[0]
	if seen.Path != "/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent" || seen.RawQuery != "alt=sse" ||
		seen.Header.Get("X-Goog-Api-Key") != "test-google-key" || string(seen.Body) != body {
		t.Fatalf("upstream saw %s?%s key %q body %s", seen.Path, seen.RawQuery, seen.Header.Get("X-Goog-Api-Key"), seen.Body)
	}
	// Billed from the usage of the last event delivered: gemini-flash
	// (gemini-2.5-flash-lite, $0.10 in and $0.40 out per million):
	// 100 × 0.10 + 10 × 0.40 = 14 µUSD. Never $0.
	rec := g.lastRecord(k.UserID, 1, path)
	if rec.Provider != "google" || rec.Model != "gemini-2.5-flash-lite" || rec.TokensIn != 100 || rec.TokensOut != 10 ||
		rec.Cost != 14 || rec.Error != "client_closed_request" {
		t.Fatalf("cancelled stream audit record %+v", rec)
	}
	if used, _ := activeApp(t).runtime.ledger.Used(k.UserID); used != 14 {
		t.Fatalf("ledger %d µUSD, want 14", used)
	}
}

// A client that asks for the usage chunk itself gets it, and its body goes
// up unchanged.
func TestDropInOpenAIStreamWhoseClientAskedForUsage(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "write")

	// The official SDK; a middleware keeps the body it sends.
	var mu sync.Mutex
	var sent []byte
	client := openai.NewClient(openaioption.WithBaseURL(g.base+"/openai/v1"), openaioption.WithAPIKey(k.Key),
		openaioption.WithMaxRetries(0),
		openaioption.WithMiddleware(func(req *http.Request, next openaioption.MiddlewareNext) (*http.Response, error) {
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return nil, err
			}
			req.Body.Close()
			req.Body = io.NopCloser(bytes.NewReader(b))
			mu.Lock()
			sent = b
			mu.Unlock()
			return next(req)
		}))
	u.openai.Enqueue(fakeupstream.Reply{Chunks: []string{"He", "llo"}, Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 200}})
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:         "gpt-5.4-mini",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say hello")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	var text strings.Builder
	var usage []openai.CompletionUsage
	for stream.Next() {
		chunk := stream.Current()
		if len(chunk.Choices) == 0 {
			usage = append(usage, chunk.Usage)
			continue
		}
		text.WriteString(chunk.Choices[0].Delta.Content)
	}
	if err := stream.Err(); err != nil || text.String() != "Hello" {
		t.Fatalf("stream: %q %v", text.String(), err)
	}
	if len(usage) != 1 || usage[0].PromptTokens != 1000 || usage[0].CompletionTokens != 200 || usage[0].TotalTokens != 1200 {
		t.Fatalf("usage chunks the client got: %+v; want the one it asked for", usage)
	}
	mu.Lock()
	clientBody := sent
	mu.Unlock()
	if !strings.Contains(string(clientBody), `"include_usage":true`) {
		t.Fatalf("the SDK did not ask for usage: %s", clientBody)
	}
	if up := u.openai.Requests()[0].Body; !bytes.Equal(up, clientBody) {
		t.Fatalf("upstream body\n%s\nis not the client's\n%s", up, clientBody)
	}
	// gpt-mini (gpt-5.4-mini, $0.75 in and $4.50 out per million):
	// 1000 × 0.75 + 200 × 4.50 = 1,650 µUSD.
	rec := g.lastRecord(k.UserID, 1, "/openai/v1/chat/completions")
	if rec.Status != 200 || rec.Provider != "openai" || rec.Model != "gpt-5.4-mini" || rec.TokensIn != 1000 || rec.TokensOut != 200 || rec.Cost != 1650 {
		t.Fatalf("audit record %+v", rec)
	}

	// A hand-written body, the flag first and odd spacing: it goes up byte
	// for byte, and the usage chunk comes back.
	raw := "{ \"stream_options\" : { \"include_usage\" : true },\n  \"model\":\"gpt-5.4-mini\", \"stream\": true,\n  \"messages\":[{\"role\":\"user\",\"content\":\"hi\"}] }"
	u.openai.Enqueue(fakeupstream.Reply{Chunks: []string{"Hi"}, Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 2}})
	req, _ := http.NewRequest("POST", g.base+"/openai/v1/chat/completions", strings.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+k.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var usageChunks []string
	for _, line := range strings.Split(string(answer), "\n") {
		if data, ok := strings.CutPrefix(line, "data: "); ok && gjson.Get(data, "usage").IsObject() {
			usageChunks = append(usageChunks, data)
		}
	}
	if resp.StatusCode != 200 || len(usageChunks) != 1 || gjson.Get(usageChunks[0], "choices.#").Int() != 0 ||
		gjson.Get(usageChunks[0], "usage.prompt_tokens").Int() != 10 || !strings.Contains(string(answer), "data: [DONE]") {
		t.Fatalf("raw stream: %d\n%s", resp.StatusCode, answer)
	}
	if up := string(u.openai.Requests()[1].Body); up != raw {
		t.Fatalf("upstream body\n%s\nis not the client's\n%s", up, raw)
	}
	// 10 × 0.75 + 2 × 4.50 = 16.5 → 17 µUSD (rounded up).
	if rec := g.lastRecord(k.UserID, 2, "/openai/v1/chat/completions"); rec.TokensIn != 10 || rec.TokensOut != 2 || rec.Cost != 17 {
		t.Fatalf("raw stream audit record %+v", rec)
	}
}

// onlyReader hides the concrete reader, so net/http cannot know the
// length and sends the body chunked.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// A chunked body past passthrough_max_body is refused with 413 before
// anything goes up; one under the bound goes up whole.
func TestDropInChunkedBodyPastTheBound(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(`passthrough_max_body 1KiB`))
	k := g.userWithKey("angel", "write")
	post := func(body string) (*http.Response, []byte) {
		req, err := http.NewRequest("POST", g.base+"/openai/v1/chat/completions", onlyReader{strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = -1 // unknown: Transfer-Encoding: chunked
		req.Header.Set("Authorization", "Bearer "+k.Key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, data
	}

	big := `{"model":"gpt-5.4-mini","messages":[{"role":"user","content":"` + strings.Repeat("a", 4096) + `"}]}`
	resp, data := post(big)
	var e struct {
		Detail struct{ Error, Message, Docs string }
	}
	if err := json.Unmarshal(data, &e); err != nil || resp.StatusCode != 413 ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
		e.Detail.Error != "body_too_large" || e.Detail.Docs != docsURL || !strings.Contains(e.Detail.Message, "passthrough_max_body") {
		t.Fatalf("chunked body past the bound: %d %v %s", resp.StatusCode, resp.Header, data)
	}
	if n := u.openai.Calls(); n != 0 {
		t.Fatalf("%d calls reached the upstream", n)
	}
	rec := g.lastRecord(k.UserID, 1, "/openai/v1/chat/completions")
	if rec.Status != 413 || rec.Error != "body_too_large" || rec.Cost != 0 || rec.TokensIn != 0 {
		t.Fatalf("audit record %+v", rec)
	}
	if used, _ := activeApp(t).runtime.ledger.Used(k.UserID); used != 0 {
		t.Fatalf("ledger %d µUSD after a refused call", used)
	}

	// Under the bound, a chunked body goes up whole, with its length.
	small := `{"model":"gpt-5.4-mini","messages":[{"role":"user","content":"hi"}]}`
	u.openai.Enqueue(fakeupstream.Reply{Text: "ok", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 100}})
	if resp, data := post(small); resp.StatusCode != 200 || gjson.GetBytes(data, "choices.0.message.content").Str != "ok" {
		t.Fatalf("chunked body under the bound: %d %s", resp.StatusCode, data)
	}
	seen := u.openai.Requests()
	if len(seen) != 1 || string(seen[0].Body) != small {
		t.Fatalf("upstream saw %d requests; first body %q", len(seen), seen[0].Body)
	}
	// The gateway has read the whole body, and sets its length on the
	// request it forwards: the provider gets a Content-Length, not chunks.
	if got := seen[0].Header.Get("Content-Length"); got != fmt.Sprint(len(small)) {
		t.Errorf("upstream Content-Length %q, want %d: the body was forwarded chunked (headers %v)", got, len(small), seen[0].Header)
	}
	// gpt-mini: 1000 × 0.75 + 100 × 4.50 = 1,200 µUSD.
	if rec := g.lastRecord(k.UserID, 2, "/openai/v1/chat/completions"); rec.Status != 200 || rec.Cost != 1200 {
		t.Fatalf("audit record %+v", rec)
	}
}

// An operator-added OpenAI-compatible provider with no api_key is called
// with no key at all, none of Kaine's leaks to it, and it is metered.
func TestDropInKeylessOpenAICompatibleProvider(t *testing.T) {
	local := fakeupstream.New()
	defer local.Close()
	local.KeyOptional = true
	// The provider's model is priced as gpt-mini is in models.json
	// ($0.75 in, $4.50 out, $0.075 cache read per million): a model id
	// is priced per provider, so it needs its own entry.
	g := startGateway(t, fmt.Sprintf(`provider local {
			protocol openai
			base_url %s/v1
		}
		model local-mini {
			provider local
			id gpt-5.4-mini
			input_usd 0.75
			output_usd 4.50
			cache_read_usd 0.075
		}`, local.URL))
	k := g.userWithKey("angel", "write")
	client := openai.NewClient(openaioption.WithBaseURL(g.base+"/local/v1"), openaioption.WithAPIKey(k.Key),
		openaioption.WithMaxRetries(0))
	local.Enqueue(fakeupstream.Reply{Text: "from the local server", Usage: fakeupstream.Usage{InputTokens: 2000, OutputTokens: 100}})
	done, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-5.4-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	if err != nil {
		t.Fatal(err)
	}
	if done.Choices[0].Message.Content != "from the local server" || done.Usage.PromptTokens != 2000 {
		t.Fatalf("completion %+v", done)
	}
	seen := local.Requests()
	if len(seen) != 1 || seen[0].Path != "/v1/chat/completions" || !strings.Contains(string(seen[0].Body), `"model":"gpt-5.4-mini"`) {
		t.Fatalf("upstream requests %+v", seen)
	}
	if auth, ok := seen[0].Header["Authorization"]; ok {
		t.Fatalf("a keyless provider got Authorization %q", auth)
	}
	for name, values := range seen[0].Header {
		for _, v := range values {
			if strings.Contains(v, k.Key) || strings.Contains(v, "kn_live_") {
				t.Fatalf("the Kaine key reached the provider in %s: %q", name, v)
			}
		}
	}
	// local-mini: 2000 × 0.75 + 100 × 4.50 = 1,950 µUSD.
	rec := g.lastRecord(k.UserID, 1, "/local/v1/chat/completions")
	if rec.Status != 200 || rec.Provider != "local" || rec.Model != "gpt-5.4-mini" || rec.TokensIn != 2000 || rec.TokensOut != 100 || rec.Cost != 1950 || rec.Note != "" {
		t.Fatalf("audit record %+v", rec)
	}
	if used, _ := activeApp(t).runtime.ledger.Used(k.UserID); used != 1950 {
		t.Fatalf("ledger %d µUSD, want 1950", used)
	}
}
