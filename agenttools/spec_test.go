package agenttools

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/landing"
	"github.com/keinetech/kaine/videos"
	"github.com/keinetech/kaine/webfetch"
	"github.com/keinetech/kaine/workflows"
)

// allDeps has every dependency, so New makes every tool.
func allDeps(s stores) Deps {
	d := s.deps()
	d.BookingURL = "https://book.example.com/ana"
	d.LandingPages = &fakePages{}
	d.Videos = &fakeVideos{}
	d.Workflows = nopWorkflows{}
	d.WorkflowsAllowed = func(uint64) bool { return true }
	d.Numbers = &fakeNumbers{}
	d.Fetcher = webfetch.New(webfetch.Options{})
	d.WebSearch = fakeSearch{}
	d.MetaAds = fakeAdAccounts{&fakeAdClient{}}
	return d
}

type nopWorkflows struct{}

func (nopWorkflows) TriggerWebhook(context.Context, string, []byte) (workflows.WebhookResult, error) {
	return workflows.WebhookResult{}, nil
}

// allTools are the tools with every dependency given: Names, sorted.
var allTools = slices.Sorted(slices.Values(Names))

func TestNewMakesTheToolsItsDependenciesAllow(t *testing.T) {
	s := newStores(t)
	tests := []struct {
		name string
		deps Deps
		want []string
	}{
		{"everything", allDeps(s), allTools},
		{"nothing: a search that answers nothing was searched", Deps{}, []string{"web_search"}},
		{"stores only: messaging without connectors still records", s.deps(), []string{
			"crm_add_lead", "crm_pipeline", "crm_search", "crm_update", "knowledge_search", "phone_call", "send_booking_link", "send_email", "send_sms", "web_search"}},
		{"no outbox: nothing that could not be recorded", Deps{CRM: s.leads}, []string{"crm_add_lead", "crm_pipeline", "crm_search", "crm_update", "web_search"}},
		{"workflows without an allow list", Deps{Workflows: nopWorkflows{}}, []string{"trigger_workflow", "web_search"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tools := New(tt.deps)
			if got := slices.Sorted(maps.Keys(tools)); !slices.Equal(got, tt.want) {
				t.Errorf("tools %v, want %v", got, tt.want)
			}
			for name, tool := range tools {
				if tool.Spec().Name != name {
					t.Errorf("%s is named %s in its spec", name, tool.Spec().Name)
				}
			}
		})
	}
}

// TestSchemasMatchWhatTheToolsRead checks each schema is a closed JSON
// Schema object whose required fields are properties, and that the
// properties are exactly the fields the tool reads: the tool lists those
// when it refuses an unknown field.
func TestSchemasMatchWhatTheToolsRead(t *testing.T) {
	s := newStores(t)
	for name, tool := range New(allDeps(s)) {
		t.Run(name, func(t *testing.T) {
			spec := tool.Spec()
			if len(spec.Description) < 80 {
				t.Errorf("description too thin to teach the model: %q", spec.Description)
			}
			var schema struct {
				Type       string `json:"type"`
				Properties map[string]struct {
					Type        string   `json:"type"`
					Description string   `json:"description"`
					Enum        []string `json:"enum"`
					Minimum     *int     `json:"minimum"`
					Maximum     *int     `json:"maximum"`
					// Items is an array's element type.
					Items *struct {
						Type string `json:"type"`
					} `json:"items"`
				} `json:"properties"`
				Required   []string `json:"required"`
				Additional *bool    `json:"additionalProperties"`
			}
			dec := json.NewDecoder(strings.NewReader(string(spec.Parameters)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&schema); err != nil {
				t.Fatalf("schema: %v\n%s", err, spec.Parameters)
			}
			if schema.Type != "object" || schema.Additional == nil || *schema.Additional {
				t.Errorf("type %q, additionalProperties %v", schema.Type, schema.Additional)
			}
			for prop, p := range schema.Properties {
				if p.Type == "" || len(p.Description) < 10 {
					t.Errorf("property %s: type %q, description %q", prop, p.Type, p.Description)
				}
				if p.Minimum != nil && p.Maximum != nil && *p.Minimum > *p.Maximum || p.Enum != nil && len(p.Enum) < 2 {
					t.Errorf("property %s: bounds %v…%v, enum %v", prop, p.Minimum, p.Maximum, p.Enum)
				}
			}
			for _, r := range schema.Required {
				if _, ok := schema.Properties[r]; !ok {
					t.Errorf("required %s is not a property", r)
				}
			}
			_, err := tool.Run(t.Context(), env1, json.RawMessage(`{"zzz": 1}`))
			if err == nil {
				t.Fatal("an unknown field was accepted")
			}
			_, fields, ok := strings.Cut(err.Error(), "the fields are ")
			if !ok {
				t.Fatalf("error %q does not list the fields", err)
			}
			got := strings.Split(fields, ", ")
			slices.Sort(got)
			if want := slices.Sorted(maps.Keys(schema.Properties)); !slices.Equal(got, want) {
				t.Errorf("the tool reads %v, the schema has %v", got, want)
			}
		})
	}
}

func TestInputThatIsNotAnObjectIsRefusedPlainly(t *testing.T) {
	s := newStores(t)
	d := allDeps(s)
	tests := []struct{ input, want string }{
		{`[1, 2]`, "must be a JSON object"},
		{`"hello"`, "must be a JSON object"},
		{`{"query": `, "not valid JSON"},
		{`{"query": "a"} {"query": "b"}`, "one JSON object"},
		{`{"limit": "5"}`, "limit must be a whole number, not string"},
		{`{"limit": 2.5}`, "limit must be a whole number, not number 2.5"},
	}
	for _, tt := range tests {
		wantError(t, d, "crm_search", env1, tt.input, tt.want)
	}
	wantError(t, d, "crm_update", env1, `{"lead_id": -1, "status": "new"}`, "lead_id must be a whole number")
	// No input at all is an empty object: crm_search lists.
	for _, input := range []string{``, `null`, ` {} `} {
		if out := mustRun(t, d, "crm_search", env1, input); out != `{"leads":[],"count":0}` {
			t.Errorf("%q: %s", input, out)
		}
	}
}

// fakePages is a LandingPages that publishes nothing: it records the
// brief and answers url or err.
type fakePages struct {
	url   string
	err   error
	env   agents.Env
	brief landing.Brief
	calls int
}

func (f *fakePages) Generate(_ context.Context, env agents.Env, b landing.Brief) (string, error) {
	f.calls++
	f.env, f.brief = env, b
	return f.url, f.err
}

// fakeVideos is a Videos that records the request and answers job or err.
type fakeVideos struct {
	job      videos.Job
	err      error
	env      agents.Env
	prompt   string
	seconds  int
	provider string
	calls    int
}

func (f *fakeVideos) Generate(_ context.Context, env agents.Env, prompt string, seconds int, provider string) (videos.Job, error) {
	f.calls++
	f.env, f.prompt, f.seconds, f.provider = env, prompt, seconds, provider
	return f.job, f.err
}
