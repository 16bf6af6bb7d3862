package kaine_test

// Unit tests against httptest servers, for what a live gateway cannot be
// made to answer on demand: 5xx, bodies that are not Kaine's, stream
// error events, broken connections.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	kaine "github.com/keinetech/kaine/sdk/go"
)

// fakeGateway serves handler and counts the requests it gets.
type fakeGateway struct {
	*httptest.Server
	calls atomic.Int32
	mu    sync.Mutex
	last  *http.Request
	body  []byte
}

func newFake(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, n int)) *fakeGateway {
	t.Helper()
	f := &fakeGateway{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(f.calls.Add(1))
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.last, f.body = r, body
		f.mu.Unlock()
		handler(w, r, n)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeGateway) lastRequest() (*http.Request, []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last, f.body
}

func (f *fakeGateway) client(t *testing.T, opts ...kaine.Option) *kaine.Client {
	t.Helper()
	c, err := kaine.NewClient(append([]kaine.Option{kaine.WithBaseURL(f.URL), kaine.WithAPIKey("kn_live_test")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req-"+code)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"detail":{"error":%q,"message":%q,"docs":"https://keine.tech/api-docs"}}`, code, message)
}

func asError(t *testing.T, err error) *kaine.Error {
	t.Helper()
	var e *kaine.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *kaine.Error", err, err)
	}
	return e
}

func TestServerErrorRetriedForGETNotPOST(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 || r.Method == http.MethodPost {
			writeError(w, http.StatusInternalServerError, "internal_error", "Kaine's own fault.")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"user_id":7,"username":"ada","email":"ada@example.com","scopes":["read"],"key_id":3}`)
	})
	c := f.client(t)
	start := time.Now()
	me, err := c.Me(context.Background())
	if err != nil {
		t.Fatalf("GET after a 500: %v", err)
	}
	if me.UserID != 7 || me.Username != "ada" || me.KeyID != 3 || len(me.Scopes) != 1 {
		t.Errorf("Me = %+v", me)
	}
	if got := f.calls.Load(); got != 2 {
		t.Errorf("GET made %d requests, want 2 (one retry)", got)
	}
	if waited := time.Since(start); waited < 400*time.Millisecond {
		t.Errorf("the retry came after %s, want the 0.5 s backoff (±20%%)", waited)
	}

	f.calls.Store(0)
	_, err = c.LLM(context.Background(), kaine.LLMParams{Prompt: "hi"})
	e := asError(t, err)
	if e.Status != 500 || e.Code != "internal_error" || e.RequestID != "req-internal_error" || e.Docs == "" {
		t.Errorf("POST error = %+v", e)
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("POST made %d requests, want 1 (a 500 is not retried for POST)", got)
	}
}

func TestRetriesSpentAndDELETERetried(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeError(w, http.StatusBadGateway, "provider_error", "down")
	})
	c := f.client(t, kaine.WithMaxRetries(1))
	err := c.Knowledge.Delete(context.Background(), 4)
	if e := asError(t, err); e.Status != 502 {
		t.Errorf("status %d", e.Status)
	}
	if got := f.calls.Load(); got != 2 {
		t.Errorf("DELETE made %d requests, want 2 (MaxRetries 1)", got)
	}
	if r, _ := f.lastRequest(); r.Method != http.MethodDelete || r.URL.Path != "/v1/knowledge/4" {
		t.Errorf("sent %s %s", r.Method, r.URL.Path)
	}
}

func TestStoreUnavailableRetriedForPOSTAfterRetryAfter(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "store_unavailable", "The shared store is down.")
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":1,"name":"Ada","email":"","phone":"","company":"","source":"","status":"new","notes":"",`+
			`"created_at":"2026-12-06T10:00:00Z","updated_at":"2026-12-06T10:00:00Z"}`)
	})
	start := time.Now()
	lead, err := f.client(t).Leads.Create(context.Background(), kaine.LeadCreate{Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	if lead.ID != 1 || lead.Status != kaine.LeadNew || lead.CreatedAt.IsZero() {
		t.Errorf("lead = %+v", lead)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %s, before Retry-After: 1", waited)
	}
	if got := f.calls.Load(); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

func TestOther503NotRetriedForPOST(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeError(w, http.StatusServiceUnavailable, "internal_error", "busy")
	})
	_, err := f.client(t).Videos.Create(context.Background(), kaine.VideoRequest{Prompt: "x"})
	if e := asError(t, err); e.Status != 503 {
		t.Errorf("status %d", e.Status)
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

func TestUsageCapReachedNotRetried(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeError(w, http.StatusTooManyRequests, "usage_cap_reached", "the cap is reached")
	})
	_, err := f.client(t).Me(context.Background())
	if e := asError(t, err); e.Code != kaine.CodeUsageCapReached {
		t.Errorf("code %s", e.Code)
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("%d requests, want 1: a cap stays reached", got)
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Request-Id", "edge-1")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><body>\n  Bad gateway from the edge proxy\n</body></html>")
	})
	_, err := f.client(t, kaine.WithMaxRetries(0)).Providers(context.Background())
	e := asError(t, err)
	if e.Status != 502 || e.Code != "http_502" || e.RequestID != "edge-1" {
		t.Errorf("error = %+v", e)
	}
	if !strings.Contains(e.Message, "Bad gateway from the edge proxy") {
		t.Errorf("message %q does not hold the body", e.Message)
	}
	if !strings.Contains(e.Error(), "http_502") {
		t.Errorf("Error() = %q", e.Error())
	}

	// An empty body and a JSON body of another shape too.
	g := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/v1/me" {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"nope"}`)
	})
	_, err = g.client(t).Me(context.Background())
	if e := asError(t, err); e.Code != "http_418" || e.Message != "I'm a teapot" {
		t.Errorf("empty body: %+v", e)
	}
	_, err = g.client(t).LLM(context.Background(), kaine.LLMParams{Prompt: "x"})
	if e := asError(t, err); e.Code != "http_400" || e.Status != 400 {
		t.Errorf("other JSON: %+v", e)
	}
}

