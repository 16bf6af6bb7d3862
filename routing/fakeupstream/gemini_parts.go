package fakeupstream

import (
	"fmt"

	"github.com/tidwall/gjson"
)

// What a content and its parts may hold. A part's data is a oneof: it
// holds one of geminiPartData.
var (
	geminiContentFields = setOf("role", "parts")
	geminiPartFields    = setOf("text", "inlineData", "fileData", "functionCall", "functionResponse",
		"executableCode", "codeExecutionResult", "thought", "thoughtSignature", "videoMetadata", "partMetadata",
		"mediaResolution")
	geminiPartData       = []string{"text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult"}
	geminiInlineFields   = setOf("mimeType", "data")
	geminiFileDataFields = setOf("mimeType", "fileUri")
)

// checkGeminiPart checks the part at at (contents[0].parts[1]): known
// fields, one kind of data, inline data in base64 with its type, and files
// by URI.
func checkGeminiPart(part gjson.Result, at string) string {
	if extra := unknownGeminiField(part, geminiPartFields); extra != "" {
		return unknownName(extra, at)
	}
	set := ""
	for _, name := range geminiPartData {
		if !geminiField(part, name).Exists() {
			continue
		}
		if set != "" {
			return fmt.Sprintf("Invalid value at '%s' (oneof), oneof field 'data' is already set. Cannot set '%s'", at, name)
		}
		set = name
	}
	switch set {
	case "inlineData":
		return checkGeminiInlineData(geminiField(part, "inlineData"), at+".inline_data")
	case "fileData":
		return checkGeminiFileData(geminiField(part, "fileData"), at+".file_data")
	}
	return ""
}

func checkGeminiInlineData(d gjson.Result, at string) string {
	if extra := unknownGeminiField(d, geminiInlineFields); extra != "" {
		return unknownName(extra, at)
	}
	data := d.Get("data")
	switch {
	case !data.Exists():
		return requestRule(at+".data", "data is not specified.")
	case data.Type != gjson.String || !isProtoBase64(data.Str):
		return fmt.Sprintf("Invalid value at '%s.data' (TYPE_BYTES), Base64 decoding failed for %s", at, data.Raw)
	case geminiField(d, "mimeType").Str == "":
		return requestRule(at+".mime_type", "mime_type is not specified.")
	}
	return ""
}

func checkGeminiFileData(f gjson.Result, at string) string {
	if extra := unknownGeminiField(f, geminiFileDataFields); extra != "" {
		return unknownName(extra, at)
	}
	if geminiField(f, "fileUri").Str == "" {
		return requestRule(at+".file_uri", "file_uri is not specified.")
	}
	return ""
}
