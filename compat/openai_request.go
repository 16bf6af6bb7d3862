package compat

import (
	"encoding/json"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing"
)

// Bounds of a chat request, shared by both fronts.
const (
	// DefaultMaxTokens caps, and is reserved for, an answer whose request
	// sets no max: the OpenAI SDK needs none, and the cost cap needs one.
	DefaultMaxTokens = 4096
	MaxMaxTokens     = 200_000
	// maxStops is OpenAI's most stop sequences.
	maxStops = 4
)

// ChatRequest is an OpenAI chat completion request read for the router.
type ChatRequest struct {
	// Request is the conversation and its options.
	Request routing.Request
	// Model is the model name as sent: see TargetOf.
	Model string
	// TaskType is kaine.task_type, for the auto route.
	TaskType     string
	Stream       bool
	IncludeUsage bool
	// imageParam is where the first image URL was read, to name it should
	// a provider refuse image URLs.
	imageParam string
}

// openAIPassThrough are the fields an OpenAI model takes that no other
// provider has: sent as is when OpenAI serves the call, refused naming the
// field when the call must go to another provider.
var openAIPassThrough = map[string]bool{
	"frequency_penalty": true, "presence_penalty": true, "logit_bias": true, "metadata": true,
	"store": true, "service_tier": true, "prediction": true, "verbosity": true,
	"prompt_cache_key": true, "safety_identifier": true,
}

// openAIAnswerOnly are the fields whose effect lives in answer fields the
// unified endpoint does not write (log probabilities, audio): the drop-in
// route serves them.
var openAIAnswerOnly = map[string]bool{
	"logprobs": true, "top_logprobs": true, "audio": true, "modalities": true,
	"functions": true, "function_call": true, "web_search_options": true,
}

// ReadChat reads a chat completion request body (a JSON object).
func ReadChat(body gjson.Result) (*ChatRequest, *FieldError) {
	c := &ChatRequest{Request: routing.Request{OwnTurns: true}}
	req := &c.Request
	var maxTokens, maxCompletionTokens int64
	var ferr *FieldError
	body.ForEach(func(key, v gjson.Result) bool {
		name := key.Str
		if !present(v) {
			return true
		}
		switch name {
		case "model":
			c.Model, ferr = text(v, name)
		case "messages":
			ferr = c.readMessages(v)
		case "max_tokens":
			maxTokens, ferr = integer(v, name, 1, MaxMaxTokens)
		case "max_completion_tokens":
			maxCompletionTokens, ferr = integer(v, name, 1, MaxMaxTokens)
		case "temperature":
			var t float64
			t, ferr = number(v, name, 0, 2)
			req.Temperature = &t
		case "top_p":
			var p float64
			p, ferr = number(v, name, 0, 1)
			req.TopP = &p
		case "stop":
			req.Stop, ferr = stringList(v, name, maxStops)
		case "seed":
			var seed int64
			seed, ferr = integer(v, name, -1<<63, 1<<63-1)
			req.Seed = &seed
		case "n":
			var n int64
			n, ferr = integer(v, name, 1, routing.MaxChoices)
			req.Choices = int(n)
		case "stream":
			c.Stream, ferr = boolean(v, name)
		case "stream_options":
			ferr = c.readStreamOptions(v)
		case "response_format":
			req.Format, ferr = readResponseFormat(v)
		case "tools":
			req.Tools, ferr = readOpenAITools(v)
		case "tool_choice":
			req.ToolChoice, ferr = readOpenAIToolChoice(v)
		case "parallel_tool_calls":
			var parallel bool
			parallel, ferr = boolean(v, name)
			req.SerialToolCalls = !parallel
		case "user":
			req.User, ferr = text(v, name)
		case "reasoning_effort":
			ferr = c.readEffort(v)
		case "kaine":
			ferr = c.readKaine(v)
		default:
			ferr = c.readOther(name, v)
		}
		return ferr == nil
	})
	if ferr != nil {
		return nil, ferr
	}
	switch {
	case c.Model == "":
		return nil, missingErr("model", "is required: a model id or alias, provider/model, or auto")
	case len(req.Messages) == 0:
		return nil, missingErr("messages", "is required and must hold at least one user message")
	case maxTokens > 0 && maxCompletionTokens > 0 && maxTokens != maxCompletionTokens:
		return nil, fieldErr("max_tokens", "and max_completion_tokens differ; send max_completion_tokens alone")
	case req.SerialToolCalls && len(req.Tools) == 0:
		return nil, fieldErr("parallel_tool_calls", "is only allowed when tools are specified")
	}
	req.MaxTokens = int(max(maxTokens, maxCompletionTokens))
	if req.MaxTokens == 0 {
		req.MaxTokens = DefaultMaxTokens
	}
	return c, nil
}

func (c *ChatRequest) readStreamOptions(v gjson.Result) *FieldError {
	if err := object(v, "stream_options"); err != nil {
		return err
	}
	var ferr *FieldError
	v.ForEach(func(key, opt gjson.Result) bool {
		switch {
		case !present(opt):
		case key.Str == "include_usage":
			c.IncludeUsage, ferr = boolean(opt, "stream_options.include_usage")
		default:
			ferr = fieldErr("stream_options."+key.Str, "is not an option Kaine knows; include_usage is")
		}
		return ferr == nil
	})
	return ferr
}