func TestNetworkErrorRetriedForGETOnly(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 || r.Method == http.MethodPost {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close() // no answer at all
			}
			return
		}
		fmt.Fprint(w, `{"ok":true,"version":"v1"}`)
	})
	c := f.client(t)
	ping, err := c.Ping(context.Background())
	if err != nil || !ping.OK || ping.Version != "v1" {
		t.Fatalf("Ping = %+v, %v", ping, err)
	}
	f.calls.Store(0)
	_, err = c.Knowledge.Add(context.Background(), kaine.KnowledgeRequest{Title: "t", Text: "x"})
	if err == nil {
		t.Fatal("a POST whose connection broke succeeded")
	}
	var e *kaine.Error
	if errors.As(err, &e) {
		t.Errorf("a broken connection gave a *kaine.Error: %v", e)
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("POST made %d requests, want 1", got)
	}
}

func TestContextStopsTheRetryWait(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "slow down")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.client(t).Usage(ctx)
	if time.Since(start) > 5*time.Second {
		t.Errorf("waited %s despite the context", time.Since(start))
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's", err)
	}
	if e := asError(t, err); e.RetryAfter != 30*time.Second || e.Code != "rate_limit_exceeded" {
		t.Errorf("last error = %+v", e)
	}
}

func TestRequestShape(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		fmt.Fprint(w, `{}`)
	})
	c := f.client(t)
	ctx := context.Background()

	if _, err := c.LLM(ctx, kaine.LLMParams{Prompt: "hi", Temperature: kaine.Ptr(0.0)}); err != nil {
		t.Fatal(err)
	}
	r, body := f.lastRequest()
	if r.Method != "POST" || r.URL.Path != "/v1/llm" || r.Header.Get("Authorization") != "Bearer kn_live_test" ||
		r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s %v", r.Method, r.URL, r.Header)
	}
	var sent map[string]any
	json.Unmarshal(body, &sent)
	if len(sent) != 2 || sent["prompt"] != "hi" || sent["temperature"] != 0.0 {
		t.Errorf("body %s: want only prompt and temperature 0", body)
	}

	if _, err := c.Leads.Update(ctx, 9, kaine.LeadPatch{Notes: kaine.Ptr("")}); err != nil {
		t.Fatal(err)
	}
	r, body = f.lastRequest()
	if r.Method != "PATCH" || r.URL.Path != "/v1/leads/9" || string(body) != `{"notes":""}` {
		t.Errorf("update: %s %s %s", r.Method, r.URL.Path, body)
	}

	checks := []struct {
		call  func() error
		query string
	}{
		{func() error { _, err := c.Audit(ctx, kaine.AuditParams{Limit: 5, Endpoint: "/v1/llm"}); return err }, "endpoint=%2Fv1%2Fllm&limit=5"},
		{func() error { _, err := c.Audit(ctx, kaine.AuditParams{}); return err }, ""},
		{func() error {
			_, err := c.Audit(ctx, kaine.AuditParams{Limit: 2, Before: 4097, Endpoint: "/v1/llm", KeyID: 3, Status: 429,
				Provider: "openai", Model: "gpt-4.1-mini", Since: time.Date(2026, 11, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600)),
				Until: time.Date(2026, 12, 1, 0, 0, 0, 500, time.UTC)})
			return err
		}, "before=4097&endpoint=%2Fv1%2Fllm&key_id=3&limit=2&model=gpt-4.1-mini&provider=openai&since=2026-11-01T00%3A00%3A00Z&status=429&until=2026-12-01T00%3A00%3A00.0000005Z"},
		{func() error {
			_, err := c.Leads.List(ctx, kaine.LeadListParams{Status: kaine.LeadBooked, Limit: 3})
			return err
		}, "limit=3&status=booked"},
		{func() error {
			_, err := c.Knowledge.Search(ctx, kaine.KnowledgeSearchParams{Query: "refund policy", Limit: 2})
			return err
		}, "limit=2&q=refund+policy"},
		{func() error { _, err := c.Outbox.List(ctx, kaine.OutboxListParams{Limit: 7}); return err }, "limit=7"},
		{func() error { _, err := c.Workflows.List(ctx, kaine.WorkflowListParams{}); return err }, ""},
	}
	for i, check := range checks {
		if err := check.call(); err != nil {
			t.Fatal(err)
		}
		if r, _ := f.lastRequest(); r.URL.RawQuery != check.query || r.Method != "GET" {
			t.Errorf("call %d: %s ?%s, want ?%s", i, r.Method, r.URL.RawQuery, check.query)
		}
	}
	if _, err := c.Knowledge.Search(ctx, kaine.KnowledgeSearchParams{}); err == nil {
		t.Error("a search without a query was sent")
	}
}

