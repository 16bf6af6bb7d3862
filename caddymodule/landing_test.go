package caddymodule

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// pageCopy is copy a model might write, with markup where a model (or a
// brief it obeyed) might put some.
const pageCopy = `Here is the copy:
` + "```json" + `
{"headline":"Built right <script>alert(1)</script>","subheadline":"Commercial construction in Salinas",
 "sections":[{"title":"Who we are","body":"Family-owned since the start.\"><img src=x onerror=alert(1)>"}],
 "services":[{"name":"Tenant improvements","description":"Offices and shops."}],
 "call_to_action":{"text":"Get a quote","detail":"Tell us about your project."}}
` + "```"

func TestLandingPagesAreGeneratedEscapedAndPublished(t *testing.T) {
	u := newUpstreams(t)
	files := filepath.Join(t.TempDir(), "files")
	g := startGateway(t, u.providers("files_dir "+files+"\n\t\tpublic_url https://pages.example"))
	k := g.userWithKey("angel", "write")
	brief := `{"business_name":"Friesian Construction","client_email":"info@friesian.com","industry":"construction","tone":"Professional","description":"Family-owned commercial construction in Salinas, CA"}`

	u.anthropic.Enqueue(fakeupstream.Reply{Text: pageCopy, Usage: fakeupstream.Usage{InputTokens: 1500, OutputTokens: 400}})
	status, _, data := g.doRaw("POST", "/v1/landing-pages", k.Key, brief)
	var answer struct {
		OK       bool   `json:"ok"`
		URL      string `json:"url"`
		Filename string `json:"filename"`
	}
	if status != 200 || json.Unmarshal(data, &answer) != nil || !answer.OK || answer.Filename != "friesian-construction.html" ||
		answer.URL != "https://pages.example/files/friesian-construction.html" {
		t.Fatalf("%d %s", status, data)
	}
	sent := string(u.anthropic.Requests()[0].Body)
	if !strings.Contains(sent, "Family-owned commercial construction in Salinas") {
		t.Fatalf("the brief did not reach the model: %s", sent)
	}
	status, h, page := g.doRaw("GET", "/files/"+answer.Filename, "", "")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(string(page), "Built right") ||
		strings.Contains(string(page), "<script>") || strings.Contains(string(page), "<img src=x") || !strings.Contains(string(page), "&lt;script&gt;") ||
		!strings.Contains(string(page), "mailto:info@friesian.com") {
		t.Fatalf("published page: %d\n%s", status, page)
	}
	// sonnet: 1500 × $2 + 400 × $10 per million = 7,000 µUSD.
	if rec := g.lastRecord(k.UserID, 1, "/v1/landing-pages"); rec.Status != 200 || rec.Provider != "anthropic" || rec.Cost != 7000 {
		t.Fatalf("audit record %+v", rec)
	}

	// The same business again gets its own file; a hostile name stays inside.
	u.anthropic.Enqueue(fakeupstream.Reply{Text: pageCopy, Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 10}})
	if status, _, data := g.doRaw("POST", "/v1/landing-pages", k.Key, brief); status != 200 || !strings.Contains(string(data), `"filename":"friesian-construction-2.html"`) {
		t.Fatalf("second page: %d %s", status, data)
	}
	u.anthropic.Enqueue(fakeupstream.Reply{Text: pageCopy, Usage: fakeupstream.Usage{InputTokens: 10, OutputTokens: 10}})
	status, _, data = g.doRaw("POST", "/v1/landing-pages", k.Key, `{"business_name":"../../etc/passwd","description":"x"}`)
	if status != 200 || !strings.Contains(string(data), `"filename":"etc-passwd.html"`) {
		t.Fatalf("hostile name: %d %s", status, data)
	}
	if _, err := os.Stat(filepath.Join(files, "etc-passwd.html")); err != nil {
		t.Fatalf("the page is not in files_dir: %v", err)
	}

	// An answer that is not copy publishes nothing, and the tokens are billed.
	u.anthropic.Enqueue(fakeupstream.Reply{Text: "Sorry, I can't help with that.", Usage: fakeupstream.Usage{InputTokens: 1000, OutputTokens: 10}})
	status, _, data = g.doRaw("POST", "/v1/landing-pages", k.Key, `{"business_name":"Nope Inc","description":"x"}`)
	if status != 500 || !strings.Contains(string(data), `"generation_failed"`) {
		t.Fatalf("unusable answer: %d %s", status, data)
	}
	if _, err := os.Stat(filepath.Join(files, "nope-inc.html")); !os.IsNotExist(err) {
		t.Fatalf("a page was written for an unusable answer: %v", err)
	}
	if rec := g.lastRecord(k.UserID, 4, "/v1/landing-pages"); rec.Error != "generation_failed" || rec.Cost != 2100 {
		t.Fatalf("unusable answer's audit record %+v; want 1000 × $2 + 10 × $10 per million", rec)
	}
	entries, _ := os.ReadDir(files)
	if len(entries) != 3 {
		t.Fatalf("files_dir holds %d entries, want the 3 pages (no temp files)", len(entries))
	}

	for _, c := range []struct{ body, code string }{
		{`{"description":"x"}`, "missing_fields"},
		{`{"business_name":"Acme"}`, "missing_fields"},
		{`{"business_name":"Acme","description":"x","client_email":"not an email"}`, "invalid_field"},
		{`{"business_name":"` + strings.Repeat("a", 201) + `","description":"x"}`, "invalid_field"},
	} {
		if status, _, data := g.doRaw("POST", "/v1/landing-pages", k.Key, c.body); status != 400 || !strings.Contains(string(data), c.code) {
			t.Errorf("%s: %d %s", c.body, status, data)
		}
	}
	if n := len(u.anthropic.Requests()); n != 4 {
		t.Fatalf("refused briefs reached the model: %d calls", n)
	}
}

