package handlers

import (
	"bytes"
	"strings"

	"github.com/tidwall/gjson"
)

// defaultDropInMaxTokens bounds the output of a call that sets no limit,
// for its reservation only; the provider applies its own.
const defaultDropInMaxTokens = 16_384

// dropInCall is what the gateway reads from a drop-in request, with gjson,
// leaving the body as the client sent it.
type dropInCall struct {
	model     string
	maxTokens int64
	stream    bool
}

func inspectDropIn(protocol, sub string, body []byte) dropInCall {
	var c dropInCall
	v := gjson.ParseBytes(body)
	switch protocol {
	case "anthropic":
		c.model, c.maxTokens, c.stream = v.Get("model").Str, v.Get("max_tokens").Int(), v.Get("stream").Bool()
	case "openai":
		c.model, c.stream = v.Get("model").Str, v.Get("stream").Bool()
		for _, field := range []string{"max_completion_tokens", "max_tokens", "max_output_tokens"} {
			if n := v.Get(field).Int(); n > 0 {
				c.maxTokens = n
				break
			}
		}
	case "gemini":
		// /v1beta/models/{model}:{method}
		name := sub[strings.LastIndexByte(sub, '/')+1:]
		c.model, _, _ = strings.Cut(name, ":")
		c.stream = strings.HasSuffix(name, ":streamGenerateContent")
		c.maxTokens = v.Get("generationConfig.maxOutputTokens").Int()
		if c.maxTokens == 0 {
			c.maxTokens = v.Get("generation_config.max_output_tokens").Int()
		}
	}
	if c.maxTokens <= 0 {
		c.maxTokens = defaultDropInMaxTokens
	}
	return c
}

var includeUsage = []byte(`"include_usage":true`)

// askForUsage makes an OpenAI chat stream end with its usage chunk, which
// it sends only when stream_options.include_usage is true. It changes only
// those bytes; changed reports whether it did, so the extra chunk can be
// kept from a client that did not ask for it.
func askForUsage(body []byte) (out []byte, changed bool) {
	options := gjson.GetBytes(body, "stream_options")
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

// duplicateKey returns a key the JSON object body names twice, at the top
// level or in stream_options, or "". gjson reads the first of two and a
// provider's parser usually the last, so a doubled "model" or "stream"
// would let what is metered differ from what is served.
func duplicateKey(body []byte) string {
	v := gjson.ParseBytes(body)
	if dup := firstDuplicate(v); dup != "" {
		return dup
	}
	return firstDuplicate(v.Get("stream_options"))
}

func firstDuplicate(obj gjson.Result) string {
	if !obj.IsObject() {
		return ""
	}
	seen := map[string]bool{}
	dup := ""
	obj.ForEach(func(key, _ gjson.Result) bool {
		if seen[key.Str] {
			dup = key.Str
			return false
		}
		seen[key.Str] = true
		return true
	})
	return dup
}
