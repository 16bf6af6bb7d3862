package agents

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestTheDefaultCatalogHoldsEighteenAgentsWithTheContractsFields(t *testing.T) {
	c := Default()
	if len(c.List()) != 18 || len(c.List()) != 18 {
		t.Fatalf("%d agents", len(c.List()))
	}
	crm, ok := c.Get("lead_crm_agent")
	if !ok {
		t.Fatal("no lead_crm_agent")
	}
	got, _ := json.Marshal(crm.Public())
	want := `{"name":"lead_crm_agent","description":"Automatically follows up with new leads via email and SMS until they book",` +
		`"allowed_tools":["crm_update","send_email","send_sms","send_booking_link"],"complexity_tier":"standard","use_extended_thinking":false}`
	if string(got) != want {
		t.Fatalf("lead_crm_agent lists as\n%s\nwant\n%s", got, want)
	}
	for _, name := range []string{"lead_crm_agent", "lead_hunter_agent", "workflow_agent", "voice_phone_agent", "meta_ads_agent", "knowledge_librarian_agent"} {
		if _, ok := c.Get(name); !ok {
			t.Errorf("the catalog lacks %s", name)
		}
	}
	for _, name := range []string{"workflow_agent", "voice_phone_agent"} {
		if a, _ := c.Get(name); a.ComplexityTier != Complex {
			t.Errorf("%s is %s", name, a.ComplexityTier)
		}
	}
	used := map[string]bool{}
	for _, a := range c.List() {
		if len(a.SystemPrompt) < 500 || !strings.Contains(a.SystemPrompt, "summary") {
			t.Errorf("%s has a thin system prompt", a.Name)
		}
		if len(a.AllowedTools) == 0 {
			t.Errorf("%s has no tools", a.Name)
		}
		if slices.ContainsFunc(a.AllowedTools, func(tool string) bool { return strings.HasPrefix(tool, "send_") || tool == "phone_call" }) &&
			!strings.Contains(a.SystemPrompt, "queued") {
			t.Errorf("%s reaches people but its prompt never warns that queued is not sent", a.Name)
		}
		for _, tool := range a.AllowedTools {
			used[tool] = true
			if !strings.Contains(a.SystemPrompt, tool) {
				t.Errorf("%s's prompt never says when to use %s", a.Name, tool)
			}
		}
	}
	if err := c.Validate(func(tool string) bool { return slices.Contains(knownTools, tool) }); err != nil {
		t.Fatal(err)
	}
	if len(used) != len(knownTools) {
		t.Errorf("tools no agent uses: %d of %d used", len(used), len(knownTools))
	}
	if c.List()[0].Name != "lead_crm_agent" {
		t.Errorf("the list starts with %s", c.List()[0].Name)
	}
}

func TestThePublicListingLeavesTheSystemPromptOut(t *testing.T) {
	for _, a := range Default().List() {
		data, _ := json.Marshal(a.Public())
		if strings.Contains(string(data), "system_prompt") || strings.Contains(string(data), a.SystemPrompt[:40]) {
			t.Fatalf("%s's listing shows its prompt: %s", a.Name, data)
		}
	}
	if data, _ := json.Marshal(Agent{Name: "bare"}.Public()); !strings.Contains(string(data), `"allowed_tools":[]`) {
		t.Fatalf("no tools lists as %s", data)
	}
}

func TestACatalogIsNotChangedThroughWhatItReturns(t *testing.T) {
	a, _ := Default().Get("seo_agent")
	a.AllowedTools[0] = "phone_call"
	Default().List()[0].AllowedTools[0] = "phone_call"
	if b, _ := Default().Get("seo_agent"); b.AllowedTools[0] == "phone_call" {
		t.Fatal("Get shares the tool list")
	}
	if Default().List()[0].AllowedTools[0] == "phone_call" {
		t.Fatal("List shares the tool list")
	}
}

