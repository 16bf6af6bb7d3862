package routing

import (
	"encoding/json"
	"fmt"

	"github.com/tidwall/gjson"
)

type geminiTool struct {
	FunctionDeclarations []geminiFunction `json:"functionDeclarations"`
}

// geminiFunction takes the parameters as JSON Schema, as given:
// parametersJsonSchema accepts what the OpenAPI-subset parameters refuses
// (additionalProperties, $ref…).
type geminiFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parametersJsonSchema,omitempty"`
}

type geminiCallPart struct {
	FunctionCall     geminiFunctionCall `json:"functionCall"`
	ThoughtSignature string             `json:"thoughtSignature,omitempty"`
}

type geminiFunctionCall struct {
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

type geminiResponsePart struct {
	FunctionResponse geminiFunctionResponse `json:"functionResponse"`
}

// geminiFunctionResponse carries the output under "output", or under
// "error" for a failed call, the keys the API documents. The id is echoed
// when the call came with one.
type geminiFunctionResponse struct {
	ID       string            `json:"id,omitempty"`
	Name     string            `json:"name"`
	Response map[string]string `json:"response"`
}

// foreignThoughtSignature is what Google documents to send as the thought
// signature of a function call Gemini did not make (another provider's
// turn): Gemini 3 refuses a current turn's call without a signature.
const foreignThoughtSignature = "skip_thought_signature_validator"

func geminiTools(tools []Tool) []geminiTool {
	if len(tools) == 0 {
		return nil
	}
	fns := make([]geminiFunction, 0, len(tools))
	for _, t := range tools {
		fns = append(fns, geminiFunction{Name: t.Name, Description: t.Description, Parameters: t.Parameters})
	}
	return []geminiTool{{FunctionDeclarations: fns}}
}

func geminiContents(turns []Message) []any {
	out := make([]any, 0, len(turns))
	for i, m := range turns {
		switch {
		case m.Role == RoleAssistant:
			out = append(out, geminiModelTurn(m))
		case len(m.ToolResults) > 0: // checked: turns[i-1] made the calls
			out = append(out, geminiResults(turns[i-1], m))
		case len(m.Parts) > 0:
			out = append(out, geminiContent{Role: "user", Parts: geminiParts(nil, m.Parts)})
		default:
			out = append(out, geminiContent{Role: "user", Parts: []any{geminiPart{Text: m.Text}}})
		}
	}
	return out
}

// geminiModelTurn replays a Gemini turn verbatim: its thought signatures
// must come back unchanged. Another provider's turn is rebuilt, its first
// call carrying the signature Google documents for foreign calls.
func geminiModelTurn(m Message) any {
	if native := m.nativeIn(ProtocolGemini); native != nil {
		return native
	}
	var parts []any
	if m.Text != "" || len(m.ToolCalls) == 0 {
		parts = append(parts, geminiPart{Text: m.Text})
	}
	for i, c := range m.ToolCalls {
		part := geminiCallPart{FunctionCall: geminiFunctionCall{Name: c.Name, Args: objectOr(c.Input, emptyObject)}}
		if i == 0 {
			part.ThoughtSignature = foreignThoughtSignature
		}
		parts = append(parts, part)
	}
	return geminiContent{Role: "model", Parts: parts}
}

// geminiResults answers the calls of the model turn before, in their
// order: Gemini pairs calls and responses by name and position. A call
// Gemini gave an id gets it back.
func geminiResults(calls, m Message) geminiContent {
	ids := geminiCallIDs(calls.nativeIn(ProtocolGemini))
	var parts []any
	for _, r := range orderedResults(calls.ToolCalls, m.ToolResults) {
		response := map[string]string{"output": r.Output}
		if r.IsError {
			response = map[string]string{"error": r.Output}
		}
		fr := geminiFunctionResponse{Name: r.Name, Response: response}
		if ids[r.CallID] {
			fr.ID = r.CallID
		}
		parts = append(parts, geminiResponsePart{FunctionResponse: fr})
	}
	if m.Text != "" {
		parts = append(parts, geminiPart{Text: m.Text})
	}
	return geminiContent{Role: "user", Parts: geminiParts(parts, m.Parts)}
}

// geminiInlineData is an image part, its bytes in the request.
type geminiInlineData struct {
	InlineData geminiBlob `json:"inlineData"`
}

type geminiBlob struct {
	MimeType string `json:"mimeType"`
	Data     string `json:"data"` // base64
}

// geminiParts appends a user turn's parts to parts: texts and images,
// each image's bytes (Refuses refuses one by URL). An image's Detail is
// OpenAI's resolution hint, which Gemini has no field for: the image is
// read as Gemini reads every image.
func geminiParts(parts []any, userParts []Part) []any {
	for _, p := range userParts {
		if p.Image == nil {
			parts = append(parts, geminiPart{Text: p.Text})
			continue
		}
		parts = append(parts, geminiInlineData{InlineData: geminiBlob{MimeType: p.Image.MediaType, Data: p.Image.Base64}})
	}
	return parts
}

// geminiCallIDs are the ids Gemini itself gave the calls of a turn.
func geminiCallIDs(native json.RawMessage) map[string]bool {
	ids := map[string]bool{}
	for _, part := range gjson.GetBytes(native, "parts").Array() {
		if id := part.Get("functionCall.id").Str; id != "" {
			ids[id] = true
		}
	}
	return ids
}

// geminiToolCalls reads the calls of a turn's parts. Gemini may give a
// call no id; it is then named by its turn and position (call_<turn>_<i>),
// the same each time the answer is read, and unique in the conversation
// should it move to a provider that pairs calls by id.
func geminiToolCalls(parts gjson.Result, turn int) []ToolCall {
	var calls []ToolCall
	for _, part := range parts.Array() {
		fc := part.Get("functionCall")
		if !fc.Exists() {
			continue
		}
		id := fc.Get("id").Str
		if id == "" {
			id = fmt.Sprintf("call_%d_%d", turn, len(calls))
		}
		calls = append(calls, ToolCall{ID: id, Name: fc.Get("name").Str, Input: rawJSON(fc.Get("args"), emptyObject)})
	}
	return calls
}
