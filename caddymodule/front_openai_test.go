package caddymodule

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	openaioption "github.com/openai/openai-go/v3/option"
	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

// unifiedSDK is the OpenAI SDK pointed at Kaine's own /v1, the one API in
// front of every provider.
func unifiedSDK(g *gateway, key string, opts ...openaioption.RequestOption) openai.Client {
	return openai.NewClient(append([]openaioption.RequestOption{openaioption.WithBaseURL(g.base + "/v1"),
		openaioption.WithAPIKey(key), openaioption.WithMaxRetries(0)}, opts...)...)
}

// frontCase is one provider behind the unified endpoint: the model name an
// app sends, the fake that serves it, the protocol it speaks there, and
// the price of a call by hand, in µUSD for input and output tokens.
type frontCase struct {
	model    string
	provider string
	fake     *fakeupstream.Server
	protocol string
	cost     func(in, out int64) int64
}

func frontCases(u upstreams) []frontCase {
	return []frontCase{
		// haiku: $1 in, $5 out per million tokens.
		{"haiku", "anthropic", u.anthropic, "anthropic", func(in, out int64) int64 { return in*1 + out*5 }},
		// gemini-flash (gemini-2.5-flash-lite): $0.10 in, $0.40 out.
		{"gemini-flash", "google", u.google, "gemini", func(in, out int64) int64 { return (in*10 + out*40) / 100 }},
		// gpt-mini (gpt-5.4-mini): $0.75 in, $4.50 out.
		{"gpt-mini", "openai", u.openai, "openai", func(in, out int64) int64 { return (in*75 + out*450) / 100 }},
	}
}

// lastBody is the body the fake got last in its protocol.
func lastBody(t *testing.T, f *fakeupstream.Server, protocol string) gjson.Result {
	t.Helper()
	bodies := f.Bodies(protocol)
	if len(bodies) == 0 {
		t.Fatalf("no %s request reached the fake", protocol)
	}
	return gjson.ParseBytes(bodies[len(bodies)-1])
}

func (g *gateway) frontRecord(user uint64, n int) metering.AuditRecord {
	return g.lastRecord(user, n, "/v1/chat/completions")
}

