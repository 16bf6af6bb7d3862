package caddymodule

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/openai/openai-go/v3"
	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
	"github.com/keinetech/kaine/routing/fakeupstream"
)

// familyUsage is what every call of the family test reports: 1,000 fresh
// prompt tokens, 3,000 read from the cache, 400 written to Anthropic's
// 5-minute cache, 200 out.
var familyUsage = fakeupstream.Usage{InputTokens: 1000, CacheRead: 3000, CacheWrite: 400, OutputTokens: 200}

// familyCases are one model of every family of the reference's price
// tables, with the cost of familyUsage worked out by hand from the
// provider's price page (USD per million: input, cache read, cache write,
// output; Gemini's and OpenAI's prompts count the cached tokens, and no
// cache write).
var familyCases = []struct {
	provider, model string
	want            money.MicroUSD
}{
	// 1000×1 + 3000×0.10 + 400×1.25 + 200×5
	{"anthropic", "claude-haiku-4-5-20251001", 1000 + 300 + 500 + 1000},
	// 1000×3 + 3000×0.30 + 400×3.75 + 200×15
	{"anthropic", "claude-sonnet-4-6", 3000 + 900 + 1500 + 3000},
	// 1000×5 + 3000×0.50 + 400×6.25 + 200×25
	{"anthropic", "claude-opus-4-8", 5000 + 1500 + 2500 + 5000},
	// 1000×2 + 3000×0.10 (since 2026-10-07) + 400×2.50 + 200×10
	{"anthropic", "claude-sonnet-5-5", 2000 + 300 + 1000 + 2000},
	// 1000×4 + 3000×0.40 + 400×5 + 200×20
	{"anthropic", "claude-opus-5-5", 4000 + 1200 + 2000 + 4000},
	// 4,400 prompt tokens, under 100K: 1000×0.10 + 3000×0.01 + 400×0.125 + 200×0.50
	{"anthropic", "claude-haiku-5-5", 100 + 30 + 50 + 100},
	// 1000×10 + 3000×1 + 400×12.50 + 200×50
	{"anthropic", "claude-fable-5-1", 10000 + 3000 + 5000 + 10000},
	// Gemini bills cached tokens at the input price here (its cache price is not confirmed).
	// 4000×0.10 + 200×0.40
	{"google", "gemini-2.5-flash-lite", 400 + 80},
	// 4000×0.30 + 200×2.50
	{"google", "gemini-3.5-flash-lite", 1200 + 500},
	// 4000×1.50 + 200×9
	{"google", "gemini-3.5-flash", 6000 + 1800},
	// 4000×2 + 200×12 (under 200K)
	{"google", "gemini-3.1-pro-preview", 8000 + 2400},
	// 4000×0.75 + 200×3.75 until 2026-12-31; 4000×1.50 + 200×7.50 from 2027-01-01 (below)
	{"google", "gemini-3.8-flash", 3000 + 750},
	// 1000×2.50 + 3000×1.25 + 200×10
	{"openai", "gpt-4o", 2500 + 3750 + 2000},
	// 1000×0.40 + 3000×0.10 + 200×1.60
	{"openai", "gpt-4.1-mini", 400 + 300 + 320},
	// 1000×1.25 + 3000×0.125 + 200×10
	{"openai", "gpt-5.1", 1250 + 375 + 2000},
	// 1000×2.50 + 3000×0.25 + 200×15
	{"openai", "gpt-5.4-2026-03-05", 2500 + 750 + 3000},
	// 1000×0.20 + 3000×0.02 + 200×1.25
	{"openai", "gpt-5.4-nano", 200 + 60 + 250},
	// 1000×5 + 3000×0.50 + 200×30
	{"openai", "gpt-5.5", 5000 + 1500 + 6000},
	// 1000×0.10 + 3000×0.01 + 200×0.50
	{"openai", "gpt-6-luna", 100 + 30 + 100},
}

