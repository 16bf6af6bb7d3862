package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/workflows/faken8n"
)

func TestTriggerWebhook(t *testing.T) {
	for _, suffix := range []string{"", "/", "/api/v1", "/api/v1/"} {
		t.Run("base "+suffix, func(t *testing.T) {
			f := newFake(t)
			f.SetWebhook("crm/new-lead", faken8n.Webhook{Status: 201, ContentType: "application/json", Body: `{"ok":true}`})
			res, err := client(f).TriggerWebhook(t.Context(), "crm/new-lead", []byte(`{"name":"Ana"}`))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != 201 || res.ContentType != "application/json" || string(res.Body) != `{"ok":true}` || res.Truncated {
				t.Errorf("result %+v", res)
			}
			reqs := f.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Method != "POST" || r.Path != "/webhook/crm/new-lead" || string(r.Body) != `{"name":"Ana"}` || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("sent %+v", r)
			}
			if r.Header.Get("X-N8N-API-KEY") != "" {
				t.Error("the API key was sent to a webhook")
			}
		})
	}
}

func TestTriggerWebhookUnderAPathPrefix(t *testing.T) {
	f := newFake(t)
	f.SetWebhook("x", faken8n.Webhook{})
	// An instance served under /n8n: the fake answers 404 for the prefixed
	// path, which shows the prefix was kept.
	n := &N8N{BaseURL: f.URL + "/n8n/api/v1", APIKey: testKey, Client: testClient}
	if _, err := n.TriggerWebhook(t.Context(), "x", []byte(`{}`)); err == nil {
		t.Fatal("no error")
	}
	if reqs := f.Requests(); len(reqs) != 1 || reqs[0].Path != "/n8n/webhook/x" {
		t.Errorf("requested %+v", reqs)
	}
}

func TestTriggerWebhookLongAnswerIsCut(t *testing.T) {
	f := newFake(t)
	f.SetWebhook("big", faken8n.Webhook{ContentType: "text/plain", Body: strings.Repeat("y", maxWebhookBody+10)})
	res, err := client(f).TriggerWebhook(t.Context(), "big", []byte(`[]`))
	if err != nil || len(res.Body) != maxWebhookBody || !res.Truncated {
		t.Fatalf("%d bytes, truncated %v, %v", len(res.Body), res.Truncated, err)
	}
}

func TestTriggerWebhookRefusesUnsafePaths(t *testing.T) {
	for _, path := range []string{
		"", "../api/v1/executions", "a/../b", "a/./b", ".", "..", "a//b", "/a", "a/",
		"a%2F..", "a?x=1", "a#b", "a b", "lead\nintake", "ünïcode", strings.Repeat("a", maxWebhookPath+1),
	} {
		f := newFake(t)
		_, err := client(f).TriggerWebhook(t.Context(), path, []byte(`{}`))
		if !errors.Is(err, ErrWebhookPath) {
			t.Errorf("%q: error %v, want ErrWebhookPath", path, err)
		}
		if n := len(f.Requests()); n != 0 {
			t.Errorf("%q: %d requests made", path, n)
		}
	}
	f := newFake(t)
	f.SetWebhook("v1.2/lead_intake-x", faken8n.Webhook{})
	if _, err := client(f).TriggerWebhook(t.Context(), "v1.2/lead_intake-x", []byte(`{}`)); err != nil {
		t.Errorf("a safe path with every allowed character: %v", err)
	}
}

func TestTriggerWebhookRefusesAPayloadThatIsNotJSON(t *testing.T) {
	f := newFake(t)
	f.SetWebhook("x", faken8n.Webhook{})
	if _, err := client(f).TriggerWebhook(t.Context(), "x", []byte(`{"a":`)); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Fatalf("error %v", err)
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("%d requests made", n)
	}
}

func TestTriggerWebhookErrors(t *testing.T) {
	tests := []struct {
		name       string
		hook       *faken8n.Webhook
		wantStatus int
		wantIn     string
	}{
		{"not registered", nil, 404, "no active webhook at this path"},
		{"basic auth", &faken8n.Webhook{Status: 401, Body: `{"message":"Authorization is required!"}`}, 401, "asks for authentication"},
		{"header auth", &faken8n.Webhook{Status: 403, Body: `{"message":"Authorization data is wrong!"}`}, 403, "asks for authentication, which Kaine does not send: Authorization data is wrong!"},
		{"workflow error", &faken8n.Webhook{Status: 500, Body: `{"message":"Error in workflow ` + testKey + `"}`}, 500, "status 500: Error in workflow [redacted]"},
		{"a proxy's page", &faken8n.Webhook{Status: 502, ContentType: "text/html", Body: "<html>" + testKey + "</html>"}, 502, "n8n failed with status 502"},
		{"a 400", &faken8n.Webhook{Status: 400, Body: `{"message":"bad input"}`}, 400, "status 400: bad input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			if tt.hook != nil {
				f.SetWebhook("x", *tt.hook)
			}
			_, err := client(f).TriggerWebhook(t.Context(), "x", []byte(`{}`))
			var ne *N8NError
			if !errors.As(err, &ne) {
				t.Fatalf("error %v (%T) is not an *N8NError", err, err)
			}
			if ne.Status != tt.wantStatus || !strings.Contains(ne.Message, tt.wantIn) {
				t.Errorf("got %d %q, want %d containing %q", ne.Status, ne.Message, tt.wantStatus, tt.wantIn)
			}
			if strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), f.URL) {
				t.Errorf("the key or the host shows in %q", err)
			}
		})
	}
}

func TestTriggerWebhookHangIsBoundedByContext(t *testing.T) {
	f := newFake(t)
	f.SetWebhook("slow", faken8n.Webhook{Hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := client(f).TriggerWebhook(ctx, "slow", []byte(`{}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the deadline", err)
	}
}
