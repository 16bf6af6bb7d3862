package landing

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on the copy. The prompt states them and ParseCopy enforces them, so a
// model that rambles or loops fails loudly instead of producing a broken page.
// Lengths are in characters (runes), counted after whitespace is tidied.
const (
	maxAnswerBytes = 128 << 10 // a complete answer within the limits is ~40 KiB

	maxHeadline    = 120
	maxSubheadline = 300

	maxSections     = 8
	maxSectionTitle = 100
	maxSectionBody  = 1500

	maxServices           = 12
	maxServiceName        = 80
	maxServiceDescription = 500

	maxCTAText   = 60
	maxCTADetail = 300

	maxFAQ         = 10
	maxFAQQuestion = 200
	maxFAQAnswer   = 800
)

// Copy is the page's copy as the model writes it. All strings are plain text:
// Render escapes them, so markup in them shows as text and never runs.
// There are deliberately no testimonials: a model can only invent them, and
// invented reviews on a real business's page are fake reviews.
type Copy struct {
	// Lang is the language of the copy as a BCP 47 tag ("en", "pt-BR").
	// Optional; Render uses "en" when it is empty.
	Lang         string    `json:"lang,omitempty"`
	Headline     string    `json:"headline"`
	Subheadline  string    `json:"subheadline"`
	Sections     []Section `json:"sections"`
	Services     []Service `json:"services"`
	CallToAction CTA       `json:"call_to_action"`
	// FAQ is optional.
	FAQ []QA `json:"faq,omitempty"`

	// Dropped says which optional parts of the model's answer were left
	// out as unusable, and why; the page is made without them.
	Dropped []string `json:"-"`
}

// Section is a titled block of prose. Body paragraphs are separated by a
// blank line.
type Section struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// Service is one thing the business offers.
type Service struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// CTA is the call to action: Text is the button label, Detail the sentence
// around it.
type CTA struct {
	Text   string `json:"text"`
	Detail string `json:"detail"`
}

// QA is one question of the FAQ with its answer.
type QA struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// ParseCopy reads a model's answer: one JSON object, possibly in a ```json
// fence or with text around it. Unknown fields are ignored, but types are
// strict (no number for a string, no string for a list), required fields must
// be present and non-empty, and lists and strings must stay within the limits
// the prompt states. The error lists every problem found. Strings come back
// tidied: control characters dropped, whitespace trimmed, one-line fields on
// one line.
func ParseCopy(answer string) (Copy, error) {
	if len(answer) > maxAnswerBytes {
		return Copy{}, fmt.Errorf("answer is %d bytes, over the %d-byte limit", len(answer), maxAnswerBytes)
	}
	raw, err := findObject(answer)
	if err != nil {
		return Copy{}, err
	}
	// The optional fields are read apart, so that one the model got wrong
	// is left out rather than failing the page.
	var answerCopy struct {
		Copy
		Lang json.RawMessage `json:"lang"`
		FAQ  json.RawMessage `json:"faq"`
	}
	if err := json.Unmarshal(raw, &answerCopy); err != nil {
		return Copy{}, typeError(err)
	}
	c := answerCopy.Copy
	c.Lang, c.FAQ = "", nil
	c.takeOptional(answerCopy.Lang, answerCopy.FAQ)
	c.tidy()
	if err := c.validate(); err != nil {
		return Copy{}, err
	}
	c.dropUnusableOptional()
	return c, nil
}

// typeError says which field of the answer had the wrong JSON type.
func typeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: want %s, got %s", te.Field, jsonKind(te.Type), te.Value)
	}
	return fmt.Errorf("answer is not valid JSON: %w", err)
}

// takeOptional decodes the optional fields, dropping one whose JSON type is
// wrong (a number for lang, a string for faq) and noting why.
func (c *Copy) takeOptional(lang, faq json.RawMessage) {
	if len(lang) > 0 && string(lang) != "null" {
		if err := json.Unmarshal(lang, &c.Lang); err != nil {
			c.Lang = ""
			c.drop("lang", optionalTypeError(err))
		}
	}
	if len(faq) > 0 && string(faq) != "null" {
		if err := json.Unmarshal(faq, &c.FAQ); err != nil {
			c.FAQ = nil
			c.drop("faq", optionalTypeError(err))
		}
	}
}

