package workflows

import (
	"strings"
	"testing"
)

func TestBaseURL(t *testing.T) {
	tests := []struct {
		name   string
		suffix string
	}{
		{"instance root", ""},
		{"root with a slash", "/"},
		{"API base", "/api/v1"},
		{"API base with a slash", "/api/v1/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.SetExecutions(finishedRuns(2)...)
			f.SetWorkflow("7", "Lead intake")
			n := &N8N{BaseURL: f.URL + tt.suffix, APIKey: testKey, Client: testClient}
			runs, err := n.Executions(t.Context(), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 2 || runs[0].Name != "Lead intake" {
				t.Errorf("runs %v", runs)
			}
			for _, r := range f.Requests() {
				if !strings.HasPrefix(r.Path, "/api/v1/") || strings.Contains(r.Path, "//") || strings.Contains(r.Path, "/api/v1/api/") {
					t.Errorf("requested %s", r.Path)
				}
			}
		})
	}
}

func TestAPIBase(t *testing.T) {
	tests := []struct {
		base, want string
	}{
		{"https://n8n.example.com", "https://n8n.example.com/api/v1"},
		{"https://n8n.example.com/", "https://n8n.example.com/api/v1"},
		{"https://n8n.example.com/api/v1", "https://n8n.example.com/api/v1"},
		{" https://example.com/n8n/api/v1/ ", "https://example.com/n8n/api/v1"},
		{"https://example.com/n8n", "https://example.com/n8n/api/v1"},
		{"", ""},
		{"n8n.example.com", ""},
		{"ftp://n8n.example.com", ""},
		{"https://", ""},
	}
	for _, tt := range tests {
		got, err := (&N8N{BaseURL: tt.base}).apiBase()
		if tt.want == "" {
			if err == nil {
				t.Errorf("%q: %q, want an error", tt.base, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %q, %v; want %q", tt.base, got, err, tt.want)
		}
	}
}