// readEffort reads reasoning_effort: routing's efforts, and xhigh, which
// only OpenAI's models take, as a field for OpenAI alone.
func (c *ChatRequest) readEffort(v gjson.Result) *FieldError {
	effort, err := text(v, "reasoning_effort")
	switch {
	case err != nil:
		return err
	case effort == "xhigh":
		c.addExtra("reasoning_effort", v)
	case routing.IsEffort(effort):
		c.Request.Effort = effort
	default:
		return fieldErr("reasoning_effort", "must be none, minimal, low, medium, high or xhigh")
	}
	return nil
}

// readKaine reads Kaine's own options, sent as the extra body field
// "kaine" (extra_body in the OpenAI SDKs).
func (c *ChatRequest) readKaine(v gjson.Result) *FieldError {
	if err := object(v, "kaine"); err != nil {
		return err
	}
	var ferr *FieldError
	v.ForEach(func(key, opt gjson.Result) bool {
		switch {
		case !present(opt):
		case key.Str == "task_type":
			c.TaskType, ferr = text(opt, "kaine.task_type")
		default:
			ferr = fieldErr("kaine."+key.Str, "is not a Kaine option; task_type is")
		}
		return ferr == nil
	})
	return ferr
}

// readOther sorts the fields the front does not translate: OpenAI's own
// pass through to OpenAI, answer-only ones go to the drop-in route, the
// rest are unknown.
func (c *ChatRequest) readOther(name string, v gjson.Result) *FieldError {
	switch {
	case openAIPassThrough[name]:
		c.addExtra(name, v)
		return nil
	case openAIAnswerOnly[name]:
		return fieldErr(name, "is not served by Kaine's unified endpoint, whose answers carry no such field; call the OpenAI drop-in route (/openai/v1/chat/completions) for it")
	}
	return fieldErr(name, "is not a chat completion field Kaine knows")
}

func (c *ChatRequest) addExtra(name string, v gjson.Result) {
	addExtra(&c.Request, "openai", name, v)
}

// readResponseFormat reads response_format: text is the default, the
// JSON ones map to each provider's structured output.
func readResponseFormat(v gjson.Result) (*routing.Format, *FieldError) {
	const param = "response_format"
	if err := object(v, param); err != nil {
		return nil, err
	}
	switch typ := v.Get("type").Str; typ {
	case "text":
		return nil, nil
	case routing.FormatJSON:
		return &routing.Format{Type: routing.FormatJSON}, nil
	case routing.FormatSchema:
		s := v.Get("json_schema")
		if err := object(s, param+".json_schema"); err != nil {
			return nil, err
		}
		f := &routing.Format{Type: routing.FormatSchema, Name: s.Get("name").Str, Description: s.Get("description").Str,
			Schema: json.RawMessage(s.Get("schema").Raw), Strict: s.Get("strict").Bool()}
		if f.Name == "" {
			return nil, fieldErr(param+".json_schema.name", "is required")
		}
		if !s.Get("schema").IsObject() {
			return nil, fieldErr(param+".json_schema.schema", "must be a JSON Schema object")
		}
		return f, nil
	default:
		return nil, fieldErr(param+".type", "must be text, json_object or json_schema")
	}
}

// readOpenAITools reads function tools; other tool types (custom, hosted)
// are OpenAI's own, served by the drop-in route.
func readOpenAITools(v gjson.Result) ([]routing.Tool, *FieldError) {
	if !v.IsArray() {
		return nil, fieldErr("tools", "must be an array")
	}
	var tools []routing.Tool
	for i, t := range v.Array() {
		param := index("tools", i)
		fn := t.Get("function")
		switch {
		case t.Get("type").Str != "function":
			return nil, fieldErr(param+".type", "must be function: other tool types are served by the OpenAI drop-in route")
		case !fn.IsObject():
			return nil, fieldErr(param+".function", "must be an object")
		case fn.Get("parameters").Exists() && !fn.Get("parameters").IsObject():
			return nil, fieldErr(param+".function.parameters", "must be a JSON Schema object")
		}
		tools = append(tools, routing.Tool{Name: fn.Get("name").Str, Description: fn.Get("description").Str,
			Parameters: json.RawMessage(fn.Get("parameters").Raw), Strict: fn.Get("strict").Bool()})
	}
	return tools, nil
}

func readOpenAIToolChoice(v gjson.Result) (routing.ToolChoice, *FieldError) {
	switch v.Str {
	case "auto":
		return routing.ToolChoice{Mode: routing.ToolAuto}, nil
	case "none":
		return routing.ToolChoice{Mode: routing.ToolNone}, nil
	case "required":
		return routing.ToolChoice{Mode: routing.ToolRequired}, nil
	}
	if v.IsObject() && v.Get("type").Str == "function" && v.Get("function.name").Str != "" {
		return routing.ToolChoice{Mode: routing.ToolNamed, Name: v.Get("function.name").Str}, nil
	}
	return routing.ToolChoice{}, fieldErr("tool_choice", `must be "auto", "none", "required" or {"type":"function","function":{"name":…}}`)
}

// openAIParams name routing's fields as the chat request does.
var openAIParams = map[string]string{
	"choices": "n", "format": "response_format", "effort": "reasoning_effort", "thinking_budget": "reasoning_effort",
	"serial_tool_calls": "parallel_tool_calls", "strict_tools": "tools", "image": "messages",
}

// Param names, as the request does, a routing field a provider refused
// or found invalid.
func (c *ChatRequest) Param(field string) string { return paramOf(field, openAIParams, c.imageParam) }