// callFamily makes one call of model through its provider's drop-in route,
// with the official SDK (Gemini over its plain wire format), plain or
// streamed, and returns the status the client saw.
func callFamily(t *testing.T, g *gateway, key, provider, model string, stream bool) int {
	t.Helper()
	ctx := context.Background()
	switch provider {
	case "anthropic":
		client := anthropicSDK(g, key)
		params := anthropic.MessageNewParams{Model: anthropic.Model(model), MaxTokens: 300,
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Say hi"))}}
		if stream {
			s := client.Messages.NewStreaming(ctx, params)
			for s.Next() {
			}
			return sdkStatus(t, s.Err())
		}
		_, err := client.Messages.New(ctx, params)
		return sdkStatus(t, err)
	case "openai":
		client := openaiSDK(g, key)
		params := openai.ChatCompletionNewParams{Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say hi")}}
		if stream {
			s := client.Chat.Completions.NewStreaming(ctx, params)
			for s.Next() {
			}
			return sdkStatus(t, s.Err())
		}
		_, err := client.Chat.Completions.New(ctx, params)
		return sdkStatus(t, err)
	}
	method := ":generateContent"
	if stream {
		method = ":streamGenerateContent?alt=sse"
	}
	status, _, _ := g.sendWithHeaders("POST", g.base+"/google/v1beta/models/"+model+method, map[string]string{"X-Goog-Api-Key": key},
		[]byte(`{"contents":[{"role":"user","parts":[{"text":"Say hi"}]}]}`))
	return status
}

// sdkStatus is the status of a failed SDK call, or 200.
func sdkStatus(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 200
	}
	if e, ok := errors.AsType[*anthropic.Error](err); ok {
		return e.StatusCode
	}
	if e, ok := errors.AsType[*openai.Error](err); ok {
		return e.StatusCode
	}
	t.Fatalf("call failed outside the API: %v", err)
	return 0
}

// One model of every family, called plain and streamed with the official
// SDKs: each is served, and its audit record's cost is the fake's usage
// priced by hand. A model whose shutdown day has come is refused before
// the provider is called, naming its replacement.
func TestEveryModelFamilyIsPricedByTheCatalog(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	table, err := routing.NewTable(routing.DefaultModels())
	if err != nil {
		t.Fatal(err)
	}
	fakes := map[string]*fakeupstream.Server{"anthropic": u.anthropic, "google": u.google, "openai": u.openai}
	records := 0
	for _, c := range familyCases {
		for _, stream := range []bool{false, true} {
			name := fmt.Sprintf("%s stream=%v", c.model, stream)
			m, _ := table.ForUpstream(c.provider, c.model)
			fake := fakes[c.provider]
			calls := fake.Calls()
			retired := m.Retired(time.Now()) != nil
			want := c.want
			if c.model == "gemini-3.8-flash" && !time.Now().Before(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
				want = 6000 + 1500
			}
			if !retired {
				fake.Enqueue(fakeupstream.Reply{Text: "Hi there.", Usage: familyUsage})
			}
			status := callFamily(t, g, k.Key, c.provider, c.model, stream)
			records++
			rec := g.lastRecord(k.UserID, records, "")
			switch {
			case retired:
				if status != 400 || rec.Error != "invalid_field" || fake.Calls() != calls {
					t.Errorf("%s: retired, yet %d %+v (provider called: %v)", name, status, rec, fake.Calls() != calls)
				}
			case status != 200 || rec.Status != 200 || rec.Cost != want:
				t.Errorf("%s: %d, audit record cost %d µUSD, want %d (%+v)", name, status, rec.Cost, want, rec)
			}
		}
	}
}

// Embeddings through each protocol are metered like generation: OpenAI's
// from the answer's usage, Gemini's (which reports none) from the
// request's text at four bytes a token, saying so in the audit record.
func TestEmbeddingsAreMetered(t *testing.T) {
	u := newUpstreams(t)
	g := startGateway(t, u.providers(""))
	k := g.userWithKey("angel", "read", "write")
	text := strings.Repeat("abcd", 1000) // 4,000 bytes: 1,000 tokens

	client := openaiSDK(g, k.Key)
	emb, err := client.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "text-embedding-3-small", Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{text, text}}})
	if err != nil || len(emb.Data) != 2 || emb.Usage.PromptTokens != 2000 {
		t.Fatalf("openai embeddings: %+v %v", emb, err)
	}
	// 2,000 tokens × $0.02 per million = 40 µUSD.
	if rec := g.lastRecord(k.UserID, 1, "/openai/v1/embeddings"); rec.Cost != 40 || rec.TokensIn != 2000 || rec.TokensOut != 0 || rec.Note != "" {
		t.Fatalf("openai embeddings audit record %+v", rec)
	}

	gemini := func(path, body string) {
		t.Helper()
		status, _, data := g.sendWithHeaders("POST", g.base+"/google/v1beta/models/"+path, map[string]string{"X-Goog-Api-Key": k.Key}, []byte(body))
		if status != 200 || !strings.Contains(string(data), "values") {
			t.Fatalf("%s: %d %s", path, status, data)
		}
	}
	gemini("gemini-embedding-001:embedContent", `{"content":{"parts":[{"text":"`+text+`"}]}}`)
	// 1,000 tokens × $0.15 per million = 150 µUSD, estimated.
	if rec := g.lastRecord(k.UserID, 2, "/google/v1beta/models/gemini-embedding-001:embedContent"); rec.Cost != 150 || rec.TokensIn != 1000 || rec.Note != "usage_estimated" {
		t.Fatalf("gemini embedContent audit record %+v", rec)
	}
	gemini("gemini-embedding-001:batchEmbedContents", `{"requests":[`+
		`{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"`+text+`"}]}},`+
		`{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"`+text+`"},{"text":"`+text+`"}]}}]}`)
	// 3,000 tokens × $0.15 per million = 450 µUSD.
	if rec := g.lastRecord(k.UserID, 3, "/google/v1beta/models/gemini-embedding-001:batchEmbedContents"); rec.Cost != 450 || rec.TokensIn != 3000 || rec.Note != "usage_estimated" {
		t.Fatalf("gemini batchEmbedContents audit record %+v", rec)
	}
	status, _, data := g.do("GET", g.base+"/v1/usage", k.Key, nil)
	if used := gjson.GetBytes(data, "status.used_usd").Float(); status != 200 || used != 0.00064 {
		t.Fatalf("usage %s, want 40 + 150 + 450 µUSD", data)
	}
}
