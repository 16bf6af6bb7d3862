package handlers

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing"
)

// defaultDropInMaxTokens bounds the output of a call that sets no limit,
// for its reservation only; the provider applies its own.
const defaultDropInMaxTokens = 16_384

// Bounds on what a request may ask for, for its reservation: past any
// model's real limits (the provider refuses beyond them), and low enough
// that tokens × answers × price never wraps around into a small or
// negative reservation.
const (
	maxDropInTokens  = 10_000_000
	maxDropInChoices = 128
)

// dropInCall is what the gateway reads from a drop-in request, with gjson,
// leaving the body as the client sent it.
type dropInCall struct {
	model     string
	maxTokens int64
	// choices is how many answers the call asks for (OpenAI's n, Gemini's
	// candidateCount), each up to maxTokens long.
	choices       int64
	stream        bool
	streamOptions gjson.Result
	// unmeterable names a feature the provider bills beyond the tokens the
	// table prices (priority processing, server-side tools, background
	// runs whose usage never crosses the wire), or "".
	unmeterable string
	// duplicate is a key the body names twice, at the top level or in
	// stream_options. gjson reads the first of two and a provider's parser
	// usually the last, so a doubled "model" or "stream" would let what is
	// metered differ from what is served.
	duplicate string
}

// inspectDropIn reads a generation request in one pass over its members.
func inspectDropIn(protocol, sub string, body []byte) dropInCall {
	c := dropInCall{choices: 1}
	root := gjson.ParseBytes(body)
	// gjson counts member offsets from the value's first byte; the splices
	// of askForUsage need them from the body's.
	root.Index = len(body) - len(bytes.TrimLeft(body, " \t\r\n"))
	c.duplicate = firstDuplicate(root, func(key string, v gjson.Result) {
		switch protocol + " " + key {
		case "anthropic model", "openai model":
			c.model = v.Str
		case "anthropic stream", "openai stream":
			c.stream = v.Bool()
		case "anthropic max_tokens", "openai max_tokens", "openai max_completion_tokens", "openai max_output_tokens":
			c.maxTokens = max(c.maxTokens, v.Int())
		case "openai n":
			c.choices = max(c.choices, v.Int())
		case "openai stream_options":
			c.streamOptions = v
		case "openai service_tier":
			if v.Str == "priority" {
				c.unmeterable = `service_tier "priority"`
			}
		case "openai background":
			if v.Bool() {
				c.unmeterable = `"background": true (its usage never crosses this connection)`
			}
		case "openai web_search_options":
			c.unmeterable = "web_search_options (searches are billed per call)"
		case "anthropic tools", "openai tools", "gemini tools":
			if tool := serverTool(v); tool != "" {
				c.unmeterable = "the server-side tool " + strconv.Quote(tool) + " (billed per use)"
			}
		case "gemini generationConfig", "gemini generation_config":
			c.maxTokens = max(c.maxTokens, v.Get("maxOutputTokens").Int(), v.Get("max_output_tokens").Int())
			c.choices = max(c.choices, v.Get("candidateCount").Int(), v.Get("candidate_count").Int())
		}
	})
	if c.duplicate == "" {
		c.duplicate = firstDuplicate(c.streamOptions, nil)
	}
	if protocol == routing.ProtocolGemini { // /v1beta/models/{model}:{method}
		name := sub[strings.LastIndexByte(sub, '/')+1:]
		c.model, _, _ = strings.Cut(name, ":")
		c.stream = strings.HasSuffix(name, ":streamGenerateContent")
	}
	if c.maxTokens <= 0 {
		c.maxTokens = defaultDropInMaxTokens
	}
	c.maxTokens, c.choices = min(c.maxTokens, maxDropInTokens), min(c.choices, maxDropInChoices)
	return c
}

// serverTool returns the first tool in tools that the provider runs and
// bills per use (searches, code execution, file search, image generation),
// or "". Tools the caller runs cost only tokens.
func serverTool(tools gjson.Result) string {
	found := ""
	tools.ForEach(func(_, tool gjson.Result) bool {
		typ := tool.Get("type").Str
		for _, prefix := range []string{"web_search", "web_fetch", "code_execution", "file_search", "code_interpreter", "image_generation"} {
			if strings.HasPrefix(typ, prefix) {
				found = typ
				return false
			}
		}
		// Gemini names its tools by key: grounding with Google Search is billed per query.
		for _, key := range []string{"googleSearch", "google_search", "googleSearchRetrieval", "google_search_retrieval"} {
			if tool.Get(key).Exists() {
				found = key
				return false
			}
		}
		return true
	})
	return found
}

