package caddymodule

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// unifiedAnthropicSDK is the Anthropic SDK pointed at the gateway's root,
// as ANTHROPIC_BASE_URL=http://HOST points Claude Code at it.
func unifiedAnthropicSDK(g *gateway, key string) anthropic.Client {
	return anthropic.NewClient(anthropicoption.WithBaseURL(g.base), anthropicoption.WithAPIKey(key), anthropicoption.WithMaxRetries(0))
}

func TestMessagesReachEveryProvider(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	client := unifiedAnthropicSDK(g, k.Key)
	ctx := context.Background()
	records := 0
	for _, tc := range frontCases(u) {
		t.Run(tc.provider, func(t *testing.T) {
			params := anthropic.MessageNewParams{Model: anthropic.Model(tc.model), MaxTokens: 300,
				System:   []anthropic.TextBlockParam{{Text: "Be terse."}},
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Say hi"))}}

			tc.fake.Enqueue(fakeupstream.Reply{Text: "Hi.", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 200}})
			var resp *http.Response
			msg, err := client.Messages.New(ctx, params, anthropicoption.WithResponseInto(&resp))
			if err != nil {
				t.Fatal(err)
			}
			if msg.Content[0].Text != "Hi." || msg.Usage.InputTokens != 1000 || msg.Usage.OutputTokens != 200 || msg.StopReason != "end_turn" {
				t.Fatalf("message %s", msg.RawJSON())
			}
			if resp.Header.Get("X-Kaine-Provider") != tc.provider {
				t.Fatalf("served by %q", resp.Header.Get("X-Kaine-Provider"))
			}
			records++
			rec := g.lastRecord(k.UserID, records, "/v1/messages")
			if rec.Status != 200 || rec.Provider != tc.provider || int64(rec.Cost) != tc.cost(1000, 200) {
				t.Fatalf("audit record %+v, want cost %d", rec, tc.cost(1000, 200))
			}

			tc.fake.Enqueue(fakeupstream.Reply{Chunks: []string{"Hel", "lo."}, Usage: fakeupstream.Usage{InputTokens: 100, OutputTokens: 20}})
			stream := client.Messages.NewStreaming(ctx, params)
			var streamed anthropic.Message
			for stream.Next() {
				if err := streamed.Accumulate(stream.Current()); err != nil {
					t.Fatal(err)
				}
			}
			if err := stream.Err(); err != nil || streamed.Content[0].Text != "Hello." || streamed.Usage.OutputTokens != 20 {
				t.Fatalf("stream %+v: %v", streamed, err)
			}
			records++
			if rec := g.lastRecord(k.UserID, records, "/v1/messages"); int64(rec.Cost) != tc.cost(100, 20) {
				t.Fatalf("stream audit record %+v, want cost %d", rec, tc.cost(100, 20))
			}

			tools := []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{Name: "get_weather", Description: anthropic.String("Weather for a city"),
				InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}}}}}
			tc.fake.Enqueue(fakeupstream.Reply{ToolCalls: []fakeupstream.ToolCall{{Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}}})
			ask := anthropic.NewUserMessage(anthropic.NewTextBlock("Weather in SF?"))
			first, err := client.Messages.New(ctx, anthropic.MessageNewParams{Model: anthropic.Model(tc.model), MaxTokens: 300, Tools: tools,
				Messages: []anthropic.MessageParam{ask}})
			if err != nil {
				t.Fatal(err)
			}
			use := first.Content[len(first.Content)-1]
			if first.StopReason != "tool_use" || use.Type != "tool_use" || string(use.Input) != `{"city":"SF"}` {
				t.Fatalf("tool use %s", first.RawJSON())
			}
			tc.fake.Enqueue(fakeupstream.Reply{Text: "68F and sunny."})
			second, err := client.Messages.New(ctx, anthropic.MessageNewParams{Model: anthropic.Model(tc.model), MaxTokens: 300, Tools: tools,
				Messages: []anthropic.MessageParam{ask, first.ToParam(), anthropic.NewUserMessage(anthropic.NewToolResultBlock(use.ID, "68F, sunny", false))}})
			if err != nil || second.Content[0].Text != "68F and sunny." {
				t.Fatalf("after the tool: %v %v", second, err)
			}
			body := lastBody(t, tc.fake, tc.protocol)
			result := map[string]string{"anthropic": `messages.2.content.0.content`, "gemini": `contents.2.parts.0.functionResponse.response.output`,
				"openai": `messages.2.content`}[tc.protocol]
			if body.Get(result).Str != "68F, sunny" {
				t.Fatalf("the tool's result did not reach %s as its own: %s", tc.protocol, body.Raw)
			}
			records += 2

			tc.fake.Enqueue(fakeupstream.Reply{Text: `{"city":"SF"}`})
			shaped, err := client.Messages.New(ctx, anthropic.MessageNewParams{Model: anthropic.Model(tc.model), MaxTokens: 300,
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Which city?"))},
				OutputConfig: anthropic.OutputConfigParam{Format: anthropic.JSONOutputFormatParam{Schema: map[string]any{"type": "object",
					"properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}, "additionalProperties": false}}}})
			if err != nil || shaped.Content[0].Text != `{"city":"SF"}` {
				t.Fatalf("json schema: %v %v", shaped, err)
			}
			sent := map[string]string{"anthropic": "output_config.format.schema.required.0", "gemini": "generationConfig.responseJsonSchema.required.0",
				"openai": "response_format.json_schema.schema.required.0"}[tc.protocol]
			if lastBody(t, tc.fake, tc.protocol).Get(sent).Str != "city" {
				t.Fatalf("the schema did not reach %s: %s", tc.protocol, lastBody(t, tc.fake, tc.protocol).Raw)
			}
			records++

			tc.fake.Enqueue(fakeupstream.Reply{Text: "A dot."})
			seen, err := client.Messages.New(ctx, anthropic.MessageNewParams{Model: anthropic.Model(tc.model), MaxTokens: 300,
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewImageBlockBase64("image/png", tinyPNG), anthropic.NewTextBlock("What is this?"))}})
			if err != nil || seen.Content[0].Text != "A dot." {
				t.Fatalf("image: %v %v", seen, err)
			}
			image := map[string]string{"anthropic": "messages.0.content.0.source.data", "gemini": "contents.0.parts.0.inlineData.data",
				"openai": "messages.0.content.0.image_url.url"}[tc.protocol]
			if !strings.HasSuffix(lastBody(t, tc.fake, tc.protocol).Get(image).Str, tinyPNG) {
				t.Fatalf("the image did not reach %s: %s", tc.protocol, lastBody(t, tc.fake, tc.protocol).Raw)
			}
			records++
		})
	}
}

