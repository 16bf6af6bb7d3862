package fakeupstream

import (
	"strings"

	"github.com/tidwall/gjson"
)

// Anthropic validates requests with pydantic: a refusal names the field's
// location (messages.0.content.1.image.source) and pydantic's message.
// These helpers phrase them; each passes a field that is absent and
// returns "" when v is fine.

// pyChoices lists literals as pydantic does: 'a', 'b' or 'c'.
func pyChoices(values []string) string {
	q := quoted(values)
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func quoted(values []string) []string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "'" + v + "'"
	}
	return q
}

// pyLiteral: v must be one of values.
func pyLiteral(v gjson.Result, loc string, values ...string) string {
	if !v.Exists() {
		return ""
	}
	for _, allowed := range values {
		if v.Type == gjson.String && v.Str == allowed {
			return ""
		}
	}
	return loc + ": Input should be " + pyChoices(values)
}

// pyTag is the refusal of a tagged union's member whose type is none of
// tags.
func pyTag(loc, tag string, tags ...string) string {
	if tag == "" {
		return loc + ": Unable to extract tag using discriminator 'type'"
	}
	return loc + ": Input tag '" + tag + "' found using 'type' does not match any of the expected tags: " +
		strings.Join(quoted(tags), ", ")
}

func pyString(v gjson.Result, loc string) string {
	if v.Exists() && v.Type != gjson.String {
		return loc + ": Input should be a valid string"
	}
	return ""
}

func pyBool(v gjson.Result, loc string) string {
	if v.Exists() && !isBool(v) {
		return loc + ": Input should be a valid boolean"
	}
	return ""
}

// pyInt: an integer of at least least.
func pyInt(v gjson.Result, loc string, least int64) string {
	switch {
	case !v.Exists():
		return ""
	case !isInteger(v):
		return loc + ": Input should be a valid integer"
	case v.Int() < least:
		return loc + ": Input should be greater than or equal to " + formatNumber(float64(least))
	}
	return ""
}

// pyNumber: a number from lo to hi.
func pyNumber(v gjson.Result, loc string, lo, hi float64) string {
	switch {
	case !v.Exists():
		return ""
	case v.Type != gjson.Number:
		return loc + ": Input should be a valid number"
	case v.Num < lo:
		return loc + ": Input should be greater than or equal to " + formatNumber(lo)
	case v.Num > hi:
		return loc + ": Input should be less than or equal to " + formatNumber(hi)
	}
	return ""
}

// pyObject: an object holding only fields.
func pyObject(v gjson.Result, loc string, fields map[string]bool) string {
	switch {
	case !v.Exists():
		return ""
	case !v.IsObject():
		return loc + ": Input should be a valid dictionary"
	}
	if extra := unknownField(v, fields); extra != "" {
		return loc + "." + extra + ": Extra inputs are not permitted"
	}
	return ""
}
