package agenttools

import (
	"net/http"
	"strings"
	"testing"

	"github.com/keinetech/kaine/workflows"
	"github.com/keinetech/kaine/workflows/faken8n"
)

const n8nKey = "n8n_api_0123456789abcdef"

// n8nDeps is trigger_workflow on a fake n8n, allowed for account 1 only.
func n8nDeps(t *testing.T) (*faken8n.Server, Deps) {
	t.Helper()
	f := faken8n.New(n8nKey)
	t.Cleanup(f.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return f, Deps{
		Workflows:        &workflows.N8N{BaseURL: f.URL, APIKey: n8nKey, Client: client},
		WorkflowsAllowed: func(account uint64) bool { return account == env1.Account },
	}
}

func TestTriggerWorkflow(t *testing.T) {
	f, d := n8nDeps(t)
	f.SetWebhook("crm/new-lead", faken8n.Webhook{Body: `{"ok":true,"row":12}`})
	out := mustRun(t, d, "trigger_workflow", env1, `{"workflow": "crm/new-lead", "payload": {"name": "Ana", "email": "ana@lima.dev"}}`)
	if out != `The workflow's webhook answered with status 200: {"ok":true,"row":12}` {
		t.Errorf("told the model %q", out)
	}
	reqs := f.Requests()
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/webhook/crm/new-lead" || string(reqs[0].Body) != `{"name": "Ana", "email": "ana@lima.dev"}` {
		t.Errorf("n8n got %+v", reqs)
	}
}

func TestTriggerWorkflowAnswers(t *testing.T) {
	tests := []struct {
		name string
		hook faken8n.Webhook
		want string
	}{
		{"n8n's default", faken8n.Webhook{}, `status 200: {"message":"Workflow was started"}`},
		{"text", faken8n.Webhook{Status: 202, ContentType: "text/plain; charset=utf-8", Body: "queued as #4"}, "status 202: queued as #4"},
		{"long text is cut", faken8n.Webhook{ContentType: "text/plain", Body: strings.Repeat("a", maxWorkflowAnswer+50)}, strings.Repeat("a", maxWorkflowAnswer) + "…"},
		{"binary is described", faken8n.Webhook{ContentType: "image/png", Body: "\x89PNG\r\n"}, "(6 bytes of image/png, not shown)"},
		{"text that is not UTF-8 is described", faken8n.Webhook{ContentType: "text/plain", Body: "\xff\xfe"}, "(2 bytes of text/plain, not shown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, d := n8nDeps(t)
			f.SetWebhook("hook", tt.hook)
			out := mustRun(t, d, "trigger_workflow", env1, `{"workflow": "hook", "payload": {}}`)
			if !strings.HasSuffix(out, tt.want) {
				t.Errorf("told the model %q, want it to end %q", out, tt.want)
			}
		})
	}
}

func TestTriggerWorkflowIsRefusedForAnAccountNotAllowed(t *testing.T) {
	f, d := n8nDeps(t)
	f.SetWebhook("crm/new-lead", faken8n.Webhook{})
	wantError(t, d, "trigger_workflow", env2, `{"workflow": "crm/new-lead", "payload": {}}`, "this account is not allowed to trigger n8n workflows")
	d.WorkflowsAllowed = nil
	wantError(t, d, "trigger_workflow", env1, `{"workflow": "crm/new-lead", "payload": {}}`, "not allowed")
	if n := len(f.Requests()); n != 0 {
		t.Errorf("n8n got %d requests", n)
	}
}

func TestTriggerWorkflowBadInputAndFailures(t *testing.T) {
	f, d := n8nDeps(t)
	f.SetWebhook("secured", faken8n.Webhook{Status: 403, Body: `{"message":"Authorization data is wrong!"}`})
	f.SetWebhook("broken", faken8n.Webhook{Status: 500, Body: `{"message":"Error in workflow"}`})
	tests := []struct{ input, want string }{
		{`{"payload": {}}`, "workflow is required"},
		{`{"workflow": "x"}`, "payload is required"},
		{`{"workflow": "x", "payload": null}`, "payload is required"},
		{`{"workflow": "x", "payload": [1]}`, "payload must be a JSON object"},
		{`{"workflow": "x", "payload": "hi"}`, "payload must be a JSON object"},
		{`{"workflow": "x", "payload": {"a": "` + strings.Repeat("x", maxWorkflowPayload) + `"}}`, "over the limit of 65536"},
		{`{"workflow": "../api/v1/executions", "payload": {}}`, "the workflow path was refused"},
		{`{"workflow": "/webhook/x", "payload": {}}`, "the workflow path was refused"},
		{`{"workflow": "a%2F..", "payload": {}}`, "the workflow path was refused"},
		{`{"workflow": "unknown", "payload": {}}`, "n8n has no active webhook at this path"},
		{`{"workflow": "secured", "payload": {}}`, "asks for authentication"},
		{`{"workflow": "broken", "payload": {}}`, "n8n failed with status 500: Error in workflow"},
	}
	for _, tt := range tests {
		wantError(t, d, "trigger_workflow", env1, tt.input, tt.want)
	}
	for _, r := range f.Requests() {
		if !strings.HasPrefix(r.Path, "/webhook/") || strings.Contains(r.Path, "..") || r.Header.Get("X-N8N-API-KEY") != "" {
			t.Errorf("n8n got %s %s with headers %v", r.Method, r.Path, r.Header)
		}
	}
	if n := len(f.Requests()); n != 3 {
		t.Errorf("n8n got %d requests, want the 3 that passed the checks", n)
	}

	f.Close()
	_, err := run(t, d, "trigger_workflow", env1, `{"workflow": "x", "payload": {}}`)
	if err == nil || err.Error() != "n8n could not be reached, so the workflow most likely did not start; try again later" {
		t.Errorf("n8n down: %v", err)
	}
}
