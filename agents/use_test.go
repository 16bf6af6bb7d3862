package agents

import (
	"context"
	"errors"
	"testing"

	"github.com/keinetech/kaine/routing"
)

// Each run calls the model and tools of the kit it was given: a config's,
// so a reload's new config takes the runs started after it.
func TestARunUsesTheKitItStartedWith(t *testing.T) {
	r := newRunner(t, newModel(t), gatewayTools()) // its kit must never be called
	fresh := newModel(t, says("Done."), judges("accept", "fine"))
	tools := gatewayTools()
	kit := Kit{Model: fresh, Tools: map[string]Tool{"crm_search": tools["crm_search"]}}
	run, err := r.Runner.Run(context.Background(), kit, alice, catalogAgent(t, "lead_hunter_agent"), "Find roofers.")
	if err != nil || run.Status != Completed {
		t.Fatalf("run %+v, %v", run, err)
	}
	if len(r.kit.Model.(*scriptedModel).requests()) != 0 || len(fresh.requests()) != 2 {
		t.Fatalf("the runner's other kit was called, or the run's was not")
	}
	if got := toolNames(fresh.requests()[0].Tools); len(got) != 1 || got[0] != "crm_search" {
		t.Fatalf("offered %v, want only the kit's crm_search", got)
	}
	if _, err := r.Runner.Run(context.Background(), Kit{}, alice, catalogAgent(t, "lead_hunter_agent"), "x"); err == nil {
		t.Fatal("a run without a model was started")
	}
}

func TestAnAccountHasAtMostMaxAsyncRunsUnderWay(t *testing.T) {
	release := make(chan struct{})
	blocked := func(ctx context.Context, _ routing.Request) (Reply, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return Reply{}, errors.New("released")
	}
	model := newModel(t, blocked, blocked, blocked)
	r := newRunner(t, model, gatewayTools())
	r.MaxAsyncPerAccount = 2
	agent := catalogAgent(t, "seo_agent")
	for range 2 {
		if _, err := r.Start(alice, agent, "Rank us"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Start(alice, agent, "Rank us"); !errors.Is(err, ErrBusy) {
		t.Fatalf("a third run: %v, want ErrBusy", err)
	}
	if _, err := r.Start(Env{Account: 2}, agent, "Rank us"); errors.Is(err, ErrBusy) {
		t.Fatal("another account was refused for alice's runs")
	}
	close(release)
}
