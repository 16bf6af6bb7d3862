package landing

import (
	"encoding/json"
	"strings"
	"testing"
)

// goodAnswer is a model answer within every limit, as a JSON-ready map the
// tests change one field at a time.
func goodAnswer() map[string]any {
	return map[string]any{
		"lang":        "en",
		"headline":    "Barns built to outlast the weather",
		"subheadline": "Friesian Construction designs and builds timber barns, stables and workshops across the north.",
		"sections": []any{
			map[string]any{"title": "Who we are", "body": "A family firm of carpenters.\n\nWe build with local oak."},
			map[string]any{"title": "How we work", "body": "One team from the first sketch to the last nail."},
		},
		"services": []any{
			map[string]any{"name": "Timber barns", "description": "Oak-framed barns for storage and livestock."},
			map[string]any{"name": "Stables", "description": "Airy, safe stables built to your herd."},
		},
		"call_to_action": map[string]any{"text": "Plan your barn", "detail": "Tell us what you need and we will visit your site."},
		"faq": []any{
			map[string]any{"question": "Do you work in winter?", "answer": "Yes, the frame goes up in any season."},
		},
	}
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func indented(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "   ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// items makes n list items from one item.
func items(n int, item map[string]any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = item
	}
	return out
}

func TestParseCopyFindsTheObject(t *testing.T) {
	obj := marshal(t, goodAnswer())
	for _, tc := range []struct{ name, answer string }{
		{"bare object", obj},
		{"json fence", "```json\n" + obj + "\n```"},
		{"plain fence", "```\n" + obj + "\n```"},
		{"fence on one line", "```" + obj + "```"},
		{"unclosed fence", "```json\n" + obj},
		{"chat around a fence", "Sure! Here is the copy:\n\n```json\n" + obj + "\n```\n\nLet me know if you want changes."},
		{"chat around bare JSON", "Here it is: " + obj + " Hope that helps {really}."},
		{"braces before the object", "Format {as asked}: " + obj},
		{"indented", "\n\n" + indented(t, goodAnswer()) + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCopy(tc.answer)
			if err != nil {
				t.Fatalf("ParseCopy: %v", err)
			}
			if c.Headline != "Barns built to outlast the weather" || len(c.Sections) != 2 || len(c.Services) != 2 ||
				c.CallToAction.Text != "Plan your barn" || len(c.FAQ) != 1 || c.Lang != "en" {
				t.Fatalf("parsed wrong: %+v", c)
			}
		})
	}
}

func TestParseCopyRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string                 // used when change is nil
		change func(m map[string]any) // applied to goodAnswer
		want   []string               // substrings of the error
	}{
		{name: "not JSON", answer: "I'm sorry, I can't help with that.", want: []string{"no JSON object"}},
		{name: "empty answer", answer: "", want: []string{"no JSON object"}},
		{name: "truncated JSON", answer: `{"headline": "Barns", "sections": [{"title": "Who`, want: []string{"not valid JSON"}},
		{name: "fenced garbage", answer: "```json\n{headline: 'Barns'}\n```", want: []string{"not valid JSON"}},
		{name: "broken object with good inner objects", answer: strings.Replace(marshal(t, goodAnswer()), `"headline":`, `"headline" `, 1), want: []string{"not valid JSON"}},
		{name: "object without copy fields", answer: `Here you go: {"page": "Barns"}`, want: []string{"none of the copy's fields"}},
		{name: "a JSON array of strings", answer: `["Barns", "Stables"]`, want: []string{"no JSON object"}},
		{name: "too big", answer: "{" + strings.Repeat(" ", maxAnswerBytes) + "}", want: []string{"over the", "byte limit"}},

		{name: "missing headline", change: func(m map[string]any) { delete(m, "headline") }, want: []string{"headline: missing or empty"}},
		{name: "empty headline", change: func(m map[string]any) { m["headline"] = "" }, want: []string{"headline: missing or empty"}},
		{name: "blank headline", change: func(m map[string]any) { m["headline"] = " \n\t " }, want: []string{"headline: missing or empty"}},
		{name: "null headline", change: func(m map[string]any) { m["headline"] = nil }, want: []string{"headline: missing or empty"}},
		{name: "missing subheadline", change: func(m map[string]any) { delete(m, "subheadline") }, want: []string{"subheadline: missing or empty"}},
		{name: "missing call to action", change: func(m map[string]any) { delete(m, "call_to_action") }, want: []string{"call_to_action.text: missing", "call_to_action.detail: missing"}},
		{name: "missing sections", change: func(m map[string]any) { delete(m, "sections") }, want: []string{"sections: missing or empty"}},
		{name: "no sections", change: func(m map[string]any) { m["sections"] = []any{} }, want: []string{"sections: missing or empty"}},
		{name: "no services", change: func(m map[string]any) { m["services"] = nil }, want: []string{"services: missing or empty"}},
		{name: "empty section body", change: func(m map[string]any) {
			m["sections"] = []any{map[string]any{"title": "About", "body": ""}}
		}, want: []string{"sections[0].body: missing or empty"}},
		{name: "null section", change: func(m map[string]any) { m["sections"] = []any{nil} }, want: []string{"sections[0].title: missing"}},

		{name: "headline is a number", change: func(m map[string]any) { m["headline"] = 42 }, want: []string{"headline: want string, got number"}},
		{name: "headline is a list", change: func(m map[string]any) { m["headline"] = []string{"a"} }, want: []string{"headline: want string, got array"}},
		{name: "sections is a string", change: func(m map[string]any) { m["sections"] = "About us" }, want: []string{"sections: want array, got string"}},
		{name: "section is a string", change: func(m map[string]any) { m["sections"] = []any{"About us"} }, want: []string{"sections: want object, got string"}},
		{name: "service name is a bool", change: func(m map[string]any) {
			m["services"] = []any{map[string]any{"name": true, "description": "x"}}
		}, want: []string{"services.name: want string, got bool"}},
		{name: "call to action is a string", change: func(m map[string]any) { m["call_to_action"] = "Call us" }, want: []string{"call_to_action: want object, got string"}},

		{name: "9 sections", change: func(m map[string]any) {
			m["sections"] = items(9, map[string]any{"title": "t", "body": "b"})
		}, want: []string{"sections: 9 items, over the limit of 8"}},
		{name: "13 services", change: func(m map[string]any) {
			m["services"] = items(13, map[string]any{"name": "n", "description": "d"})
		}, want: []string{"services: 13 items, over the limit of 12"}},
		{name: "long headline", change: func(m map[string]any) { m["headline"] = strings.Repeat("x", 121) }, want: []string{"headline: 121 characters, over the limit of 120"}},
		{name: "long section body", change: func(m map[string]any) {
			m["sections"] = []any{map[string]any{"title": "t", "body": strings.Repeat("word ", 301)}}
		}, want: []string{"sections[0].body:", "over the limit of 1500"}},
		{name: "long button", change: func(m map[string]any) {
			m["call_to_action"] = map[string]any{"text": strings.Repeat("Click ", 11), "detail": "d"}
		}, want: []string{"call_to_action.text:", "over the limit of 60"}},

		{name: "every problem is listed", change: func(m map[string]any) {
			delete(m, "headline")
			m["services"] = items(13, map[string]any{"name": "n", "description": "d"})
		}, want: []string{"headline: missing or empty", "services: 13 items"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answer := tc.answer
			if tc.change != nil {
				m := goodAnswer()
				tc.change(m)
				answer = marshal(t, m)
			}
			c, err := ParseCopy(answer)
			if err == nil {
				t.Fatalf("ParseCopy accepted it: %+v", c)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestParseCopyAccepts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
	}{
		{"unknown fields are ignored", func(m map[string]any) {
			m["testimonials"] = []any{map[string]any{"quote": "Great"}}
			m["seo"] = map[string]any{"keywords": 3}
		}},
		{"no faq", func(m map[string]any) { delete(m, "faq") }},
		{"no lang", func(m map[string]any) { delete(m, "lang") }},
		{"region lang", func(m map[string]any) { m["lang"] = "pt-BR" }},
		{"limits count characters, not bytes", func(m map[string]any) { m["headline"] = strings.Repeat("é", maxHeadline) }},
		{"lists at their limits", func(m map[string]any) {
			m["sections"] = items(maxSections, map[string]any{"title": "t", "body": "b"})
			m["services"] = items(maxServices, map[string]any{"name": "n", "description": "d"})
			m["faq"] = items(maxFAQ, map[string]any{"question": "q", "answer": "a"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := goodAnswer()
			tc.change(m)
			if _, err := ParseCopy(marshal(t, m)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseCopyTidiesText(t *testing.T) {
	m := goodAnswer()
	m["headline"] = "  Barns\n built  to\tlast \x07"
	m["sections"] = []any{map[string]any{"title": "About", "body": "Line one\r\nstill one.\r\n\r\n\n\nTwo\x00."}}
	c, err := ParseCopy(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if c.Headline != "Barns built to last" {
		t.Errorf("headline = %q", c.Headline)
	}
	if got := c.Sections[0].Body; got != "Line one still one.\n\nTwo." {
		t.Errorf("body = %q", got)
	}
}

// An optional field the model got wrong is left out, saying why; the page
// is made from the rest.
func TestParseCopyDropsUnusableOptionalFields(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(map[string]any)
		lang    string
		faq     int
		dropped []string
	}{
		{name: "bad lang", change: func(m map[string]any) { m["lang"] = `en"><script>` },
			faq: 1, dropped: []string{`lang: "en\"><script>" is not a language tag`}},
		{name: "lang is a number", change: func(m map[string]any) { m["lang"] = 7 },
			faq: 1, dropped: []string{"lang: want string, got number"}},
		{name: "faq without answer", change: func(m map[string]any) {
			m["faq"] = []any{map[string]any{"question": "Why?"}, map[string]any{"question": "How?", "answer": "Well."}}
		}, lang: "en", faq: 1, dropped: []string{"faq[0]: faq[0].answer: missing or empty"}},
		{name: "faq is an object", change: func(m map[string]any) { m["faq"] = map[string]any{} },
			lang: "en", dropped: []string{"faq: want array, got object"}},
		{name: "11 questions", change: func(m map[string]any) {
			m["faq"] = items(11, map[string]any{"question": "q", "answer": "a"})
		}, lang: "en", faq: 10, dropped: []string{"faq[10]: over the limit of 10 questions"}},
		{name: "long answer", change: func(m map[string]any) {
			m["faq"] = []any{map[string]any{"question": "Why?", "answer": strings.Repeat("x", 801)}}
		}, lang: "en", dropped: []string{"faq[0]: faq[0].answer: 801 characters, over the limit of 800"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := goodAnswer()
			tc.change(m)
			c, err := ParseCopy(marshal(t, m))
			if err != nil {
				t.Fatalf("ParseCopy refused it: %v", err)
			}
			if c.Lang != tc.lang || len(c.FAQ) != tc.faq {
				t.Errorf("lang %q with %d questions, want %q with %d", c.Lang, len(c.FAQ), tc.lang, tc.faq)
			}
			if len(c.Dropped) != len(tc.dropped) {
				t.Fatalf("dropped %q, want %q", c.Dropped, tc.dropped)
			}
			for i, want := range tc.dropped {
				if !strings.HasPrefix(c.Dropped[i], want) {
					t.Errorf("dropped[%d] = %q, want it to start %q", i, c.Dropped[i], want)
				}
			}
			if c.Headline == "" || len(c.Sections) == 0 {
				t.Fatalf("the required copy was lost: %+v", c)
			}
		})
	}
}
