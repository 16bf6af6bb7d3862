package compat

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing"
)

// MessagesRequest is an Anthropic Messages request read for the router.
type MessagesRequest struct {
	Request routing.Request
	// Model is the model name as sent: see TargetOf.
	Model  string
	Stream bool
	// CacheHints counts the cache_control breakpoints the request set,
	// which the unified endpoint does not forward (see docs/api.md, "Not carried yet"): the
	// call's audit record says so.
	CacheHints int
	// imageParam is where the first image URL was read.
	imageParam string
}

// anthropicPassThrough are the fields only Anthropic's models take: sent
// as is when Anthropic serves the call, refused naming the field when it
// must go elsewhere.
var anthropicPassThrough = map[string]bool{"top_k": true, "service_tier": true, "inference_geo": true, "speed": true, "diagnostics": true}

// anthropicDropInOnly are the fields that need Anthropic's own servers
// (their tools, containers, files): the drop-in route serves them.
var anthropicDropInOnly = map[string]bool{"container": true, "mcp_servers": true, "context_management": true}

// ReadMessages reads a Messages request body (a JSON object); countOnly
// reads a count_tokens body, which has no max_tokens.
func ReadMessages(body gjson.Result, countOnly bool) (*MessagesRequest, *FieldError) {
	m := &MessagesRequest{Request: routing.Request{OwnTurns: true}}
	req := &m.Request
	var ferr *FieldError
	body.ForEach(func(key, v gjson.Result) bool {
		name := key.Str
		if !present(v) {
			return true
		}
		switch name {
		case "model":
			m.Model, ferr = text(v, name)
		case "max_tokens":
			var n int64
			n, ferr = integer(v, name, 1, MaxMaxTokens)
			req.MaxTokens = int(n)
		case "messages":
			ferr = m.readMessages(v)
		case "system":
			req.System, ferr = m.systemText(v)
		case "metadata":
			ferr = m.readMetadata(v)
		case "stop_sequences":
			req.Stop, ferr = stringList(v, name, 1<<10)
		case "stream":
			m.Stream, ferr = boolean(v, name)
		case "temperature":
			var t float64
			t, ferr = number(v, name, 0, 1)
			req.Temperature = &t
		case "top_p":
			var p float64
			p, ferr = number(v, name, 0, 1)
			req.TopP = &p
		case "tools":
			req.Tools, ferr = m.readTools(v)
		case "tool_choice":
			ferr = m.readToolChoice(v)
		case "thinking":
			ferr = m.readThinking(v)
		case "output_config":
			ferr = m.readOutputConfig(v)
		case "cache_control":
			m.noteCache(body)
		default:
			ferr = m.readOther(name, v)
		}
		return ferr == nil
	})
	switch {
	case ferr != nil:
		return nil, ferr
	case m.Model == "":
		return nil, missingErr("model", "is required: a model id or alias, provider/model, or auto")
	case req.MaxTokens == 0 && !countOnly:
		return nil, missingErr("max_tokens", "is required")
	case len(req.Messages) == 0:
		return nil, missingErr("messages", "is required and must hold at least one user message")
	}
	if countOnly {
		// A count generates nothing: no bound of max_tokens should refuse
		// its thinking or effort.
		req.MaxTokens = MaxMaxTokens
	}
	return m, nil
}

func (m *MessagesRequest) readOther(name string, v gjson.Result) *FieldError {
	switch {
	case anthropicPassThrough[name]:
		addExtra(&m.Request, "anthropic", name, v)
		return nil
	case anthropicDropInOnly[name]:
		return fieldErr(name, "needs Anthropic's own servers; call the Anthropic drop-in route (/anthropic/v1/messages) for it")
	}
	return fieldErr(name, "is not a Messages field Kaine knows")
}

// addExtra keeps a field for providers of protocol alone.
func addExtra(req *routing.Request, protocol, name string, v gjson.Result) {
	if req.Extra == nil {
		req.Extra = &routing.Extra{Protocol: protocol}
	}
	req.Extra.Fields = append(req.Extra.Fields, routing.ExtraField{Name: name, Value: json.RawMessage(v.Raw)})
}

// noteCache counts a block's cache_control breakpoint.
func (m *MessagesRequest) noteCache(block gjson.Result) {
	if present(block.Get("cache_control")) {
		m.CacheHints++
	}
}

// systemText reads the system prompt: a string, or text blocks joined.
func (m *MessagesRequest) systemText(v gjson.Result) (string, *FieldError) {
	if v.Type == gjson.String {
		return v.Str, nil
	}
	if !v.IsArray() {
		return "", fieldErr("system", "must be a string or an array of text blocks")
	}
	var parts []string
	for i, block := range v.Array() {
		if block.Get("type").Str != "text" {
			return "", fieldErr(index("system", i)+".type", "must be text")
		}
		m.noteCache(block)
		parts = append(parts, block.Get("text").Str)
	}
	return strings.Join(parts, "\n\n"), nil
}

