package handlers

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// fields reads typed fields from a JSON object, keeping the first error.
// A null field counts as absent.
type fields struct {
	obj gjson.Result
	err *apiError
}

func (f *fields) fail(code, format string, args ...any) {
	if f.err == nil {
		f.err = &apiError{code: code, message: fmt.Sprintf(format, args...)}
	}
}

func (f *fields) get(name string) (gjson.Result, bool) {
	v := f.obj.Get(gjson.Escape(name))
	return v, v.Exists() && v.Type != gjson.Null
}

// str reads an optional string field.
func (f *fields) str(name string) string {
	v, ok := f.get(name)
	if !ok {
		return ""
	}
	if v.Type != gjson.String {
		f.fail(CodeInvalidField, "%s must be a string.", name)
		return ""
	}
	if !utf8.ValidString(v.Str) {
		f.fail(CodeInvalidField, "%s must be valid UTF-8.", name)
		return ""
	}
	return v.Str
}

// bounded reads an optional string field of at most max bytes.
func (f *fields) bounded(name string, max int) string {
	s := f.str(name)
	if len(s) > max {
		f.fail(CodeInvalidField, "%s must be at most %d bytes.", name, max)
		return ""
	}
	return s
}

// requiredBounded reads a string field that must be present, not empty
// and at most max bytes.
func (f *fields) requiredBounded(name string, max int) string {
	s := f.required(name)
	if len(s) > max {
		f.fail(CodeInvalidField, "%s must be at most %d bytes.", name, max)
		return ""
	}
	return s
}

// required reads a string field that must be present and not empty.
func (f *fields) required(name string) string {
	if _, ok := f.get(name); !ok {
		f.fail(CodeMissingFields, "%s is required.", name)
		return ""
	}
	s := f.str(name)
	if s == "" && f.err == nil {
		f.fail(CodeMissingFields, "%s must not be empty.", name)
	}
	return s
}

// integer reads an optional whole number in [lo, hi].
func (f *fields) integer(name string, def, lo, hi int) int {
	v, ok := f.get(name)
	if !ok {
		return def
	}
	n := v.Float()
	if v.Type != gjson.Number || n != math.Trunc(n) || n < float64(lo) || n > float64(hi) {
		f.fail(CodeInvalidField, "%s must be a whole number from %d to %d.", name, lo, hi)
		return def
	}
	return int(n)
}

// number reads an optional number in [lo, hi].
func (f *fields) number(name string, def, lo, hi float64) float64 {
	v, ok := f.get(name)
	if !ok {
		return def
	}
	n := v.Float()
	if v.Type != gjson.Number || math.IsNaN(n) || n < lo || n > hi {
		f.fail(CodeInvalidField, "%s must be a number from %g to %g.", name, lo, hi)
		return def
	}
	return n
}

// boolean reads an optional true or false.
func (f *fields) boolean(name string) bool {
	v, ok := f.get(name)
	if !ok {
		return false
	}
	if v.Type != gjson.True && v.Type != gjson.False {
		f.fail(CodeInvalidField, "%s must be true or false.", name)
	}
	return v.Type == gjson.True
}
