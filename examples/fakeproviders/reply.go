package main

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// echoWords is how much of the prompt an answer repeats.
const echoWords = 8

// reply answers every call with a line that says it is the fake and
// repeats the start of the prompt, so a caller sees that its own request
// went through. Usage is about four bytes a token, as the providers
// roughly count, so the gateway's costs come out non-zero.
func reply(got fakeupstream.Received) fakeupstream.Reply {
	text := "Fake " + modelOf(got.Path, got.Body) + " here (examples/fakeproviders, no model was called). You said: \"" +
		clipWords(prompt(got), echoWords) + "\""
	return fakeupstream.Reply{
		Text:  text,
		Usage: fakeupstream.Usage{InputTokens: tokens(len(got.Body)), OutputTokens: tokens(len(text))},
	}
}

// modelOf is the model a call names: in Gemini's path, else in the body.
func modelOf(path string, body []byte) string {
	if rest, ok := strings.CutPrefix(path, "/v1beta/models/"); ok {
		model, _, _ := strings.Cut(rest, ":")
		return model
	}
	return gjson.GetBytes(body, "model").Str
}

// prompt is the text of the call's last message, where each protocol
// keeps it.
func prompt(got fakeupstream.Received) string {
	body := gjson.ParseBytes(got.Body)
	switch got.Protocol {
	case "anthropic", "openai":
		return text(last(body.Get("messages")).Get("content"))
	case "gemini":
		return text(last(body.Get("contents")).Get("parts"))
	case "responses":
		input := body.Get("input")
		if input.IsArray() {
			return text(last(input).Get("content"))
		}
		return input.Str
	}
	return ""
}

func last(list gjson.Result) gjson.Result {
	items := list.Array()
	if len(items) == 0 {
		return gjson.Result{}
	}
	return items[len(items)-1]
}

// text is a message's content as text: a string, or the text of each of
// its parts (content blocks, Gemini parts, Responses input items).
func text(content gjson.Result) string {
	if content.Type == gjson.String {
		return content.Str
	}
	var b strings.Builder
	for _, part := range content.Array() {
		b.WriteString(part.Get("text").Str)
	}
	return b.String()
}

// clipWords keeps the first n words of s on one line, marking a cut.
func clipWords(s string, n int) string {
	words := strings.Fields(s)
	if len(words) > n {
		return strings.Join(words[:n], " ") + " …"
	}
	return strings.Join(words, " ")
}

// tokens counts about four bytes a token, and at least one.
func tokens(size int) int {
	return max(1, (size+3)/4)
}
