package faken8n

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func post(t *testing.T, s *Server, path, body string) (int, string, string) {
	t.Helper()
	resp, err := http.Post(s.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestWebhook(t *testing.T) {
	s := newServer(t)
	s.SetWebhook("lead-intake", Webhook{})
	s.SetWebhook("crm/quote", Webhook{Status: 201, ContentType: "text/plain", Body: "quote sent"})

	status, ct, body := post(t, s, "/webhook/lead-intake", `{"name":"Ana"}`)
	if status != 200 || !strings.HasPrefix(ct, "application/json") || gjson.Get(body, "message").Str != "Workflow was started" {
		t.Errorf("default answer: %d %s %s", status, ct, body)
	}
	if status, ct, body := post(t, s, "/webhook/crm/quote", `{}`); status != 201 || ct != "text/plain" || body != "quote sent" {
		t.Errorf("scripted answer: %d %s %s", status, ct, body)
	}
	status, _, body = post(t, s, "/webhook/nothing", `{}`)
	if status != 404 || gjson.Get(body, "message").Str != `The requested webhook "POST nothing" is not registered.` {
		t.Errorf("unknown webhook: %d %s", status, body)
	}
	if status, _, _ := get(t, t.Context(), s, "/webhook/lead-intake", ""); status != 404 {
		t.Errorf("GET on a POST webhook: %d", status)
	}
	reqs := s.Requests()
	if len(reqs) != 4 || reqs[0].Method != "POST" || reqs[0].Path != "/webhook/lead-intake" || string(reqs[0].Body) != `{"name":"Ana"}` {
		t.Errorf("recorded %+v", reqs)
	}
}