func TestOverridesReplaceOrAddAgents(t *testing.T) {
	list, err := ParseAgents([]byte(`[
		{"name":"seo_agent","description":"Local SEO only","allowed_tools":["knowledge_search"],"complexity_tier":"complex","use_extended_thinking":true},
		{"name":"quote_agent","description":"Writes quotes","allowed_tools":["knowledge_search","send_email"],"complexity_tier":"standard","system_prompt":"You write quotes."}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	base := Default()
	c, err := base.With(list...)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.List()) != 19 || len(base.List()) != 18 {
		t.Fatalf("%d agents, base %d", len(c.List()), len(base.List()))
	}
	seo, _ := c.Get("seo_agent")
	old, _ := base.Get("seo_agent")
	if seo.Description != "Local SEO only" || seo.ComplexityTier != Complex || !seo.UseExtendedThinking || seo.SystemPrompt != old.SystemPrompt {
		t.Fatalf("the replaced seo_agent %+v", seo)
	}
	names := func(c *Catalog) []string {
		var out []string
		for _, a := range c.List() {
			out = append(out, a.Name)
		}
		return out
	}
	if got := names(c); !slices.Equal(got[:18], names(base)) || got[18] != "quote_agent" {
		t.Fatalf("order %v", got)
	}
	if quote, _ := c.Get("quote_agent"); quote.SystemPrompt != "You write quotes." {
		t.Fatalf("quote_agent %+v", quote)
	}
	if err := c.Validate(func(tool string) bool { return slices.Contains(knownTools, tool) }); err != nil {
		t.Fatal(err)
	}

	// A new agent must bring its own prompt; an agent may not come twice.
	noPrompt, _ := ParseAgents([]byte(`[{"name":"new_agent","description":"d","allowed_tools":[],"complexity_tier":"standard"}]`))
	if _, err := base.With(noPrompt...); err == nil || !strings.Contains(err.Error(), `"new_agent": system_prompt is empty`) {
		t.Fatalf("a new agent without a prompt: %v", err)
	}
	if _, err := base.With(list[1], list[1]); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("an agent given twice: %v", err)
	}
}

func TestBadAgentFilesAreRefusedWithTheReason(t *testing.T) {
	entry := func(fields string) string {
		return `[{"name":"quote_agent","description":"Writes quotes","allowed_tools":["send_email"],"complexity_tier":"standard","system_prompt":"p"` + fields + `}]`
	}
	for _, c := range []struct{ file, want string }{
		{``, "JSON array"},
		{`{"name":"quote_agent"}`, "JSON array"},
		{entry(`,"tools":["x"]`), `unknown field "tools"`},
		{entry(``) + `[]`, "after the array"},
		{strings.Replace(entry(``), "quote_agent", "Quote-Agent", 1), `name "Quote-Agent"`},
		{strings.Replace(entry(``), "quote_agent", "q", 1), `name "q"`},
		{strings.Replace(entry(``), "Writes quotes", " ", 1), "description is empty"},
		{strings.Replace(entry(``), `"standard"`, `"premium"`, 1), `complexity_tier "premium"`},
		{strings.Replace(entry(``), `["send_email"]`, `["send_email","send_email"]`, 1), `"send_email" twice`},
		{strings.Replace(entry(``), `["send_email"]`, `["send_email",""]`, 1), "allowed_tools[1] is empty"},
		{`[` + entry(``)[1:len(entry(``))-1] + `,` + entry(``)[1:], `"quote_agent" is given twice`},
	} {
		if _, err := ParseAgents([]byte(c.file)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseAgents(%s) = %v, want an error with %q", c.file, err, c.want)
		}
	}
	if list, err := ParseAgents([]byte(entry(``))); err != nil || len(list) != 1 {
		t.Fatalf("the good entry: %v", err)
	}
}

func TestValidateNamesEveryToolTheGatewayLacks(t *testing.T) {
	err := Default().Validate(func(tool string) bool { return tool != "phone_call" && tool != "generate_video" })
	if err == nil {
		t.Fatal("a catalog with missing tools passed")
	}
	for _, want := range []string{`"voice_phone_agent" allows tool "phone_call"`, `"video_agent" allows tool "generate_video"`, `"meta_ads_agent" allows tool "generate_video"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %s: %v", want, err)
		}
	}
}