func TestChatCompletionsReachEveryProvider(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	client := unifiedSDK(g, k.Key)
	ctx := context.Background()
	records := 0
	for _, tc := range frontCases(u) {
		t.Run(tc.provider, func(t *testing.T) {
			params := openai.ChatCompletionNewParams{Model: tc.model, Messages: []openai.ChatCompletionMessageParamUnion{
				openai.SystemMessage("Be terse."), openai.UserMessage("Say hi")}}

			// A plain call, priced by hand from the fake's token counts.
			tc.fake.Enqueue(fakeupstream.Reply{Text: "Hi.", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 200}})
			var resp *http.Response
			done, err := client.Chat.Completions.New(ctx, params, openaioption.WithResponseInto(&resp))
			if err != nil {
				t.Fatal(err)
			}
			if done.Choices[0].Message.Content != "Hi." || done.Usage.PromptTokens != 1000 || done.Usage.CompletionTokens != 200 || done.Choices[0].FinishReason != "stop" {
				t.Fatalf("completion %s", done.RawJSON())
			}
			if resp.Header.Get("X-Kaine-Provider") != tc.provider || resp.Header.Get("X-Kaine-Cost-USD") == "" {
				t.Fatalf("headers %v", resp.Header)
			}
			records++
			rec := g.frontRecord(k.UserID, records)
			if rec.Status != 200 || rec.Provider != tc.provider || rec.TokensIn != 1000 || rec.TokensOut != 200 || int64(rec.Cost) != tc.cost(1000, 200) {
				t.Fatalf("audit record %+v, want cost %d", rec, tc.cost(1000, 200))
			}

			// A stream, with the usage chunk asked for.
			tc.fake.Enqueue(fakeupstream.Reply{Chunks: []string{"Hel", "lo."}, Usage: fakeupstream.Usage{InputTokens: 100, OutputTokens: 20}})
			streamed := params
			streamed.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
			stream := client.Chat.Completions.NewStreaming(ctx, streamed)
			var acc openai.ChatCompletionAccumulator
			for stream.Next() {
				acc.AddChunk(stream.Current())
			}
			if err := stream.Err(); err != nil || acc.Choices[0].Message.Content != "Hello." || acc.Usage.PromptTokens != 100 || acc.Usage.CompletionTokens != 20 {
				t.Fatalf("stream %q usage %+v: %v", acc.Choices[0].Message.Content, acc.Usage, err)
			}
			records++
			if rec := g.frontRecord(k.UserID, records); int64(rec.Cost) != tc.cost(100, 20) {
				t.Fatalf("stream audit record %+v, want cost %d", rec, tc.cost(100, 20))
			}

			// A two-step tool call: the model calls, the app answers, the
			// model uses the result, each in its provider's own shape.
			tools := []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
				Name: "get_weather", Description: openai.String("Weather for a city"),
				Parameters: openai.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}})}
			tc.fake.Enqueue(fakeupstream.Reply{ToolCalls: []fakeupstream.ToolCall{{Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}},
				Usage: fakeupstream.Usage{InputTokens: 50, OutputTokens: 10}})
			first, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: tc.model, Tools: tools,
				Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in SF?")}})
			if err != nil {
				t.Fatal(err)
			}
			call := first.Choices[0].Message.ToolCalls
			if first.Choices[0].FinishReason != "tool_calls" || len(call) != 1 || call[0].Function.Name != "get_weather" || call[0].Function.Arguments != `{"city":"SF"}` {
				t.Fatalf("tool call %s", first.RawJSON())
			}
			tc.fake.Enqueue(fakeupstream.Reply{Text: "68F and sunny.", Usage: fakeupstream.Usage{InputTokens: 60, OutputTokens: 8}})
			second, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: tc.model, Tools: tools,
				Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in SF?"), first.Choices[0].Message.ToParam(),
					openai.ToolMessage("68F, sunny", call[0].ID)}})
			if err != nil || second.Choices[0].Message.Content != "68F and sunny." {
				t.Fatalf("after the tool: %v %v", second, err)
			}
			body := lastBody(t, tc.fake, tc.protocol)
			result := map[string]string{"anthropic": `messages.2.content.0.content`, "gemini": `contents.2.parts.0.functionResponse.response.output`,
				"openai": `messages.2.content`}[tc.protocol]
			if body.Get(result).Str != "68F, sunny" {
				t.Fatalf("the tool's result did not reach %s as its own: %s", tc.protocol, body.Raw)
			}
			records += 2

			// An answer held to a JSON schema, by each provider's means.
			tc.fake.Enqueue(fakeupstream.Reply{Text: `{"city":"SF"}`, Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 5}})
			schema := openai.ResponseFormatJSONSchemaJSONSchemaParam{Name: "city", Strict: openai.Bool(true),
				Schema: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}},
					"required": []string{"city"}, "additionalProperties": false}}
			shaped, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: tc.model,
				Messages:       []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Which city?")},
				ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &openai.ResponseFormatJSONSchemaParam{JSONSchema: schema}}})
			if err != nil || shaped.Choices[0].Message.Content != `{"city":"SF"}` {
				t.Fatalf("json schema: %v %v", shaped, err)
			}
			body = lastBody(t, tc.fake, tc.protocol)
			sent := map[string]string{"anthropic": "output_config.format.schema.required.0", "gemini": "generationConfig.responseJsonSchema.required.0",
				"openai": "response_format.json_schema.schema.required.0"}[tc.protocol]
			if body.Get(sent).Str != "city" {
				t.Fatalf("the schema did not reach %s as its structured output: %s", tc.protocol, body.Raw)
			}
			records++

			// An image, inline.
			tc.fake.Enqueue(fakeupstream.Reply{Text: "A dot.", Usage: fakeupstream.Usage{InputTokens: 300, OutputTokens: 3}})
			img := openai.ChatCompletionContentPartUnionParam{OfImageURL: &openai.ChatCompletionContentPartImageParam{
				ImageURL: openai.ChatCompletionContentPartImageImageURLParam{URL: "data:image/png;base64," + tinyPNG}}}
			seen, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: tc.model,
				Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
					openai.TextContentPart("What is this?"), img})}})
			if err != nil || seen.Choices[0].Message.Content != "A dot." {
				t.Fatalf("image: %v %v", seen, err)
			}
			body = lastBody(t, tc.fake, tc.protocol)
			image := map[string]string{"anthropic": "messages.0.content.1.source.data", "gemini": "contents.0.parts.1.inlineData.data",
				"openai": "messages.0.content.1.image_url.url"}[tc.protocol]
			if !strings.HasSuffix(body.Get(image).Str, tinyPNG) {
				t.Fatalf("the image did not reach %s: %s", tc.protocol, body.Raw)
			}
			records++
		})
	}
}

