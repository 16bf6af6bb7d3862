package caddymodule

import (
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/money"
)

// A model block changes the model its name is, or, naming another id,
// moves the name there; a model new to the catalog needs its provider.
func TestModelBlocksEditTheCatalog(t *testing.T) {
	price := func(usd int64) *money.MicroUSD { m := money.MicroUSD(usd * 1_000_000); return &m }
	app := &App{Models: map[string]ModelConfig{
		"sonnet":       {ID: "claude-sonnet-4-6"},
		"gpt-5.4":      {InputUSD: price(2)},
		"house":        {Provider: "openai", ID: "gpt-house-1", InputUSD: price(1), OutputUSD: price(4)},
		"llama-guard":  {Provider: "openai"},
		"gemini-flash": {Retires: ptr("never")},
	}}
	table, err := app.modelTable()
	if err != nil {
		t.Fatal(err)
	}
	if m := table.Model("sonnet"); m.ID != "claude-sonnet-4-6" {
		t.Fatalf("sonnet names %s", m.ID)
	}
	if m := table.Model("claude-sonnet-5-5"); len(m.Aliases) != 0 {
		t.Fatalf("claude-sonnet-5-5 kept the alias it lost: %v", m.Aliases)
	}
	if p := table.Model("gpt").PriceAt(time.Now()); p.Input != 2_000_000 || p.Output != 15_000_000 {
		t.Fatalf("gpt-5.4 through its alias: %+v", p)
	}
	if m := table.Model("house"); m.ID != "gpt-house-1" || m.Provider != "openai" || m.PriceAt(time.Now()).Output != 4_000_000 {
		t.Fatalf("new model %+v", m)
	}
	if m := table.Model("llama-guard"); m == nil || m.PriceAt(time.Now()).Input != 0 {
		t.Fatalf("a new model without prices is free: %+v", m)
	}

	for name, mc := range map[string]ModelConfig{
		"claude-sonnet-5-5": {ID: "claude-sonnet-4-6"}, // an id cannot become another's alias
		"mine":              {ID: "sonnet"},            // an alias is not an id
		"newcomer":          {InputUSD: price(1)},      // no provider
	} {
		bad := &App{Models: map[string]ModelConfig{name: mc}}
		if _, err := bad.modelTable(); err == nil {
			t.Errorf("model %s %+v was accepted", name, mc)
		} else if !strings.HasPrefix(err.Error(), "model "+name+":") {
			t.Errorf("model %s: error %q does not name the block", name, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
