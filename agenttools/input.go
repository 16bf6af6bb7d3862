package agenttools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/keinetech/kaine/internal/clip"
)

// decode reads the model's input into v, a pointer to a struct whose json
// tags are the schema's properties. A field the schema does not have is
// refused, so a misspelt name is reported rather than ignored. Errors say
// what to fix, in the model's terms.
func decode(input json.RawMessage, v any) error {
	trimmed := bytes.TrimSpace(input)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		trimmed = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		return errors.New("the input must be one JSON object")
	}
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the input is not valid JSON; send one JSON object")
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return errors.New("the input must be a JSON object")
	case errors.As(err, &typeErr):
		return fmt.Errorf("%s must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type), typeErr.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s; the fields are %s", clip.Runes(name, 64), strings.Join(fieldNames(v), ", "))
	}
	return fmt.Errorf("the input could not be read: %s", clip.Runes(strings.TrimPrefix(err.Error(), "json: "), 200))
}

// jsonKind names what a Go type holds, as the schema says it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	default:
		return "a JSON object"
	}
}

// fieldNames lists the json names of the struct v points to.
func fieldNames(v any) []string {
	t := reflect.TypeOf(v).Elem()
	names := make([]string, 0, t.NumField())
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" {
			names = append(names, name)
		}
	}
	return names
}