// firstDuplicate walks obj's members, calling each (if not nil) until a key
// repeats, and returns that key, or "".
func firstDuplicate(obj gjson.Result, each func(key string, v gjson.Result)) string {
	if !obj.IsObject() {
		return ""
	}
	var seen [16]string // a request names a handful; a scan beats a map
	keys := seen[:0]
	dup := ""
	obj.ForEach(func(key, v gjson.Result) bool {
		if slices.Contains(keys, key.Str) {
			dup = key.Str
			return false
		}
		keys = append(keys, key.Str)
		if each != nil {
			each(key.Str, v)
		}
		return true
	})
	return dup
}

var includeUsage = []byte(`"include_usage":true`)

// askForUsage makes an OpenAI chat stream end with its usage chunk, which
// it sends only when stream_options.include_usage is true. It changes only
// those bytes; changed reports whether it did, so the extra chunk can be
// kept from a client that did not ask for it.
func askForUsage(body []byte, options gjson.Result) (out []byte, changed bool) {
	flag := options.Get("include_usage")
	switch {
	case flag.Type == gjson.True:
		return body, false
	case flag.Exists() && flag.Index > 0:
		return splice(body, flag.Index, len(flag.Raw), []byte("true")), true
	case options.IsObject() && options.Index > 0:
		return insertMember(body, options.Index, includeUsage), true
	case options.Exists() && options.Index > 0: // null or a wrong type: the provider would refuse it anyway
		return splice(body, options.Index, len(options.Raw), []byte(`{"include_usage":true}`)), true
	case !options.Exists():
		start := bytes.IndexByte(body, '{')
		return insertMember(body, start, []byte(`"stream_options":{"include_usage":true}`)), true
	}
	return body, false
}

// insertMember adds member first in the object whose '{' is at open.
func insertMember(body []byte, open int, member []byte) []byte {
	rest := bytes.TrimLeft(body[open+1:], " \t\r\n")
	if len(rest) > 0 && rest[0] != '}' {
		member = append(member[:len(member):len(member)], ',')
	}
	return splice(body, open+1, 0, member)
}

// splice replaces n bytes at i with with.
func splice(body []byte, i, n int, with []byte) []byte {
	out := make([]byte, 0, len(body)-n+len(with))
	out = append(out, body[:i]...)
	out = append(out, with...)
	return append(out, body[i+n:]...)
}

// embeddingInputTokens estimates an embedding request's input at four
// bytes of text a token (a token id counts one), for an answer that
// carries no usage: OpenAI's input (a string, strings, or token ids) and
// Gemini's content parts, of one request or a batch.
func embeddingInputTokens(protocol string, body []byte) int64 {
	var textBytes, ids int64
	count := func(v gjson.Result) bool {
		switch {
		case v.Type == gjson.String:
			textBytes += int64(len(v.Str))
		case v.Type == gjson.Number:
			ids++
		case v.IsArray():
			v.ForEach(func(_, item gjson.Result) bool {
				if item.Type == gjson.String {
					textBytes += int64(len(item.Str))
				} else if item.IsArray() {
					ids += int64(len(item.Array()))
				} else {
					ids++
				}
				return true
			})
		}
		return true
	}
	if protocol == routing.ProtocolGemini {
		for _, path := range []string{"content.parts.#.text", "requests.#.content.parts.#.text"} {
			gjson.GetBytes(body, path).ForEach(func(_, v gjson.Result) bool {
				if v.IsArray() { // a batch: one list of texts per request
					v.ForEach(func(_, t gjson.Result) bool { textBytes += int64(len(t.Str)); return true })
				} else {
					textBytes += int64(len(v.Str))
				}
				return true
			})
		}
	} else {
		count(gjson.GetBytes(body, "input"))
	}
	return (textBytes+3)/4 + ids
}

// embeddingHasMedia reports whether a Gemini embedding request holds parts
// other than text: a multimodal embedding, which its answer's missing
// usage leaves no way to price.
func embeddingHasMedia(protocol string, body []byte) bool {
	if protocol != routing.ProtocolGemini {
		return false
	}
	for _, path := range []string{"content.parts.#.inlineData", "content.parts.#.fileData", "content.parts.#.inline_data", "content.parts.#.file_data",
		"requests.#.content.parts.#.inlineData", "requests.#.content.parts.#.fileData",
		"requests.#.content.parts.#.inline_data", "requests.#.content.parts.#.file_data"} {
		if found := gjson.GetBytes(body, path); found.Exists() && found.Raw != "[]" && !allEmpty(found) {
			return true
		}
	}
	return false
}

// allEmpty reports whether a gjson query's result lists no value, at any
// depth of the arrays # makes.
func allEmpty(v gjson.Result) bool {
	if !v.IsArray() {
		return !v.Exists()
	}
	empty := true
	v.ForEach(func(_, item gjson.Result) bool {
		empty = allEmpty(item)
		return empty
	})
	return empty
}
