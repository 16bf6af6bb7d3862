package agenttools

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/keinetech/kaine/internal/mailaddr"
	"github.com/keinetech/kaine/leads"
)

// checker checks the model's input field by field, keeping the first
// complaint, so a tool reports one clear thing to fix.
type checker struct{ err error }

func (c *checker) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, args...)
	}
}

// bounded checks an optional text of at most max bytes.
func (c *checker) bounded(field, s string, max int) {
	if len(s) > max {
		c.fail("%s is %d bytes, over the limit of %d", field, len(s), max)
	}
}

// required checks a text that must hold more than spaces, of at most max
// bytes.
func (c *checker) required(field, s string, max int) {
	if strings.TrimSpace(s) == "" {
		c.fail("%s is required", field)
	}
	c.bounded(field, s, max)
}

// chars checks a text that must hold more than spaces, of at most max
// characters: for what a provider counts in characters.
func (c *checker) chars(field, s string, max int) {
	if strings.TrimSpace(s) == "" {
		c.fail("%s is required", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		c.fail("%s is %d characters, over the limit of %d", field, n, max)
	}
}

// oneLine checks a text that goes in a header or a list: no line breaks
// or other control characters.
func (c *checker) oneLine(field, s string) {
	if strings.ContainsFunc(s, unicode.IsControl) {
		c.fail("%s must be one line, without line breaks or control characters", field)
	}
}

// email checks an optional bare email address.
func (c *checker) email(field, s string) {
	c.bounded(field, s, leads.MaxEmail)
	if s != "" && !mailaddr.Plain(s) {
		c.fail("%s must be a bare email address like ana@example.com", field)
	}
}