func TestEnvironmentAndOptions(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		fmt.Fprintf(w, `{"ok":true,"version":%q}`, r.Header.Get("Authorization"))
	})
	t.Setenv("KAINE_BASE_URL", f.URL+"/")
	t.Setenv("KAINE_API_KEY", "kn_live_env")
	c, err := kaine.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != f.URL {
		t.Errorf("BaseURL %q", c.BaseURL())
	}
	ping, err := c.Ping(context.Background())
	if err != nil || ping.Version != "Bearer kn_live_env" {
		t.Errorf("env key not sent: %+v %v", ping, err)
	}

	t.Setenv("KAINE_BASE_URL", "")
	t.Setenv("KAINE_API_KEY", "")
	c, err = kaine.NewClient()
	if err != nil || c.BaseURL() != "https://keine.tech" {
		t.Errorf("default base URL: %v %v", c, err)
	}
	for _, opt := range []kaine.Option{kaine.WithBaseURL("ftp://x"), kaine.WithBaseURL("keine.tech"),
		kaine.WithTimeout(0), kaine.WithMaxRetries(-1)} {
		if _, err := kaine.NewClient(opt); err == nil {
			t.Error("NewClient accepted a bad option")
		}
	}
}

func TestTimeoutPerCall(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	start := time.Now()
	_, err := f.client(t, kaine.WithTimeout(100*time.Millisecond)).LLM(context.Background(), kaine.LLMParams{Prompt: "x"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
}

// sse writes a stream's events.
func sse(w http.ResponseWriter, events ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Request-Id", "req-stream")
	w.WriteHeader(http.StatusOK)
	for _, e := range events {
		io.WriteString(w, e)
		w.(http.Flusher).Flush()
	}
}

func TestStreamErrorEvent(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		sse(w, "event: delta\ndata: {\"text\":\"Hel\"}\n\n",
			": a comment\r\nevent: delta\r\ndata: {\"text\":\"lo\"}\r\n\r\n",
			"event: error\ndata: {\"detail\":{\"error\":\"provider_error\",\"message\":\"The provider broke off.\",\"docs\":\"d\"}}\n\n")
	})
	stream, err := f.client(t).LLMStream(context.Background(), kaine.LLMParams{Prompt: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var got []string
	for stream.Next() {
		got = append(got, stream.Delta())
	}
	if strings.Join(got, "|") != "Hel|lo" || stream.Text() != "Hello" {
		t.Errorf("deltas %q", got)
	}
	e := asError(t, stream.Err())
	if e.Status != 500 || e.Code != "provider_error" || e.Message != "The provider broke off." || e.RequestID != "req-stream" {
		t.Errorf("error event = %+v", e)
	}
	if stream.Done() != nil {
		t.Error("Done after an error event")
	}
	if stream.Next() {
		t.Error("Next after the end")
	}
	_, body := f.lastRequest()
	var sent map[string]any
	json.Unmarshal(body, &sent)
	if sent["stream"] != true || sent["prompt"] != "hi" {
		t.Errorf("body %s", body)
	}
}

func TestStreamDoneAndRange(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		sse(w, "event: delta\ndata: {\"text\":\"a\"}\n\n", "event: ping\ndata: {}\n\n",
			"event: delta\ndata: {\"text\":\"b\"}\n\n",
			"event: done\ndata: {\"ok\":true,\"provider\":\"google\",\"model\":\"gemini-flash\",\"upstream_model\":\"g\",\"tokens_in\":4,\"tokens_out\":2,\"cost_usd\":0.000013}\n\n")
	})
	stream, err := f.client(t).LLMStream(context.Background(), kaine.LLMParams{Prompt: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	var text string
	for d := range stream.Deltas() {
		text += d
	}
	if text != "ab" || stream.Err() != nil {
		t.Fatalf("text %q, err %v", text, stream.Err())
	}
	done := stream.Done()
	if done == nil || done.Provider != "google" || done.TokensIn != 4 || done.TokensOut != 2 || done.CostUSD != 0.000013 || done.Text != "" {
		t.Errorf("done = %+v", done)
	}
	if stream.RequestID() != "req-stream" {
		t.Errorf("request id %q", stream.RequestID())
	}
	stream.Close()
}

func TestStreamCutShortAndAnsweredAsJSON(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			sse(w, "event: delta\ndata: {\"text\":\"a\"}\n\n")
			return // ends without done
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true,"text":"all at once","provider":"openai","model":"gpt-mini","upstream_model":"u","tokens_in":1,"tokens_out":3,"cost_usd":0.1}`)
	})
	c := f.client(t)
	stream, err := c.LLMStream(context.Background(), kaine.LLMParams{Prompt: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	for stream.Next() {
	}
	if !errors.Is(stream.Err(), io.ErrUnexpectedEOF) || stream.Done() != nil {
		t.Errorf("a stream cut short: err %v, done %v", stream.Err(), stream.Done())
	}

	stream, err = c.LLMStream(context.Background(), kaine.LLMParams{Prompt: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	var deltas []string
	for stream.Next() {
		deltas = append(deltas, stream.Delta())
	}
	if len(deltas) != 1 || deltas[0] != "all at once" || stream.Err() != nil || stream.Done() == nil || stream.Done().TokensOut != 3 {
		t.Errorf("JSON answer: deltas %q, err %v, done %+v", deltas, stream.Err(), stream.Done())
	}
}

func TestStreamRefusedBeforeStart(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeError(w, http.StatusBadRequest, "invalid_field", "temperature must be between 0 and 2.")
	})
	_, err := f.client(t).LLMStream(context.Background(), kaine.LLMParams{Prompt: "hi", Temperature: kaine.Ptr(3.0)})
	if e := asError(t, err); e.Status != 400 || e.Code != "invalid_field" {
		t.Errorf("error = %+v", e)
	}
}

func TestStreamEventTimeoutAndClose(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		sse(w, "event: delta\ndata: {\"text\":\"a\"}\n\n")
		<-r.Context().Done() // then nothing
	})
	c := f.client(t, kaine.WithTimeout(150*time.Millisecond))
	stream, err := c.LLMStream(context.Background(), kaine.LLMParams{Prompt: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Next() || stream.Delta() != "a" {
		t.Fatal("no first delta")
	}
	if stream.Next() {
		t.Fatal("a second delta")
	}
	if !errors.Is(stream.Err(), context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline", stream.Err())
	}

	c = f.client(t)
	stream, err = c.LLMStream(context.Background(), kaine.LLMParams{Prompt: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	stream.Next()
	time.AfterFunc(50*time.Millisecond, func() { stream.Close() })
	if stream.Next() || stream.Err() == nil {
		t.Errorf("Next after Close: err %v", stream.Err())
	}
}
