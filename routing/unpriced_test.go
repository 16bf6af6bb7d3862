package routing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A call pinned to a provider naming a model the table does not have is
// planned by the provider's unpriced policy, or on the caller's own key.
func TestPlanningUnpricedModels(t *testing.T) {
	tr := newTestRouter(t)
	table := tr.Table()
	tr.providers["openai"].Unpriced = Unpriced{Mode: UnpricedPriceAs, As: table.Model("gpt-mini")}
	tr.providers["google"].Unpriced = Unpriced{Mode: UnpricedFree}

	plan, err := tr.Plan(Params{Request: Request{Prompt: "hi", MaxTokens: 100}, Provider: "openai", Model: "gpt-9"})
	if err != nil || plan.UnpricedNote != "unpriced_model_billed_as:gpt-5.4-mini" || plan.UnpricedPolicy() != UnpricedPriceAs {
		t.Fatalf("price_as: %+v %v", plan, err)
	}
	// 16 + 2 prompt bytes and 100 out, at gpt-5.4-mini's $0.75 / $4.50 per million.
	if want := table.Model("gpt-mini").PriceAt(time.Now()).Cost(Usage{Input: 18, Output: 100}); plan.Estimate != want {
		t.Fatalf("price_as estimate %d, want %d", plan.Estimate, want)
	}
	plan, err = tr.Plan(Params{Request: Request{Prompt: "hi", MaxTokens: 100}, Provider: "google", Model: "gemma-9"})
	if err != nil || plan.UnpricedNote != "unpriced_model_free" || plan.Estimate != 0 {
		t.Fatalf("free: %+v %v", plan, err)
	}
	_, err = tr.Plan(Params{Request: Request{Prompt: "hi", MaxTokens: 100}, Provider: "anthropic", Model: "claude-9"})
	if !errors.Is(err, ErrUnknownModel) {
		t.Fatalf("refuse: %v", err)
	}
	_, err = tr.Plan(Params{Request: Request{Prompt: "hi", MaxTokens: 100}, Model: "gpt-9"})
	if !errors.Is(err, ErrUnknownModel) {
		t.Fatalf("an unknown model without a provider: %v", err)
	}
	plan, err = tr.Plan(Params{Request: Request{Prompt: "hi", MaxTokens: 100}, Model: "claude-9", BYOKKey: "sk-own"})
	if err != nil || plan.Estimate != 500 || plan.UnpricedNote != "" {
		t.Fatalf("byok on any model: %+v %v", plan, err)
	}
}

func TestEmbeddingModelsGenerateNothing(t *testing.T) {
	tr := newTestRouter(t)
	_, err := tr.Plan(Params{Request: Request{Prompt: "hi", MaxTokens: 100}, Model: "text-embedding-3-small"})
	if !errors.Is(err, ErrUnknownModel) || !strings.Contains(err.Error(), "embedding model") {
		t.Fatalf("an embedding model on /v1/llm: %v", err)
	}
	if _, err := New(Options{Providers: nil, Table: tr.Table(), Rules: Rules{DefaultRoute: []string{"text-embedding-3-small"}}, Breakers: NewBreakers(nil)}); err == nil {
		t.Fatal("a route naming an embedding model was accepted")
	}
}

func TestCheckPriceAs(t *testing.T) {
	table, err := NewTable(DefaultModels())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for id, want := range map[string]string{
		"gpt-5.4-mini":           "",
		"text-embedding-3-small": "embedding model",
		"claude-sonnet-4":        "retired",
		"gpt-4.1-nano":           "retired",
	} {
		err := CheckPriceAs(table.Model(id), now)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", id, err, want)
		}
	}
}

// A model without prices is only allowed once retired: moving its day
// would make it free.
func TestAModelWithoutPricesMustBeRetired(t *testing.T) {
	models := DefaultModels()
	for i := range models {
		if models[i].ID == "claude-sonnet-4" {
			models[i].Retires = "2099-01-01"
		}
	}
	if _, err := NewTable(models); err == nil || !strings.Contains(err.Error(), "claude-sonnet-4: no price") {
		t.Fatalf("a priceless model that still serves: %v", err)
	}
}
