package caddymodule

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// lead_hunter_agent reads a page of the local server the config allows,
// is refused every other loopback and private address, and adds the
// prospect it found.
func TestLeadHunterFetchesOnlyWhatTheOperatorAllows(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<title>Lisbon Boilers</title><script>steal()</script><p>Boiler repair in Lisbon. Contact: ops@lisbon-boilers.example</p>`))
	}))
	defer site.Close()
	private := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("internal")) }))
	defer private.Close()
	u := newUpstreams(t)
	g := startGateway(t, u.providers(fmt.Sprintf(`agents {
			fetch {
				allow %s
				timeout 2s
			}
		}`, strings.TrimPrefix(site.URL, "http://"))))
	k := g.userWithKey("hunter", "read", "write")
	u.anthropic.Enqueue(
		agentCall("fetch_page", `{"url":"`+site.URL+`/about"}`),
		agentCall("fetch_page", `{"url":"`+private.URL+`"}`),
		agentCall("fetch_page", `{"url":"https://10.0.0.8/admin"}`),
		agentCall("crm_add_lead", `{"name":"Lisbon Boilers","email":"ops@lisbon-boilers.example","notes":"Score 8: boiler repair in Lisbon."}`),
		agentSays("Added Lisbon Boilers (score 8); two addresses could not be read."),
		verdict("accept", "Only what the tools returned."),
	)
	status, run := g.runAgent(k.Key, `{"agent_name":"lead_hunter_agent","goal":"Find boiler companies in Lisbon; start with `+site.URL+`/about."}`)
	if status != 200 || run.Get("status").Str != "completed" {
		t.Fatalf("%d %s", status, run.Raw)
	}
	calls := run.Get("tool_calls").Array()
	if len(calls) != 4 {
		t.Fatalf("tool calls %s", run.Get("tool_calls").Raw)
	}
	page := gjson.Parse(calls[0].Get("output").Str)
	if page.Get("title").Str != "Lisbon Boilers" || !strings.Contains(page.Get("text").Str, "ops@lisbon-boilers.example") || strings.Contains(page.Get("text").Str, "steal") {
		t.Fatalf("the allowed page: %s", calls[0].Raw)
	}
	for i, want := range map[int]string{1: "refused", 2: "not a public address"} {
		if !strings.Contains(calls[i].Get("error").Str, want) || strings.Contains(calls[i].Raw, "internal") {
			t.Fatalf("call %d: %s, want refused (%s)", i, calls[i].Raw, want)
		}
	}
	_, _, data := g.doRaw("GET", "/v1/leads", k.Key, "")
	if lead := gjson.GetBytes(data, "leads.0"); lead.Get("email").Str != "ops@lisbon-boilers.example" || lead.Get("source").Str == "" {
		t.Fatalf("leads after the run: %s", data)
	}
	// Only the agent's tools were offered, fetch_page among them.
	first := gjson.ParseBytes(u.anthropic.Bodies("anthropic")[0])
	if !strings.Contains(first.Get("tools.#.name").Raw, `"fetch_page"`) {
		t.Fatalf("offered %s", first.Get("tools.#.name").Raw)
	}
}
