package compat

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// FieldError is a request a front refuses: Param is the field at fault, as
// the front's SDK names it (messages[2].content[0].image_url.url), and
// Message says what to do instead. It never holds a value the caller sent
// in a secret field.
type FieldError struct {
	Param   string
	Message string
	// Missing marks a required field left out.
	Missing bool
}

func (e *FieldError) Error() string { return e.Param + ": " + e.Message }

func fieldErr(param, format string, args ...any) *FieldError {
	return &FieldError{Param: param, Message: fmt.Sprintf(format, args...)}
}

func missingErr(param, format string, args ...any) *FieldError {
	e := fieldErr(param, format, args...)
	e.Missing = true
	return e
}

// index names element i of the array at path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// present reports whether v was sent: null counts as absent, as the SDKs
// send it for an unset optional field.
func present(v gjson.Result) bool { return v.Exists() && v.Type != gjson.Null }

// text reads a string field.
func text(v gjson.Result, param string) (string, *FieldError) {
	if v.Type != gjson.String {
		return "", fieldErr(param, "must be a string")
	}
	if !utf8.ValidString(v.Str) {
		return "", fieldErr(param, "must be valid UTF-8")
	}
	return v.Str, nil
}

// boolean reads a true or false.
func boolean(v gjson.Result, param string) (bool, *FieldError) {
	if v.Type != gjson.True && v.Type != gjson.False {
		return false, fieldErr(param, "must be true or false")
	}
	return v.Bool(), nil
}

// number reads a number in [lo, hi].
func number(v gjson.Result, param string, lo, hi float64) (float64, *FieldError) {
	if v.Type != gjson.Number || math.IsNaN(v.Num) || v.Num < lo || v.Num > hi {
		return 0, fieldErr(param, "must be a number from %g to %g", lo, hi)
	}
	return v.Num, nil
}

// integer reads a whole number in [lo, hi], refusing 1.5 and 1e300 alike.
func integer(v gjson.Result, param string, lo, hi int64) (int64, *FieldError) {
	n, err := strconv.ParseInt(v.Raw, 10, 64)
	if v.Type != gjson.Number || err != nil || n < lo || n > hi {
		return 0, fieldErr(param, "must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

// object checks that v is a JSON object.
func object(v gjson.Result, param string) *FieldError {
	if !v.IsObject() {
		return fieldErr(param, "must be an object")
	}
	return nil
}

// strings reads a string, or an array of up to max strings, none empty.
func stringList(v gjson.Result, param string, max int) ([]string, *FieldError) {
	if v.Type == gjson.String {
		v = gjson.Parse("[" + v.Raw + "]")
	}
	if !v.IsArray() {
		return nil, fieldErr(param, "must be a string or an array of strings")
	}
	items := v.Array()
	if len(items) > max {
		return nil, fieldErr(param, "takes at most %d strings", max)
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, err := text(item, index(param, i))
		if err == nil && s == "" {
			err = fieldErr(index(param, i), "must not be empty")
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// paramOf names a routing field (see routing.UnsupportedError and
// routing.InvalidFieldError) as a front's request does: a front's own
// field by its name, an image URL where it was read, the rest by names.
func paramOf(field string, names map[string]string, imageParam string) string {
	if name, ok := strings.CutPrefix(field, "extra:"); ok {
		return name
	}
	if field == "image_url" && imageParam != "" {
		return imageParam
	}
	if p, ok := names[field]; ok {
		return p
	}
	return field
}
