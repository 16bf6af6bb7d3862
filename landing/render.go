package landing

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/mail"
	"strings"
	"unicode/utf8"
)

//go:embed page.html.tmpl
var pageSource string

// page is parsed once; a broken template is a programming error the tests
// catch, so Must is right.
var page = template.Must(template.New("page").
	Funcs(template.FuncMap{"paragraphs": paragraphs}).
	Parse(pageSource))

// maxDescription is where search engines cut a meta description.
const maxDescription = 160

// pageData is what the template sees.
type pageData struct {
	Lang, Title, Description    string
	BusinessName, Industry      string
	ServicesHeading, FAQHeading string
	Email, MailTo               string // empty when the brief has no valid address
	Copy                        Copy
}

// Render renders the page for the brief and its copy: a complete, responsive
// HTML5 document with inline CSS and no external assets or scripts (its CSP
// meta tag forbids them too, in case anything ever slipped through). Every
// value is escaped by html/template. The contact link appears only when
// ClientEmail is a valid address. Copy that ParseCopy would refuse for a
// missing field or a broken limit is refused here as well.
func Render(b Brief, c Copy) ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("rendering landing page: %w", err)
	}
	d := pageData{
		Lang:         c.Lang,
		BusinessName: line(b.BusinessName),
		Industry:     line(b.Industry),
		Description:  shorten(c.Subheadline, maxDescription),
		Copy:         c,
	}
	if d.Lang == "" {
		d.Lang = "en"
	}
	d.Title = c.Headline
	if d.BusinessName != "" {
		d.Title = d.BusinessName + " · " + c.Headline
	}
	d.ServicesHeading, d.FAQHeading = headings(d.Lang)
	if addr, ok := emailAddress(b.ClientEmail); ok {
		d.Email, d.MailTo = addr, "mailto:"+mailtoEscape(addr)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("rendering landing page: %w", err)
	}
	return buf.Bytes(), nil
}

// emailAddress returns the bare address when s is one valid email address
// (net/mail, a display name allowed) with a dotted domain; anything else gets
// no link rather than a broken one.
func emailAddress(s string) (string, bool) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || len(a.Address) > 254 {
		return "", false
	}
	at := strings.LastIndexByte(a.Address, '@')
	domain := a.Address[at+1:]
	if at <= 0 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		return "", false
	}
	return a.Address, true
}

// mailtoEscape percent-encodes everything in an address but letters, digits
// and "-._~+@", so a quoted local part holding '?', '&', ',' or '#' cannot add
// headers or recipients to the mailto: URL (RFC 6068).
func mailtoEscape(addr string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(addr); i++ {
		c := addr[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~+@", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// shorten cuts s to at most max characters at a word boundary, with an
// ellipsis when it cut.
func shorten(s string, max int) string {
	s = line(s)
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	s = cut(s, max-1)
	if i := strings.LastIndexByte(s, ' '); i > len(s)/2 {
		s = s[:i]
	}
	return strings.TrimRight(s, " ,;:.-") + "…"
}

// headings are the fixed section headings in the copy's language, English
// when the language is not listed. The model writes everything else.
func headings(lang string) (services, faq string) {
	primary, _, _ := strings.Cut(strings.ToLower(lang), "-")
	switch primary {
	case "de":
		return "Leistungen", "Häufige Fragen"
	case "es":
		return "Servicios", "Preguntas frecuentes"
	case "fr":
		return "Services", "Questions fréquentes"
	case "it":
		return "Servizi", "Domande frequenti"
	case "nl":
		return "Diensten", "Veelgestelde vragen"
	case "pt":
		return "Serviços", "Perguntas frequentes"
	}
	return "Services", "Frequently asked questions"
}
