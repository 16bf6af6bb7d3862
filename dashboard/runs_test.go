package dashboard

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/workflows"
)

func TestRunsListLinksAgentRunsAndPages(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	started := testNow.Add(-time.Hour)
	h.account.workflows[h.alice.ID] = handlers.WorkflowList{
		Workflows: []workflows.Run{
			{ID: "run_3", Source: workflows.SourceKaine, Name: "agent researcher", Status: workflows.StatusSuccess, StartedAt: &started, FinishedAt: &testNow, Steps: 4},
			{ID: "req_9", Source: workflows.SourceKaine, Name: "landing page", Status: workflows.StatusSuccess, StartedAt: &started, FinishedAt: &testNow, URL: "https://gw.example/p/bakery"},
			{ID: "vid_2", Source: workflows.SourceKaine, Name: "video (veo)", Status: workflows.StatusQueued},
		},
		Count:   3,
		Warning: "n8n's runs are missing: n8n did not answer in time.",
	}
	p := h.signedIn(h.alice).get("runs")
	p.want(http.StatusOK,
		`<a href="/dashboard/runs/agent/3">agent researcher</a>`, "4 steps",
		`<a href="https://gw.example/p/bakery">the page</a>`,
		"video (veo)", "not yet", "2026-12-06 11:00:00 UTC",
		"n8n&#39;s runs are missing: n8n did not answer in time.")
	if strings.Contains(p.body, "runs/agent/9") || strings.Contains(p.body, "runs/agent/2") {
		t.Fatal("a run that is not an agent's links to the agent page")
	}
}

func TestAnAgentRunIsShownToItsAccountOnly(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.account.runs[[2]uint64{h.alice.ID, 3}] = agents.Run{
		ID: 3, Account: h.alice.ID, Agent: "researcher", Goal: "Find three bakeries", Status: agents.Completed,
		Summary: "Found them.", Cost: 42_000, TokensIn: 1200, TokensOut: 300, CreatedAt: testNow,
		Steps: []agents.Step{
			{Text: "I will search.", Model: "claude-sonnet-5", Provider: "anthropic", Cost: 21_000,
				ToolCalls: []agents.ToolCall{{Name: "web_search", Input: json.RawMessage(`{"q":"bakery"}`), Output: strings.Repeat("crumb ", 1000)}}},
			{Critique: true, Text: "Accept.", Model: "claude-haiku-4", ToolCalls: []agents.ToolCall{{Name: "shell", Input: json.RawMessage(`{}`), Error: "not allowed", Refused: true}}},
		},
	}
	alice := h.signedIn(h.alice)
	p := alice.get("runs/agent/3")
	p.want(http.StatusOK, "<h1>Agent run 3</h1>", "researcher", "Find three bakeries", "Found them.", "$0.042", "1200 in, 300 out",
		"I will search.", "Tool web_search", "{&#34;q&#34;:&#34;bakery&#34;}", "…(clipped)",
		"Self-critique", "Tool shell</strong> (refused)", "Error: not allowed")
	if strings.Contains(p.body, strings.Repeat("crumb ", readableRunes/6+1)) {
		t.Fatal("a long tool output was not clipped")
	}

	h.signedIn(h.bob).get("runs/agent/3").want(http.StatusNotFound)
	alice.get("runs/agent/4").want(http.StatusNotFound)
	alice.get("runs/agent/three").want(http.StatusNotFound)
}
