package caddymodule

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	openaioption "github.com/openai/openai-go/v3/option"
	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

func TestModelsListForEitherSDK(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read")
	ctx := context.Background()

	client := unifiedSDK(g, k.Key)
	pager := client.Models.ListAutoPaging(ctx)
	var ids []string
	for pager.Next() {
		m := pager.Current()
		ids = append(ids, m.ID)
		if m.ID == "haiku" && (m.OwnedBy != "anthropic" || gjson.Get(m.RawJSON(), "kaine.alias_of").Str != "claude-haiku-4-5") {
			t.Errorf("alias entry %s", m.RawJSON())
		}
		if m.ID == "claude-haiku-4-5" && gjson.Get(m.RawJSON(), "kaine.output_usd_per_mtok").Float() != 5 {
			t.Errorf("a model's price: %s", m.RawJSON())
		}
	}
	if err := pager.Err(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"auto", "claude-haiku-4-5", "haiku", "gemini-flash", "gpt-5.4", "text-embedding-3-small"} {
		if !slices.Contains(ids, want) {
			t.Errorf("the list lacks %s: %v", want, ids)
		}
	}
	if slices.Contains(ids, "claude-sonnet-4") {
		t.Error("a retired model is listed")
	}

	claude := anthropic.NewClient(anthropicoption.WithBaseURL(g.base), anthropicoption.WithAPIKey(k.Key), anthropicoption.WithMaxRetries(0))
	page, err := claude.Models.List(ctx, anthropic.ModelListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != len(ids) || page.Data[0].ID != "auto" || string(page.Data[0].Type) != "model" || page.HasMore {
		t.Fatalf("Anthropic's list: %s", page.RawJSON())
	}
}

func TestCountTokensAtEachProvider(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	client := unifiedAnthropicSDK(g, k.Key)
	ctx := context.Background()
	for _, tc := range frontCases(u) {
		var resp *http.Response
		count, err := client.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{Model: anthropic.Model(tc.model),
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(strings.Repeat("word ", 100)))}},
			anthropicoption.WithResponseInto(&resp))
		if err != nil {
			t.Fatalf("%s: %v", tc.provider, err)
		}
		estimated := resp.Header.Get("X-Kaine-Tokens-Estimated") == "true"
		switch tc.provider {
		case "openai": // no counter: Kaine's estimate, four bytes a token of the 500-byte prompt and its framing
			if !estimated || count.InputTokens != 133 {
				t.Errorf("openai: %d tokens, estimated %v", count.InputTokens, estimated)
			}
		default: // counted by the provider
			if estimated || count.InputTokens == 0 || len(tc.fake.Bodies(map[string]string{"anthropic": "count_tokens", "google": "gemini_count_tokens"}[tc.provider])) != 1 {
				t.Errorf("%s: %d tokens, estimated %v", tc.provider, count.InputTokens, estimated)
			}
		}
	}
	rec := g.lastRecord(k.UserID, 3, "/v1/messages/count_tokens")
	if rec.Cost != 0 || rec.Status != 200 || rec.Provider != "openai" {
		t.Fatalf("a count is free and audited: %+v", rec)
	}
	if used, _ := activeApp(t).runtime.ledger.Used(k.UserID); used != 0 {
		t.Fatalf("counting cost %d µUSD", used)
	}
}

func TestEmbeddingsAtOpenAIAndGemini(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	client := unifiedSDK(g, k.Key)
	ctx := context.Background()

	// OpenAI counts the tokens: 8 bytes of text each, 2 tokens each, at
	// $0.02 per million: 4 tokens cost 0.08 µUSD, rounded up to 1.
	res, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "text-embedding-3-small",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"hello yo", "goodbye!"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Data) != 2 || res.Data[1].Index != 1 || len(res.Data[0].Embedding) != 4 || res.Usage.PromptTokens != 4 {
		t.Fatalf("openai embeddings %s", res.RawJSON())
	}
	if rec := g.lastRecord(k.UserID, 1, "/v1/embeddings"); rec.Provider != "openai" || rec.TokensIn != 4 || rec.Cost != 1 {
		t.Fatalf("audit record %+v", rec)
	}

	// Gemini answers the vectors alone: the tokens are estimated, and a
	// caller asking for base64 gets float32s.
	var resp *http.Response
	res, err = client.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "gemini-embedding-001",
		Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("twelve bytes")}, EncodingFormat: openai.EmbeddingNewParamsEncodingFormatBase64},
		openaioption.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	raw := gjson.Get(res.RawJSON(), "data.0.embedding").Str
	floats, _ := base64.StdEncoding.DecodeString(raw)
	if len(floats) != 16 || math.Float32frombits(binary.LittleEndian.Uint32(floats)) != 0.5 || resp.Header.Get("X-Kaine-Provider") != "google" {
		t.Fatalf("gemini embeddings %s", res.RawJSON())
	}
	if rec := g.lastRecord(k.UserID, 2, "/v1/embeddings"); rec.TokensIn != 3 || !strings.Contains(rec.Note, "usage_estimated") {
		t.Fatalf("audit record %+v", rec)
	}

	// A chat model is not an embedding model.
	status, _, body := g.doRaw("POST", "/v1/embeddings", k.Key, `{"model":"haiku","input":"x"}`)
	if status != 400 || gjson.GetBytes(body, "error.param").Str != "model" {
		t.Fatalf("a chat model: %d %s", status, body)
	}
}

func TestChatCompletionsOnTheCallersOwnKey(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	client := unifiedSDK(g, k.Key, openaioption.WithHeader("X-Kaine-Provider-Key", "sk-own-SECRET"))
	u.openai.Enqueue(fakeupstream.Reply{Text: "Mine.", Usage: fakeupstream.Usage{InputTokens: 100000, OutputTokens: 100000}})
	done, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "openai/gpt-5.4-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hi")}})
	if err != nil || done.Choices[0].Message.Content != "Mine." {
		t.Fatalf("byok: %v %v", done, err)
	}
	if got := u.openai.Requests()[0].Header.Get("Authorization"); got != "Bearer sk-own-SECRET" {
		t.Fatalf("upstream Authorization %q", got)
	}
	if rec := g.frontRecord(k.UserID, 1); rec.Cost != 500 || strings.Contains(rec.Note, "SECRET") {
		t.Fatalf("a BYOK call costs the fee: %+v", rec)
	}
}

func TestTheFrontsTakeTheKeyWhereEitherSDKPutsIt(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("ada", "read", "write")
	u.anthropic.Default(fakeupstream.Reply{Text: "Hi."})
	for path, body := range map[string]string{
		"/v1/chat/completions": `{"model":"haiku","messages":[{"role":"user","content":"Hi"}]}`,
		"/v1/messages":         `{"model":"haiku","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}`,
	} {
		for _, header := range []map[string]string{{"Authorization": "Bearer " + k.Key}, {"X-Api-Key": k.Key}} {
			if status, _, data := g.sendWithHeaders("POST", g.base+path, header, []byte(body)); status != 200 {
				t.Errorf("%s with %v: %d %s", path, header, status, data)
			}
		}
	}
}