// tinyPNG is a 1×1 PNG, base64.
const tinyPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="

func TestChatCompletionsRouteAutoByTaskTypeAndFailOver(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	client := unifiedSDK(g, k.Key)
	ctx := context.Background()
	ask := func(opts ...openaioption.RequestOption) (*openai.ChatCompletion, *http.Response) {
		t.Helper()
		var resp *http.Response
		done, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "auto",
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Caption this")}}, append(opts, openaioption.WithResponseInto(&resp))...)
		if err != nil {
			t.Fatal(err)
		}
		return done, resp
	}
	u.google.Default(fakeupstream.Reply{Text: "cheap"})
	u.anthropic.Default(fakeupstream.Reply{Text: "default"})
	u.openai.Default(fakeupstream.Reply{Text: "next"})

	// The task type, in Kaine's extra body field or its header, picks the
	// cheap route, whose first model is Gemini Flash.
	if _, resp := ask(openaioption.WithJSONSet("kaine", map[string]string{"task_type": "caption"})); resp.Header.Get("X-Kaine-Provider") != "google" {
		t.Fatalf("kaine.task_type caption went to %s", resp.Header.Get("X-Kaine-Provider"))
	}
	if _, resp := ask(openaioption.WithHeader("X-Kaine-Task-Type", "summarize")); resp.Header.Get("X-Kaine-Provider") != "google" {
		t.Fatalf("X-Kaine-Task-Type summarize went to %s", resp.Header.Get("X-Kaine-Provider"))
	}
	if done, resp := ask(); resp.Header.Get("X-Kaine-Provider") != "anthropic" || done.Choices[0].Message.Content != "default" {
		t.Fatalf("no task type went to %s", resp.Header.Get("X-Kaine-Provider"))
	}

	// The first provider fails before the first byte: the next answers.
	u.anthropic.Enqueue(fakeupstream.Reply{Status: 529, ErrorType: "overloaded_error", ErrorMessage: "Overloaded"})
	done, resp := ask()
	if resp.Header.Get("X-Kaine-Provider") != "openai" || done.Choices[0].Message.Content != "next" {
		t.Fatalf("failover went to %s: %s", resp.Header.Get("X-Kaine-Provider"), done.RawJSON())
	}

	// A pinned provider does not fail over: its failure is the call's.
	u.anthropic.Enqueue(fakeupstream.Reply{Status: 529, ErrorType: "overloaded_error", ErrorMessage: "Overloaded"})
	_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "anthropic/claude-haiku-4-5",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hi")}})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Code != "provider_error" || apiErr.Type != "server_error" {
		t.Fatalf("a pinned provider's failure reached the SDK as %T %v", err, err)
	}
}