func TestMessagesThinkingSignaturesStayWithTheirProvider(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	client := unifiedAnthropicSDK(g, k.Key)
	ctx := context.Background()
	tools := []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{Name: "get_weather", InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{}}}}}
	ask := anthropic.NewUserMessage(anthropic.NewTextBlock("Weather in SF?"))
	thinking := anthropic.ThinkingConfigParamUnion{OfEnabled: &anthropic.ThinkingConfigEnabledParam{BudgetTokens: 2048}}

	// Gemini thinks and calls: its thought comes back marked as Kaine's.
	u.google.Enqueue(fakeupstream.Reply{Thinking: "Look it up.", ToolCalls: []fakeupstream.ToolCall{{Name: "get_weather", Input: json.RawMessage(`{"city":"SF"}`)}}})
	first, err := client.Messages.New(ctx, anthropic.MessageNewParams{Model: "gemini-flash", MaxTokens: 8192, Tools: tools, Thinking: thinking,
		Messages: []anthropic.MessageParam{ask}})
	if err != nil {
		t.Fatal(err)
	}
	if first.Content[0].Type != "thinking" || !strings.HasPrefix(first.Content[0].Signature, "kaine:") {
		t.Fatalf("Gemini's thinking: %s", first.RawJSON())
	}
	// The conversation goes on at Anthropic: Gemini's thought is not sent.
	u.anthropic.Enqueue(fakeupstream.Reply{Text: "68F."})
	use := first.Content[len(first.Content)-1]
	_, err = client.Messages.New(ctx, anthropic.MessageNewParams{Model: "haiku", MaxTokens: 8192, Tools: tools, Thinking: thinking,
		Messages: []anthropic.MessageParam{ask, first.ToParam(), anthropic.NewUserMessage(anthropic.NewToolResultBlock(use.ID, "68F", false))}})
	if err != nil {
		t.Fatal(err)
	}
	if body := lastBody(t, u.anthropic, "anthropic"); strings.Contains(body.Raw, "kaine:") || strings.Contains(body.Raw, "Look it up.") {
		t.Fatalf("another provider's thinking reached Anthropic: %s", body.Raw)
	}
}

func TestMessagesErrorsReadInBothShapes(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	ctx := context.Background()
	hi := []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Hi"))}
	stranger, client := unifiedAnthropicSDK(g, "kn_live_nope"), unifiedAnthropicSDK(g, k.Key)
	_, err := stranger.Messages.New(ctx, anthropic.MessageNewParams{Model: "haiku", MaxTokens: 10, Messages: hi})
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || !strings.Contains(apiErr.RawJSON(), `"authentication_error"`) ||
		!strings.Contains(apiErr.RawJSON(), `"invalid_api_key"`) {
		t.Fatalf("bad key: %T %v", err, err)
	}
	_, err = client.Messages.New(ctx, anthropic.MessageNewParams{Model: "gpt-mini", MaxTokens: 10, Messages: hi},
		anthropicoption.WithJSONSet("top_k", 5))
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.RawJSON(), "top_k") {
		t.Fatalf("top_k on GPT: %T %v", err, err)
	}
}
