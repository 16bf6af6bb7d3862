package fakeupstream

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// OpenAI's refusals of a malformed parameter name it in error.param and
// say what was expected and what came, with a code for the kind of
// problem. These phrase them; each lets an absent or null value pass.

// openAIInvalid is a 400 with code (none when "") about param.
func openAIInvalid(code, param, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: code, Param: param, Message: msg}
}

func openAIMissing(param string) *apiError {
	return openAIInvalid("missing_required_parameter", param, "Missing required parameter: '"+param+"'.")
}

func openAIUnknown(param string) *apiError {
	return openAIInvalid("unknown_parameter", param, "Unknown parameter: '"+param+"'.")
}

// openAIType: v is of the kind want names, as jsonKind does; an integer
// is a decimal too.
func openAIType(v gjson.Result, param, want string) *apiError {
	got := jsonKind(v)
	if !v.Exists() || v.Type == gjson.Null || got == want || (want == "a decimal" && got == "an integer") {
		return nil
	}
	return openAIInvalid("invalid_type", param, fmt.Sprintf("Invalid type for '%s': expected %s, but got %s instead.", param, want, got))
}

// openAINumber: v is a number (an integer when integer) from lo to hi.
func openAINumber(v gjson.Result, param string, integer bool, lo, hi float64) *apiError {
	kind, want := "decimal", "a decimal"
	if integer {
		kind, want = "integer", "an integer"
	}
	if e := openAIType(v, param, want); e != nil || v.Type != gjson.Number {
		return e
	}
	switch {
	case v.Num < lo:
		return openAIInvalid(kind+"_below_min_value", param,
			fmt.Sprintf("Invalid '%s': %s below minimum value. Expected a value >= %s, but got %s instead.", param, kind, formatNumber(lo), v.Raw))
	case v.Num > hi:
		return openAIInvalid(kind+"_above_max_value", param,
			fmt.Sprintf("Invalid '%s': %s above maximum value. Expected a value <= %s, but got %s instead.", param, kind, formatNumber(hi), v.Raw))
	}
	return nil
}

// openAIEnum: v is one of values.
func openAIEnum(v gjson.Result, param string, values ...string) *apiError {
	if e := openAIType(v, param, "a string"); e != nil || v.Type != gjson.String || slices.Contains(values, v.Str) {
		return e
	}
	return openAIInvalid("invalid_value", param, fmt.Sprintf("Invalid value: '%s'. Supported values are: %s.", v.Str, openAIChoices(values)))
}

// openAIChoices lists values as OpenAI does: 'a', 'b', and 'c'.
func openAIChoices(values []string) string {
	q := quoted(values)
	if len(q) < 3 {
		return strings.Join(q, " and ")
	}
	return strings.Join(q[:len(q)-1], ", ") + ", and " + q[len(q)-1]
}

// jsonKind names a value's type the way OpenAI's validation messages do.
func jsonKind(v gjson.Result) string {
	switch {
	case !v.Exists():
		return "nothing"
	case v.IsObject():
		return "an object"
	case v.IsArray():
		return "an array"
	case isInteger(v):
		return "an integer"
	case v.Type == gjson.Number:
		return "a decimal"
	case v.Type == gjson.String:
		return "a string"
	case isBool(v):
		return "a boolean"
	}
	return "null"
}
