package agents

import (
	"context"
	"testing"
)

func TestRunsStartedAfterUseCallTheNewModelAndTools(t *testing.T) {
	old := newModel(t) // must never be called
	r := newRunner(t, old, gatewayTools())
	fresh := newModel(t, says("Done."), judges("accept", "fine"))
	tools := gatewayTools()
	r.Use(fresh, map[string]Tool{"crm_search": tools["crm_search"]})
	run, err := r.Run(context.Background(), alice, catalogAgent(t, "lead_hunter_agent"), "Find roofers.")
	if err != nil || run.Status != Completed {
		t.Fatalf("run %+v, %v", run, err)
	}
	if len(old.requests()) != 0 || len(fresh.requests()) != 2 {
		t.Fatalf("old model called %d times, new one %d", len(old.requests()), len(fresh.requests()))
	}
	if got := toolNames(fresh.requests()[0].Tools); len(got) != 1 || got[0] != "crm_search" {
		t.Fatalf("offered %v, want only the new config's crm_search", got)
	}
}