// optionalTypeError is typeError for a field decoded on its own, whose
// error names no field when the whole value has the wrong type.
func optionalTypeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "" {
		return fmt.Errorf("want %s, got %s", jsonKind(te.Type), te.Value)
	}
	return typeError(err)
}

// dropUnusableOptional leaves out what of the optional fields fails its
// rule: a lang that is not a language tag, FAQ entries missing a part or
// over a length limit, and entries past the limit on their number.
func (c *Copy) dropUnusableOptional() {
	if c.Lang != "" && !langTag.MatchString(c.Lang) {
		c.drop("lang", fmt.Errorf("%q is not a language tag like \"en\" or \"pt-BR\"", c.Lang))
		c.Lang = ""
	}
	kept := c.FAQ[:0]
	for i, q := range c.FAQ {
		var v validator
		v.text(fmt.Sprintf("faq[%d].question", i), q.Question, maxFAQQuestion)
		v.text(fmt.Sprintf("faq[%d].answer", i), q.Answer, maxFAQAnswer)
		switch {
		case len(v.errs) > 0:
			c.drop(fmt.Sprintf("faq[%d]", i), errors.Join(v.errs...))
		case len(kept) == maxFAQ:
			c.drop(fmt.Sprintf("faq[%d]", i), fmt.Errorf("over the limit of %d questions", maxFAQ))
		default:
			kept = append(kept, q)
		}
	}
	c.FAQ = kept
	if len(c.FAQ) == 0 {
		c.FAQ = nil
	}
}

func (c *Copy) drop(field string, why error) {
	c.Dropped = append(c.Dropped, field+": "+strings.ReplaceAll(why.Error(), "\n", "; "))
}

// maxObjectTries bounds how many '{' positions findObject tries, so an answer
// full of unclosed braces costs linear time, not quadratic.
const maxObjectTries = 16

// findObject returns the first JSON object in the answer that has a field
// of the copy, looking inside the first ``` fence before the whole answer,
// because models wrap their JSON in a fence and chat around it. Objects
// without any of the copy's fields are skipped: they are either prose in
// braces or, when the page's object is broken, one of its inner objects,
// which would hide the real error behind "headline: missing".
func findObject(answer string) (json.RawMessage, error) {
	candidates := []string{answer}
	if inner, ok := fenced(answer); ok {
		candidates = []string{inner, answer}
	}
	var syntaxErr error
	foundOther := false
	for _, s := range candidates {
		for tries, i := 0, 0; tries < maxObjectTries; tries++ {
			j := strings.IndexByte(s[i:], '{')
			if j < 0 {
				break
			}
			i += j
			var raw json.RawMessage
			// A Decoder stops after one value, so text after the object is fine.
			err := json.NewDecoder(strings.NewReader(s[i:])).Decode(&raw)
			switch {
			case err != nil:
				if syntaxErr == nil {
					syntaxErr = err
				}
			case hasCopyField(raw):
				return raw, nil
			default:
				foundOther = true
			}
			i++
		}
	}
	switch {
	case syntaxErr != nil:
		return nil, fmt.Errorf("answer is not valid JSON: %w", syntaxErr)
	case foundOther:
		return nil, errors.New("answer's JSON object has none of the copy's fields (headline, subheadline, sections, services, call_to_action)")
	}
	return nil, errors.New("answer holds no JSON object")
}

// hasCopyField reports whether the object has one of the copy's required
// top-level fields, matched as encoding/json matches them.
func hasCopyField(raw json.RawMessage) bool {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return false
	}
	for k := range fields {
		for _, f := range [...]string{"headline", "subheadline", "sections", "services", "call_to_action"} {
			if strings.EqualFold(k, f) {
				return true
			}
		}
	}
	return false
}

