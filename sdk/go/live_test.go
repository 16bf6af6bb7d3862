package kaine_test

// Tests against a live gateway, as cmd/kaine/sdk_test.go starts one with
// fake providers: KAINE_BASE_URL, KAINE_API_KEY (read,write),
// KAINE_READ_KEY (read) and KAINE_LIMITED_KEY (60 requests a minute).
// Skipped when KAINE_BASE_URL is unset.

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	kaine "github.com/keinetech/kaine/sdk/go"
)

// live is a client of the gateway under test with the key in the variable
// named.
func live(t *testing.T, keyVar string, opts ...kaine.Option) *kaine.Client {
	t.Helper()
	base := os.Getenv("KAINE_BASE_URL")
	if base == "" {
		t.Skip("KAINE_BASE_URL is not set: no gateway to test against")
	}
	key := os.Getenv(keyVar)
	if key == "" {
		t.Fatalf("%s is not set", keyVar)
	}
	c, err := kaine.NewClient(append([]kaine.Option{kaine.WithBaseURL(base), kaine.WithAPIKey(key)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// unique makes names no other run of the tests has used.
func unique(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

// auditOf reads the audit log once it has a record: the gateway writes it
// in batches (every 250 ms).
func auditOf(t *testing.T, c *kaine.Client, p kaine.AuditParams) *kaine.AuditList {
	t.Helper()
	for range 50 {
		list, err := c.Audit(ctxFor(t), p)
		if err != nil {
			t.Fatal(err)
		}
		if list.Count > 0 {
			return list
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no audit record of %s after 5 s", p.Endpoint)
	return nil
}

func TestLiveAccount(t *testing.T) {
	c := live(t, "KAINE_API_KEY")
	ctx := ctxFor(t)

	ping, err := c.Ping(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !ping.OK || ping.Version != "v1" {
		t.Errorf("Ping = %+v", ping)
	}

	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.UserID <= 0 || me.KeyID <= 0 || me.Username == "" || !strings.Contains(me.Email, "@") ||
		!slices.Contains(me.Scopes, "read") || !slices.Contains(me.Scopes, "write") {
		t.Errorf("Me = %+v", me)
	}

	usage, err := c.Usage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := usage.Status
	if u.Tier == "" || u.CapUSD <= 0 || u.RemainingUSD > u.CapUSD || u.UsedUSD < 0 || u.ReservedUSD < 0 ||
		u.Percent < 0 || u.Percent > 100 || u.Blocked {
		t.Errorf("Usage = %+v", u)
	}

	audit := auditOf(t, c, kaine.AuditParams{Limit: 3, Endpoint: "/v1/me"})
	if audit.Count != len(audit.Records) || audit.Count == 0 || audit.Count > 3 {
		t.Fatalf("Audit: count %d, %d records", audit.Count, len(audit.Records))
	}
	for _, r := range audit.Records {
		if r.Endpoint != "/v1/me" || r.Method != "GET" || r.Status != 200 || r.RequestID == "" || r.KeyID != me.KeyID ||
			r.Timestamp.IsZero() || r.ID == 0 {
			t.Errorf("audit record %+v", r)
		}
	}

	providers, err := c.Providers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	configured := 0
	for _, p := range providers.Providers {
		if p.Name == "" || p.Breaker == "" || p.Unpriced == "" {
			t.Errorf("provider %+v", p)
		}
		if p.Configured {
			configured++
			if len(p.Models) == 0 || p.Models[0].ID == "" {
				t.Errorf("configured provider %s has no models", p.Name)
			}
		}
	}
	if configured == 0 {
		t.Errorf("no configured provider among %d", len(providers.Providers))
	}
	r := providers.Routing
	if r.Auto == "" || len(r.CheapTaskTypes) == 0 || len(r.CheapRoute) == 0 || len(r.DefaultRoute) == 0 || r.DefaultRoute[0].Model == "" {
		t.Errorf("routing = %+v", r)
	}
}

func TestLiveLLM(t *testing.T) {
	c := live(t, "KAINE_API_KEY")
	ctx := ctxFor(t)
	answer, err := c.LLM(ctx, kaine.LLMParams{Prompt: "Write a 1-line product description for an AI scheduler",
		TaskType: "summarize", MaxTokens: 80, Temperature: kaine.Ptr(0.2)})
	if err != nil {
		t.Fatal(err)
	}
	if !answer.OK || answer.Text == "" || answer.Provider == "" || answer.Model == "" || answer.UpstreamModel == "" ||
		answer.TokensIn <= 0 || answer.TokensOut <= 0 || answer.CostUSD <= 0 {
		t.Errorf("LLM = %+v", answer)
	}

	// The call is in the audit log, with the same tokens.
	audit := auditOf(t, c, kaine.AuditParams{Limit: 1, Endpoint: "/v1/llm"})
	if len(audit.Records) != 1 || audit.Records[0].TokensOut != answer.TokensOut || audit.Records[0].Method != "POST" {
		t.Errorf("audit of the call: %+v", audit.Records)
	}
}

func TestLiveStream(t *testing.T) {
	c := live(t, "KAINE_API_KEY")
	ctx := ctxFor(t)
	stream, err := c.LLMStream(ctx, kaine.LLMParams{Prompt: "Say hello", MaxTokens: 60})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var deltas []string
	for stream.Next() {
		deltas = append(deltas, stream.Delta())
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream failed after %d deltas: %v", len(deltas), err)
	}
	text := strings.Join(deltas, "")
	if len(deltas) == 0 || text == "" || text != stream.Text() {
		t.Errorf("deltas %q, Text %q", deltas, stream.Text())
	}
	done := stream.Done()
	if done == nil {
		t.Fatal("no done summary")
	}
	if done.Text != "" && done.Text != text {
		t.Errorf("done text %q, deltas %q", done.Text, text)
	}
	if !done.OK || done.Provider == "" || done.Model == "" || done.TokensIn <= 0 || done.TokensOut <= 0 || done.CostUSD <= 0 {
		t.Errorf("done = %+v", done)
	}
	if stream.RequestID() == "" {
		t.Error("no request id")
	}

	// The same read with range.
	stream2, err := c.LLMStream(ctx, kaine.LLMParams{Prompt: "Say hello again"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream2.Close()
	var ranged string
	for d := range stream2.Deltas() {
		ranged += d
	}
	if stream2.Err() != nil || ranged == "" || stream2.Done() == nil || stream2.Done().TokensOut <= 0 {
		t.Errorf("range: text %q, err %v, done %+v", ranged, stream2.Err(), stream2.Done())
	}
}

func TestLiveLeads(t *testing.T) {
	c := live(t, "KAINE_API_KEY")
	ctx := ctxFor(t)
	email := unique("ada") + "@example.com"
	lead, err := c.Leads.Create(ctx, kaine.LeadCreate{Name: "Ada Lovelace", Email: email, Company: "Analytical Engines",
		Source: "sdk-go", Notes: "met at the fair"})
	if err != nil {
		t.Fatal(err)
	}
	if lead.ID <= 0 || lead.Name != "Ada Lovelace" || lead.Email != email || lead.Company != "Analytical Engines" ||
		lead.Status != kaine.LeadNew || lead.Notes != "met at the fair" || lead.CreatedAt.IsZero() {
		t.Errorf("created %+v", lead)
	}

	list, err := c.Leads.List(ctx, kaine.LeadListParams{Status: kaine.LeadNew, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if list.Count != len(list.Leads) || !slices.ContainsFunc(list.Leads, func(l kaine.Lead) bool { return l.ID == lead.ID }) {
		t.Errorf("new leads (%d) lack lead %d", list.Count, lead.ID)
	}
	for _, l := range list.Leads {
		if l.Status != kaine.LeadNew {
			t.Errorf("status filter let %+v through", l)
		}
	}

	updated, err := c.Leads.Update(ctx, lead.ID, kaine.LeadPatch{Status: kaine.LeadContacted, Notes: kaine.Ptr("called back")})
	if err != nil {
		t.Fatal(err)
	}
	if updated.ID != lead.ID || updated.Status != kaine.LeadContacted || updated.Notes != "called back" ||
		updated.Email != email || updated.UpdatedAt.Before(lead.UpdatedAt) {
		t.Errorf("updated %+v", updated)
	}
	contacted, err := c.Leads.List(ctx, kaine.LeadListParams{Status: kaine.LeadContacted, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if contacted.Count != 1 || contacted.Leads[0].ID != lead.ID {
		t.Errorf("newest contacted lead: %+v", contacted)
	}

	_, err = c.Leads.Update(ctx, 1<<40, kaine.LeadPatch{Status: kaine.LeadBooked})
	if e := asError(t, err); e.Status != 404 || e.Code != kaine.CodeNotFound {
		t.Errorf("unknown lead: %+v", e)
	}
}

func TestLiveLandingPages(t *testing.T) {
	c := live(t, "KAINE_API_KEY")
	ctx := ctxFor(t)
	page, err := c.LandingPages.Create(ctx, kaine.LandingPageRequest{BusinessName: unique("Friesian Construction"),
		Description: "Family-owned commercial construction in Salinas, CA", ClientEmail: "info@friesian.com",
		Industry: "construction", Tone: "Professional"})
	if err != nil {
		t.Fatal(err)
	}
	if !page.OK || !strings.HasPrefix(page.Filename, "friesian-construction") || !strings.HasSuffix(page.Filename, ".html") ||
		!strings.HasSuffix(page.URL, "/files/"+page.Filename) {
		t.Errorf("page = %+v", page)
	}
}

func TestLiveVideos(t *testing.T) {
	c := live(t, "KAINE_API_KEY")
	ctx := ctxFor(t)
	video, err := c.Videos.Create(ctx, kaine.VideoRequest{Prompt: "Aerial drone shot of a coastal city at golden hour",
		Duration: 5, Provider: "runway"})
	if err != nil {
		t.Fatal(err)
	}
	if !video.OK || !strings.HasPrefix(video.VideoID, "vid_") || len(video.VideoID) != 20 || video.Status != kaine.VideoQueued ||
		video.Provider != "runway" || video.Duration < 5 || video.CreatedAt.IsZero() || video.FinishedAt != nil {
		t.Errorf("created %+v", video)
	}

	// The fake provider's jobs succeed at the first poll; a few tries in
	// case the gateway's follower is mid-way.
	var got *kaine.Video
	for range 10 {
		got, err = c.Videos.Get(ctx, video.VideoID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == kaine.VideoSucceeded || got.Status == kaine.VideoFailed {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if got.VideoID != video.VideoID || got.Status != kaine.VideoSucceeded || got.VideoURL == "" || got.CostUSD <= 0 ||
		got.FinishedAt == nil || got.Duration != video.Duration {
		t.Errorf("job = %+v", got)
	}

	_, err = c.Videos.Get(ctx, "vid_0000000000000000")
	if e := asError(t, err); e.Status != 404 || e.Code != kaine.CodeNotFound || e.RequestID == "" {
		t.Errorf("unknown video: %+v", e)
	}
}

func TestLiveWorkflows(t *testing.T) {
	c := live(t, "KAINE_API_KEY")
	ctx := ctxFor(t)
	video, err := c.Videos.Create(ctx, kaine.VideoRequest{Prompt: "A lighthouse in fog", Duration: 5, Provider: "runway"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Workflows.List(ctx, kaine.WorkflowListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if list.Count != len(list.Workflows) || list.Count == 0 {
		t.Fatalf("count %d, %d workflows", list.Count, len(list.Workflows))
	}
	i := slices.IndexFunc(list.Workflows, func(w kaine.WorkflowRun) bool { return w.ID == video.VideoID })
	if i < 0 {
		t.Fatalf("video %s is not among the runs", video.VideoID)
	}
	if w := list.Workflows[i]; w.Source != "kaine" || w.Name == "" || w.Status == "" || w.StartedAt == nil {
		t.Errorf("run = %+v", w)
	}
}

func TestLiveAgents(t *testing.T) {
	c := live(t, "KAINE_API_KEY")
	ctx := ctxFor(t)
	list, err := c.Agents.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list.Agents, func(a kaine.Agent) bool { return a.Name == "lead_crm_agent" })
	if list.Count != len(list.Agents) || i < 0 {
		t.Fatalf("catalog of %d lacks lead_crm_agent", list.Count)
	}
	if a := list.Agents[i]; a.Description == "" || len(a.AllowedTools) == 0 ||
		(a.ComplexityTier != "standard" && a.ComplexityTier != "complex") {
		t.Errorf("lead_crm_agent = %+v", a)
	}

	goal := "List the newest leads and say which to call first (" + unique("goal") + ")"
	run, err := c.Agents.Run(ctx, kaine.AgentRunRequest{AgentName: "lead_crm_agent", Goal: goal})
	if err != nil {
		t.Fatal(err)
	}
	if !run.OK || run.AgentName != "lead_crm_agent" || run.RunID <= 0 || run.Status != kaine.RunCompleted ||
		run.Summary == "" || run.Steps < 1 || run.TokensIn <= 0 || run.CostUSD <= 0 || run.ToolCalls == nil {
		t.Errorf("run = %+v", run)
	}

	got, err := c.Agents.GetRun(ctx, run.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RunID != run.RunID || got.Goal != goal || got.Status != run.Status || got.Summary != run.Summary ||
		len(got.History) == 0 || got.CreatedAt == nil || got.FinishedAt == nil || got.History[0].TokensIn <= 0 {
		t.Errorf("GetRun = %+v", got)
	}

	async, err := c.Agents.Run(ctx, kaine.AgentRunRequest{AgentName: "lead_crm_agent", Goal: goal + " (async)", Async: true})
	if err != nil {
		t.Fatal(err)
	}
	if async.Status != kaine.RunRunning || async.RunID <= run.RunID || async.Summary != "" {
		t.Errorf("async run = %+v", async)
	}
	var followed *kaine.AgentRun
	for range 50 {
		followed, err = c.Agents.GetRun(ctx, async.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if followed.Status != kaine.RunRunning {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if followed.Status != kaine.RunCompleted || followed.Summary == "" || followed.FinishedAt == nil {
		t.Errorf("async run at the end: %+v", followed)
	}

	_, err = c.Agents.GetRun(ctx, 1<<40)
	if e := asError(t, err); e.Status != 404 || e.Code != kaine.CodeNotFound {
		t.Errorf("unknown run: %+v", e)
	}
	_, err = c.Agents.Run(ctx, kaine.AgentRunRequest{AgentName: "no_such_agent", Goal: "x"})
	if e := asError(t, err); e.Status != 400 || e.Code != kaine.CodeInvalidField {
		t.Errorf("unknown agent: %+v", e)
	}
}

func TestLiveOutbox(t *testing.T) {
	c := live(t, "KAINE_READ_KEY") // read scope is enough
	ctx := ctxFor(t)
	list, err := c.Outbox.List(ctx, kaine.OutboxListParams{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if list.Count != len(list.Messages) || list.Count > 20 {
		t.Errorf("count %d, %d messages", list.Count, len(list.Messages))
	}
	channels := []string{"email", "sms", "phone", "booking_link"}
	statuses := []string{"sent", "queued_unconfigured", "failed"}
	for _, m := range list.Messages {
		if m.ID <= 0 || !slices.Contains(channels, m.Channel) || !slices.Contains(statuses, m.Status) || m.To == "" || m.CreatedAt.IsZero() {
			t.Errorf("message %+v", m)
		}
	}
	_, err = c.Outbox.List(ctx, kaine.OutboxListParams{Limit: 1})
	if err != nil {
		t.Error(err)
	}
}

func TestLiveKnowledge(t *testing.T) {
	c := live(t, "KAINE_API_KEY")
	ctx := ctxFor(t)
	word := strings.ReplaceAll(unique("zebracorn"), "-", "")
	text := "Refunds are issued within 30 days of purchase. Ask for a " + word + " refund by email."
	doc, err := c.Knowledge.Add(ctx, kaine.KnowledgeRequest{Title: "  Refund policy  ", Text: text, Source: "sdk-go"})
	if err != nil {
		t.Fatal(err)
	}
	if !doc.OK || doc.ID <= 0 || doc.Title != "Refund policy" || doc.Text != text || doc.Source != "sdk-go" || doc.CreatedAt.IsZero() {
		t.Errorf("added %+v", doc)
	}

	list, err := c.Knowledge.List(ctx, kaine.KnowledgeListParams{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list.Documents, func(d kaine.KnowledgeDocument) bool { return d.ID == doc.ID })
	if list.Count != len(list.Documents) || i < 0 {
		t.Fatalf("document %d not listed among %d", doc.ID, list.Count)
	}
	if d := list.Documents[i]; d.Title != "Refund policy" || d.Text != "" {
		t.Errorf("listed %+v", d)
	}

	found, err := c.Knowledge.Search(ctx, kaine.KnowledgeSearchParams{Query: word + " refund", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if found.Count != len(found.Hits) || found.Count == 0 || found.Hits[0].DocID != doc.ID || found.Hits[0].Score <= 0 ||
		!strings.Contains(found.Hits[0].Snippet, word) || found.Hits[0].Title != "Refund policy" {
		t.Errorf("search = %+v", found)
	}

	got, err := c.Knowledge.Get(ctx, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != doc.ID || got.Text != text || got.Source != "sdk-go" {
		t.Errorf("got %+v", got)
	}

	if err := c.Knowledge.Delete(ctx, doc.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Knowledge.Get(ctx, doc.ID)
	if e := asError(t, err); e.Status != 404 || e.Code != kaine.CodeNotFound {
		t.Errorf("deleted document: %+v", e)
	}
	found, err = c.Knowledge.Search(ctx, kaine.KnowledgeSearchParams{Query: word})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(found.Hits, func(h kaine.KnowledgeHit) bool { return h.DocID == doc.ID }) {
		t.Error("a deleted document is still found")
	}
}

func TestLiveErrors(t *testing.T) {
	ctx := ctxFor(t)
	read := live(t, "KAINE_READ_KEY")
	_, err := read.Leads.Create(ctx, kaine.LeadCreate{Name: "Not allowed"})
	e := asError(t, err)
	if e.Status != 403 || e.Code != kaine.CodeInsufficientScope || e.Message == "" || e.RequestID == "" || e.Docs == "" {
		t.Errorf("write with a read key: %+v", e)
	}
	if _, err := read.Me(ctx); err != nil { // it still reads
		t.Error(err)
	}

	c := live(t, "KAINE_API_KEY")
	_, err = c.LLM(ctx, kaine.LLMParams{Prompt: "hi", Temperature: kaine.Ptr(5.0)})
	if e := asError(t, err); e.Status != 400 || e.Code != kaine.CodeInvalidField || !strings.Contains(e.Message, "temperature") {
		t.Errorf("temperature 5: %+v", e)
	}
	_, err = c.LLM(ctx, kaine.LLMParams{})
	if e := asError(t, err); e.Status != 400 || e.Code != kaine.CodeMissingFields {
		t.Errorf("no prompt: %+v", e)
	}
	_, err = c.Leads.Create(ctx, kaine.LeadCreate{Company: "Nameless"})
	if e := asError(t, err); e.Status != 400 || e.Code != kaine.CodeMissingFields {
		t.Errorf("lead without name or email: %+v", e)
	}
	_, err = c.Videos.Create(ctx, kaine.VideoRequest{Prompt: "x", Provider: "nope"})
	if e := asError(t, err); e.Status != 400 || e.Code != kaine.CodeInvalidProvider {
		t.Errorf("unknown video provider: %+v", e)
	}
	_, err = c.LLMStream(ctx, kaine.LLMParams{Prompt: "hi", MaxTokens: 300000})
	if e := asError(t, err); e.Status != 400 || e.Code != kaine.CodeInvalidField {
		t.Errorf("stream refused before it started: %+v", e)
	}

	bad, err := kaine.NewClient(kaine.WithBaseURL(os.Getenv("KAINE_BASE_URL")), kaine.WithAPIKey("kn_live_00000000000000000000000000000000"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Usage(ctx)
	if e := asError(t, err); e.Status != 401 || e.Code != kaine.CodeInvalidAPIKey || e.RequestID == "" {
		t.Errorf("unknown key: %+v", e)
	}
}

// countingTransport counts the requests a client sends.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestLiveRateLimitRetried(t *testing.T) {
	ctx := ctxFor(t)
	burst := live(t, "KAINE_LIMITED_KEY", kaine.WithMaxRetries(0))
	var limited *kaine.Error
	for i := range 200 {
		_, err := burst.Me(ctx)
		if err == nil {
			continue
		}
		e := asError(t, err)
		if e.Status != http.StatusTooManyRequests {
			t.Fatalf("call %d: %v", i+1, e)
		}
		limited = e
		t.Logf("call %d answered 429, Retry-After %s", i+1, e.RetryAfter)
		break
	}
	if limited == nil {
		t.Fatal("200 calls in a burst at 60 a minute never answered 429")
	}
	if limited.Code != kaine.CodeRateLimitExceeded || limited.RetryAfter <= 0 || limited.RequestID == "" {
		t.Fatalf("429 = %+v", limited)
	}

	counter := &countingTransport{}
	patient := live(t, "KAINE_LIMITED_KEY", kaine.WithMaxRetries(3), kaine.WithHTTPClient(&http.Client{Transport: counter}))
	start := time.Now()
	me, err := patient.Me(ctx)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("with retries: %v", err)
	}
	if me.UserID <= 0 || me.Username == "" {
		t.Errorf("Me = %+v", me)
	}
	if n := counter.n.Load(); n < 2 {
		t.Errorf("%d requests: the 429 was not retried", n)
	}
	if took < limited.RetryAfter {
		t.Errorf("succeeded after %s, sooner than Retry-After %s", took, limited.RetryAfter)
	}
	t.Logf("succeeded after %s and %d requests", took, counter.n.Load())
}

// TestLiveAuditPagesAndExport pages through the audit log with a small
// limit and exports the same records: calls to a path of their own (a
// knowledge document that does not exist, 404) make a listing no other
// test adds to.
func TestLiveAuditPagesAndExport(t *testing.T) {
	c := live(t, "KAINE_API_KEY")
	ctx := ctxFor(t)
	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Second)
	docID := 1<<40 + time.Now().UnixNano()%(1<<30)
	path := fmt.Sprintf("/v1/knowledge/%d", docID)
	const calls = 7
	for range calls {
		_, err := c.Knowledge.Get(ctx, docID)
		if e := asError(t, err); e.Status != 404 {
			t.Fatalf("GET %s: %v", path, e)
		}
	}
	timed := kaine.AuditParams{Limit: 2, Endpoint: path, KeyID: me.KeyID, Status: 404, Since: start, Until: time.Now().Add(time.Hour)}

	// The records are written within 250 ms of the calls' answers.
	var listed []kaine.AuditRecord
	for range 50 {
		listed = listed[:0]
		for r, err := range c.AuditAll(ctx, timed) {
			if err != nil {
				t.Fatal(err)
			}
			listed = append(listed, r)
		}
		if len(listed) >= calls {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(listed) != calls {
		t.Fatalf("the listing of %s holds %d records, want %d", path, len(listed), calls)
	}
	seen := map[int64]bool{}
	for i, r := range listed {
		if seen[r.ID] {
			t.Errorf("record %d listed twice", r.ID)
		}
		seen[r.ID] = true
		if r.Endpoint != path || r.Status != 404 || r.KeyID != me.KeyID || r.Method != "GET" || r.Error != kaine.CodeNotFound {
			t.Errorf("record %+v", r)
		}
		// Newest first: by timestamp, then id, in a listing by time.
		if i > 0 {
			prev := listed[i-1]
			if r.Timestamp.After(prev.Timestamp) || (r.Timestamp.Equal(prev.Timestamp) && r.ID >= prev.ID) {
				t.Errorf("record %d (%s) after %d (%s)", r.ID, r.Timestamp, prev.ID, prev.Timestamp)
			}
		}
	}

	// The same pages by hand: at most 2 records each, next_before on every
	// page but the last.
	p, pages, total := timed, 0, 0
	for {
		page, err := c.Audit(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		total += len(page.Records)
		if page.Count != len(page.Records) || page.Count > 2 {
			t.Errorf("page %d: count %d, %d records", pages, page.Count, len(page.Records))
		}
		if page.NextBefore == 0 {
			break
		}
		p.Before = page.NextBefore
	}
	if total != calls || pages < calls/2 {
		t.Errorf("%d records in %d pages", total, pages)
	}

	// A listing by id (no time filter) holds the same records, ids
	// falling.
	var byID []int64
	for r, err := range c.AuditAll(ctx, kaine.AuditParams{Limit: 3, Endpoint: path}) {
		if err != nil {
			t.Fatal(err)
		}
		if len(byID) > 0 && r.ID >= byID[len(byID)-1] {
			t.Errorf("id %d after %d", r.ID, byID[len(byID)-1])
		}
		byID = append(byID, r.ID)
	}
	if len(byID) != calls || !slices.ContainsFunc(listed, func(r kaine.AuditRecord) bool { return r.ID == byID[0] }) {
		t.Errorf("by id: %v; by time: %d records", byID, len(listed))
	}

	// The export of the same filter: the same records in the same order,
	// and a summary that counts them.
	filter := timed.ExportParams()
	x, err := c.AuditExport(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	var exported []int64
	cost := 0.0
	for r := range x.Records() {
		exported = append(exported, r.ID)
		cost += r.CostUSD
	}
	if err := x.Err(); err != nil {
		t.Fatal(err)
	}
	x.Close()
	var want []int64
	for _, r := range listed {
		want = append(want, r.ID)
	}
	if !slices.Equal(exported, want) {
		t.Errorf("exported %v, listed %v", exported, want)
	}
	if s := x.Summary(); s == nil || s.Count != int64(len(listed)) || s.CostUSD != cost || x.RequestID() == "" {
		t.Errorf("summary %+v for %d listed records", s, len(listed))
	}

	// As CSV, with a read key.
	read := live(t, "KAINE_READ_KEY")
	xc, err := read.AuditExportCSV(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(xc)
	xc.Close()
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comment = '#'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != calls+1 || rows[0][0] != "id" || rows[1][0] != strconv.FormatInt(want[0], 10) || rows[1][5] != path {
		t.Errorf("CSV rows %q", rows)
	}
	if s := xc.Summary(); s == nil || s.Count != calls {
		t.Errorf("CSV summary %+v", s)
	}

	// A filter on the provider and model of a call.
	if _, err := c.LLM(ctx, kaine.LLMParams{Prompt: "Say hi", MaxTokens: 20}); err != nil {
		t.Fatal(err)
	}
	llm := auditOf(t, c, kaine.AuditParams{Limit: 1, Endpoint: "/v1/llm", Since: start})
	rec := llm.Records[0]
	if rec.Provider == "" || rec.Model == "" {
		t.Fatalf("an LLM call's record without provider or model: %+v", rec)
	}
	served := kaine.AuditParams{Limit: 2, Provider: rec.Provider, Model: rec.Model, Since: start}
	n := 0
	found := false
	for r, err := range c.AuditAll(ctx, served) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		found = found || r.ID == rec.ID
		if r.Provider != rec.Provider || r.Model != rec.Model {
			t.Errorf("provider %s model %s let %+v through", rec.Provider, rec.Model, r)
		}
	}
	x, err = c.AuditExport(ctx, served.ExportParams())
	if err != nil {
		t.Fatal(err)
	}
	for range x.Records() {
	}
	if !found || x.Err() != nil || x.Summary() == nil || x.Summary().Count != int64(n) {
		t.Errorf("served by %s %s: found %v, %d listed, export %v %+v", rec.Provider, rec.Model, found, n, x.Err(), x.Summary())
	}
	x.Close()

	// An export refused before it starts is a *kaine.Error from the call.
	_, err = c.AuditExport(ctx, kaine.AuditExportParams{Since: start, Until: start})
	if e := asError(t, err); e.Status != 400 || e.Code != kaine.CodeInvalidField {
		t.Errorf("until not after since: %+v", e)
	}
}
