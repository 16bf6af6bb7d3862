package fakeupstream

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Google's JSON parser refuses a value of the wrong type at its
// snake_case path with the protobuf type it wanted: Invalid value at
// 'generation_config.top_k' (TYPE_INT32), "high". Rules the API applies
// after parsing come as "* GenerateContentRequest.<path>: <rule>". These
// phrase both; each lets an absent or null value pass.

// geminiProtoPackage prefixes the names of the API's enum types.
const geminiProtoPackage = "type.googleapis.com/google.ai.generativelanguage.v1beta."

func invalidValue(at, protoType string, v gjson.Result) string {
	return fmt.Sprintf("Invalid value at '%s' (%s), %s", at, protoType, v.Raw)
}

func unknownName(name, at string) string {
	if at == "" {
		return `Invalid JSON payload received. Unknown name "` + name + `": Cannot find field.`
	}
	return `Invalid JSON payload received. Unknown name "` + name + `" at '` + at + `': Cannot find field.`
}

func requestRule(at, rule string) string { return "* GenerateContentRequest." + at + ": " + rule }

func isNull(v gjson.Result) bool { return !v.Exists() || v.Type == gjson.Null }

// geminiInt: an int32, as a number or, as protobuf JSON allows, a string.
func geminiInt(v gjson.Result, at string) string {
	if isNull(v) || isInteger(v) {
		return ""
	}
	if _, err := strconv.ParseInt(v.Str, 10, 32); v.Type == gjson.String && err == nil {
		return ""
	}
	return invalidValue(at, "TYPE_INT32", v)
}

func geminiFloat(v gjson.Result, at string) string {
	if isNull(v) || v.Type == gjson.Number {
		return ""
	}
	return invalidValue(at, "TYPE_FLOAT", v)
}

func geminiBool(v gjson.Result, at string) string {
	if isNull(v) || isBool(v) {
		return ""
	}
	return invalidValue(at, "TYPE_BOOL", v)
}

// geminiEnum: one of values, in any case, as the API reads enum names
// (its docs write thinkingLevel "low", its SDKs "LOW").
func geminiEnum(v gjson.Result, at, enumType string, values ...string) string {
	if isNull(v) {
		return ""
	}
	for _, allowed := range values {
		if v.Type == gjson.String && strings.EqualFold(v.Str, allowed) {
			return ""
		}
	}
	return invalidValue(at, geminiProtoPackage+enumType, v)
}

// geminiStrings: a list of strings.
func geminiStrings(v gjson.Result, at string) string {
	if isNull(v) {
		return ""
	}
	if !v.IsArray() {
		return invalidValue(at, "TYPE_STRING", v)
	}
	for i, s := range v.Array() {
		if s.Type != gjson.String {
			return invalidValue(fmt.Sprintf("%s[%d]", at, i), "TYPE_STRING", s)
		}
	}
	return ""
}
