package agents

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
)

// chargingTool does billable work of its own, as generate_landing_page's
// model call is.
type chargingTool struct{ cost money.MicroUSD }

func (c chargingTool) Spec() routing.Tool {
	return routing.Tool{Name: "generate_landing_page", Parameters: json.RawMessage(`{"type":"object"}`)}
}

func (c chargingTool) Run(_ context.Context, env Env, _ json.RawMessage) (string, error) {
	env.Charge(c.cost)
	return "https://example.test/files/page.html", nil
}

func TestWhatAToolChargesIsPartOfTheRunsCost(t *testing.T) {
	const pageCost money.MicroUSD = 2500
	model := newModel(t,
		says("", use("generate_landing_page", `{"business_name":"Acme"}`)),
		says("The page is up."),
		judges("accept", "done"),
	)
	r := NewRunner(newStore(t))
	t.Cleanup(r.Close)
	kit := Kit{Model: model, Tools: map[string]Tool{"generate_landing_page": chargingTool{pageCost}}}
	run, err := r.Run(context.Background(), kit, alice, catalogAgent(t, "landing_page_agent"), "Make Acme a page.")
	if err != nil {
		t.Fatal(err)
	}
	if want := 3*callCost + pageCost; run.Cost != want || run.ToolCost != pageCost {
		t.Fatalf("run cost %v, want %v (three model calls and the page)", run.Cost, want)
	}
	stored, err := r.Store.Get(alice.Account, run.ID)
	if err != nil || stored.Cost != run.Cost {
		t.Fatalf("stored cost %v (%v), want %v", stored.Cost, err, run.Cost)
	}
}