func (m *MessagesRequest) readMetadata(v gjson.Result) *FieldError {
	if err := object(v, "metadata"); err != nil {
		return err
	}
	var ferr *FieldError
	v.ForEach(func(key, field gjson.Result) bool {
		switch {
		case !present(field):
		case key.Str == "user_id":
			m.Request.User, ferr = text(field, "metadata.user_id")
		default:
			ferr = fieldErr("metadata."+key.Str, "is not a metadata field; user_id is")
		}
		return ferr == nil
	})
	return ferr
}

// readTools reads client tools; Anthropic's server tools (web search,
// code execution…) run on its servers and are served by the drop-in route.
func (m *MessagesRequest) readTools(v gjson.Result) ([]routing.Tool, *FieldError) {
	if !v.IsArray() {
		return nil, fieldErr("tools", "must be an array")
	}
	var tools []routing.Tool
	for i, t := range v.Array() {
		param := index("tools", i)
		switch typ := t.Get("type").Str; {
		case typ != "" && typ != "custom":
			return nil, fieldErr(param+".type", "%s is a tool Anthropic runs on its own servers; call the Anthropic drop-in route (/anthropic/v1/messages) for it", typ)
		case !t.Get("input_schema").IsObject():
			return nil, fieldErr(param+".input_schema", "must be a JSON Schema object")
		}
		m.noteCache(t)
		tools = append(tools, routing.Tool{Name: t.Get("name").Str, Description: t.Get("description").Str,
			Parameters: json.RawMessage(t.Get("input_schema").Raw), Strict: t.Get("strict").Bool()})
	}
	return tools, nil
}

func (m *MessagesRequest) readToolChoice(v gjson.Result) *FieldError {
	if err := object(v, "tool_choice"); err != nil {
		return err
	}
	req := &m.Request
	switch v.Get("type").Str {
	case "auto":
		req.ToolChoice.Mode = routing.ToolAuto
	case "any":
		req.ToolChoice.Mode = routing.ToolRequired
	case "none":
		req.ToolChoice.Mode = routing.ToolNone
	case "tool":
		req.ToolChoice = routing.ToolChoice{Mode: routing.ToolNamed, Name: v.Get("name").Str}
	default:
		return fieldErr("tool_choice.type", "must be auto, any, tool or none")
	}
	req.SerialToolCalls = v.Get("disable_parallel_tool_use").Bool()
	return nil
}

// readThinking reads thinking: a budget, adaptive (the model decides), or
// disabled.
func (m *MessagesRequest) readThinking(v gjson.Result) *FieldError {
	if err := object(v, "thinking"); err != nil {
		return err
	}
	req := &m.Request
	switch v.Get("type").Str {
	case "enabled":
		budget, err := integer(v.Get("budget_tokens"), "thinking.budget_tokens", 1024, MaxMaxTokens)
		if err != nil {
			return err
		}
		req.Thinking, req.ThinkingBudget = true, int(budget)
	case "adaptive":
		req.Thinking = true
	case "disabled":
	default:
		return fieldErr("thinking.type", "must be enabled, adaptive or disabled")
	}
	return nil
}

// readOutputConfig reads the effort and the answer's JSON schema.
func (m *MessagesRequest) readOutputConfig(v gjson.Result) *FieldError {
	if err := object(v, "output_config"); err != nil {
		return err
	}
	var ferr *FieldError
	v.ForEach(func(key, field gjson.Result) bool {
		switch param := "output_config." + key.Str; {
		case !present(field):
		case key.Str == "effort" && (field.Str == "xhigh" || field.Str == "max"):
			// Only Anthropic's models think at these: the whole config
			// goes to Anthropic as is.
			if present(v.Get("format")) {
				ferr = fieldErr(param, "%s with a format is served by the Anthropic drop-in route (/anthropic/v1/messages)", field.Str)
				break
			}
			addExtra(&m.Request, "anthropic", "output_config", v)
		case key.Str == "effort":
			if field.Str != routing.EffortLow && field.Str != routing.EffortMedium && field.Str != routing.EffortHigh {
				ferr = fieldErr(param, "must be low, medium, high, xhigh or max")
				break
			}
			m.Request.Effort = field.Str
		case key.Str == "format":
			if field.Get("type").Str != "json_schema" || !field.Get("schema").IsObject() {
				ferr = fieldErr(param, `must be {"type":"json_schema","schema":{…}}`)
				break
			}
			m.Request.Format = &routing.Format{Type: routing.FormatSchema, Name: "response", Schema: json.RawMessage(field.Get("schema").Raw), Strict: true}
		default:
			ferr = fieldErr(param, "is not an output_config field Kaine knows")
		}
		return ferr == nil
	})
	return ferr
}