// fenced returns what is inside the first ``` fence, without the fence's
// info string ("json"). An unclosed fence runs to the end of the answer.
func fenced(s string) (string, bool) {
	start := strings.Index(s, "```")
	if start < 0 {
		return "", false
	}
	s = s[start+3:]
	if nl := strings.IndexByte(s, '\n'); nl >= 0 && !strings.ContainsAny(s[:nl], "{[") {
		s = s[nl+1:] // the info string line
	}
	if end := strings.Index(s, "```"); end >= 0 {
		s = s[:end]
	}
	return s, true
}

// jsonKind names a Go type the way the JSON in the answer would spell it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Slice:
		return "array"
	case reflect.Struct:
		return "object"
	default:
		return t.String()
	}
}

func (c *Copy) tidy() {
	c.Lang = line(c.Lang)
	c.Headline = line(c.Headline)
	c.Subheadline = line(c.Subheadline)
	for i := range c.Sections {
		s := &c.Sections[i]
		s.Title, s.Body = line(s.Title), prose(s.Body)
	}
	for i := range c.Services {
		s := &c.Services[i]
		s.Name, s.Description = line(s.Name), prose(s.Description)
	}
	c.CallToAction.Text = line(c.CallToAction.Text)
	c.CallToAction.Detail = prose(c.CallToAction.Detail)
	for i := range c.FAQ {
		q := &c.FAQ[i]
		q.Question, q.Answer = line(q.Question), prose(q.Answer)
	}
}

// langTag is the shape of a BCP 47 tag, enough to keep junk out of <html lang>.
var langTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$`)

func (c *Copy) validate() error {
	var v validator
	v.text("headline", c.Headline, maxHeadline)
	v.text("subheadline", c.Subheadline, maxSubheadline)
	v.list("sections", len(c.Sections), 1, maxSections)
	for i, s := range c.Sections {
		v.text(fmt.Sprintf("sections[%d].title", i), s.Title, maxSectionTitle)
		v.text(fmt.Sprintf("sections[%d].body", i), s.Body, maxSectionBody)
	}
	v.list("services", len(c.Services), 1, maxServices)
	for i, s := range c.Services {
		v.text(fmt.Sprintf("services[%d].name", i), s.Name, maxServiceName)
		v.text(fmt.Sprintf("services[%d].description", i), s.Description, maxServiceDescription)
	}
	v.text("call_to_action.text", c.CallToAction.Text, maxCTAText)
	v.text("call_to_action.detail", c.CallToAction.Detail, maxCTADetail)
	return errors.Join(v.errs...)
}

// validator collects every problem, so one failed generation shows all of
// what the model got wrong.
type validator struct{ errs []error }

func (v *validator) fail(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) text(field, s string, max int) {
	if s == "" {
		v.fail("%s: missing or empty", field)
	} else if n := utf8.RuneCountInString(s); n > max {
		v.fail("%s: %d characters, over the limit of %d", field, n, max)
	}
}

func (v *validator) list(field string, n, min, max int) {
	switch {
	case n < min && n == 0:
		v.fail("%s: missing or empty", field)
	case n < min:
		v.fail("%s: %d items, want at least %d", field, n, min)
	case n > max:
		v.fail("%s: %d items, over the limit of %d", field, n, max)
	}
}

// line tidies a one-line field: every run of whitespace (newlines included)
// becomes one space, control characters go.
func line(s string) string {
	return strings.Join(strings.Fields(dropControls(s)), " ")
}

// prose tidies a multi-line field: lines are tidied like line, and runs of
// blank lines become one, which is the paragraph break Render understands.
func prose(s string) string {
	return strings.Join(paragraphs(dropControls(s)), "\n\n")
}

// paragraphs splits text on blank lines, tidying each paragraph to one line.
func paragraphs(s string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, " "))
			cur = cur[:0]
		}
	}
	for _, l := range strings.Split(s, "\n") {
		if l = line(l); l == "" {
			flush()
		} else {
			cur = append(cur, l)
		}
	}
	flush()
	return out
}

// dropControls removes control characters except newline and tab, and turns
// CR line ends into LF; they have no business in page copy and some are
// parse errors in HTML.
func dropControls(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r), r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
}