// Copy that is fine but for an optional field the model got wrong makes a
// page without that field; the audit record says what was left out.
func TestLandingPageLeavesOutAnUnusableOptionalField(t *testing.T) {
	u := newUpstreams(t)
	files := filepath.Join(t.TempDir(), "files")
	g := startGateway(t, u.providers("files_dir "+files))
	k := g.userWithKey("angel", "write")
	answer := `{"lang":"English please","headline":"Built right","subheadline":"Commercial construction in Salinas",
 "sections":[{"title":"Who we are","body":"Family-owned since the start."}],
 "services":[{"name":"Tenant improvements","description":"Offices and shops."}],
 "call_to_action":{"text":"Get a quote","detail":"Tell us about your project."},
 "faq":[{"question":"Do you work weekends?"},{"question":"Are you insured?","answer":"Fully."}]}`
	u.anthropic.Enqueue(fakeupstream.Reply{Text: answer, Usage: fakeupstream.Usage{InputTokens: 100, OutputTokens: 100}})
	status, _, data := g.doRaw("POST", "/v1/landing-pages", k.Key, `{"business_name":"Salinas Builders","description":"Commercial construction"}`)
	if status != 200 || !strings.Contains(string(data), `"filename":"salinas-builders.html"`) {
		t.Fatalf("%d %s", status, data)
	}
	page, err := os.ReadFile(filepath.Join(files, "salinas-builders.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `<html lang="en">`) || !strings.Contains(string(page), "Are you insured?") ||
		strings.Contains(string(page), "Do you work weekends?") || strings.Contains(string(page), "English please") {
		t.Fatalf("page kept an unusable field or lost a good one:\n%s", page)
	}
	rec := g.lastRecord(k.UserID, 1, "/v1/landing-pages")
	if rec.Status != 200 || !strings.Contains(rec.Note, `lang: "English please" is not a language tag`) ||
		!strings.Contains(rec.Note, "faq[0]: faq[0].answer: missing or empty") {
		t.Fatalf("audit record %+v does not say what was left out", rec)
	}
}