func TestChatCompletionsCancelledMidStreamIsBilledForWhatWasDelivered(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	client := unifiedSDK(g, k.Key)
	gate := make(chan struct{})
	defer close(gate)
	u.openai.Enqueue(fakeupstream.Reply{Chunks: []string{"one ", "two ", "three"}, PauseAfter: 1, Gate: gate,
		Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 300}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Count")}})
	for stream.Next() {
		if c := stream.Current(); len(c.Choices) > 0 && c.Choices[0].Delta.Content != "" {
			cancel() // the first words are here; the app goes away
			break
		}
	}
	stream.Close()
	rec := g.frontRecord(k.UserID, 1)
	if rec.Error != "client_closed_request" || rec.Cost <= 0 || rec.TokensOut <= 0 || rec.Provider != "openai" {
		t.Fatalf("a cancelled stream's record %+v: want client_closed_request, billed for the words delivered", rec)
	}
	used, _ := activeApp(t).runtime.ledger.Used(k.UserID)
	if used != rec.Cost {
		t.Fatalf("ledger %d µUSD, audit %d", used, rec.Cost)
	}
}

func TestChatCompletionsErrorsReadInBothShapes(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(`tier developer {
			cap_usd 0.50
		}`))
	k := g.userWithKey("ada", "read", "write")
	ctx := context.Background()
	hi := []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hi")}

	// A bad key: the SDK's AuthenticationError, Kaine's detail beside it.
	stranger, client := unifiedSDK(g, "kn_live_nope"), unifiedSDK(g, k.Key)
	_, err := stranger.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "haiku", Messages: hi})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Type != "authentication_error" ||
		gjson.Get(apiErr.RawJSON(), "code").Str != "invalid_api_key" {
		t.Fatalf("bad key: %T %v", err, err)
	}
	status, _, body := g.doRaw("POST", "/v1/chat/completions", "kn_live_nope", `{"model":"haiku","messages":[]}`)
	if status != 401 || gjson.GetBytes(body, "detail.error").Str != "invalid_api_key" || gjson.GetBytes(body, "error.message").Str == "" {
		t.Fatalf("bad key body %d %s", status, body)
	}

	// A field a provider cannot serve: a 400 naming it, nothing sent.
	calls := u.anthropic.Calls()
	_, err = client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "haiku", Messages: hi, Seed: openai.Int(7)})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "seed" || !strings.Contains(apiErr.Message, "anthropic") {
		t.Fatalf("seed on Claude: %T %v", err, err)
	}
	if u.anthropic.Calls() != calls {
		t.Fatal("a refused call reached the provider")
	}
	status, _, body = g.doRaw("POST", "/v1/chat/completions", k.Key, `{"model":"gemini-flash","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}`)
	if status != 400 || gjson.GetBytes(body, "error.param").Str != "messages[0].content[0].image_url.url" || gjson.GetBytes(body, "detail.error").Str != "invalid_field" {
		t.Fatalf("an image URL to Gemini: %d %s", status, body)
	}

	// A call the cost cap cannot cover is a 429 the SDKs are told not to
	// retry, with OpenAI's insufficient_quota.
	status, header, body := g.doRaw("POST", "/v1/chat/completions", k.Key, `{"model":"claude-opus-5-5","max_tokens":100000,"messages":[{"role":"user","content":"Hi"}]}`)
	if status != 429 || header.Get("X-Should-Retry") != "false" || gjson.GetBytes(body, "error.type").Str != "insufficient_quota" ||
		gjson.GetBytes(body, "detail.error").Str != "usage_cap_reached" || header.Get("X-RateLimit-Limit") == "" {
		t.Fatalf("over the cap: %d %v %s", status, header, body)
	}
}

// A provider bills an answer it was asked for whether the client waits or
// not: Kaine reads it to its end and bills what the provider billed.
func TestChatCompletionsLeftBeforeTheAnswerIsBilledWhatTheProviderBilled(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	client := unifiedSDK(g, k.Key)
	u.openai.Enqueue(fakeupstream.Reply{Text: "Late.", Delay: 300 * time.Millisecond,
		Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 300}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Take your time")}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the app gave up: %v", err)
	}
	rec := g.frontRecord(k.UserID, 1)
	billed := u.openai.Billed()
	if len(billed) != 1 || rec.Error != "client_closed_request" || rec.TokensIn != 1000 || rec.TokensOut != 300 || rec.Cost <= 0 {
		t.Fatalf("the record %+v of an answer the provider billed (%v) and its client left", rec, billed)
	}
	used, _ := activeApp(t).runtime.ledger.Used(k.UserID)
	if used != rec.Cost {
		t.Fatalf("ledger %d µUSD, audit %d", used, rec.Cost)
	}
}
