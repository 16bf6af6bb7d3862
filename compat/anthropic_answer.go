package compat

import (
	"encoding/json"

	"github.com/keinetech/kaine/routing"
)

type anthropicMessage struct {
	ID           string           `json:"id"`
	Type         string           `json:"type"` // message
	Role         string           `json:"role"` // assistant
	Model        string           `json:"model"`
	Content      []any            `json:"content"`
	StopReason   string           `json:"stop_reason"`
	StopSequence *string          `json:"stop_sequence"`
	Usage        anthropicUsageOf `json:"usage"`
}

type anthropicUsageOf struct {
	InputTokens              int64         `json:"input_tokens"`
	OutputTokens             int64         `json:"output_tokens"`
	CacheCreationInputTokens int64         `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64         `json:"cache_read_input_tokens"`
	CacheCreation            cacheCreation `json:"cache_creation"`
}

type cacheCreation struct {
	Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
	Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
}

type textBlock struct {
	Type string `json:"type"` // text
	Text string `json:"text"`
}

type thinkingBlock struct {
	Type      string `json:"type"` // thinking
	Thinking  string `json:"thinking"`
	Signature string `json:"signature"`
}

type redactedBlock struct {
	Type string `json:"type"` // redacted_thinking
	Data string `json:"data"`
}

type toolUseBlock struct {
	Type  string          `json:"type"` // tool_use
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

// MessagesAnswer is the answer to a Messages call that did not stream, as
// Anthropic writes it: thinking first, then the text, then the tool calls.
func MessagesAnswer(id string, out routing.Outcome) ([]byte, error) {
	res := &out.Result
	msg := anthropicMessage{ID: id, Type: "message", Role: "assistant", Model: servedModel(out),
		StopReason: anthropicStopReason(res.Finish, len(res.ToolCalls) > 0), Usage: anthropicUsage(out.Usage), Content: []any{}}
	if res.StopSequence != "" {
		msg.StopSequence = &res.StopSequence
	}
	for _, t := range res.Thinking {
		msg.Content = append(msg.Content, thinkingBlockOf(out.Provider, t))
	}
	if text := answerText(res); text != "" {
		msg.Content = append(msg.Content, textBlock{Type: "text", Text: text})
	}
	for _, c := range res.ToolCalls {
		msg.Content = append(msg.Content, toolUseBlock{Type: "tool_use", ID: c.ID, Name: c.Name, Input: inputObject(c.Input)})
	}
	return json.Marshal(msg)
}

// answerText is the text of an answer, or its refusal.
func answerText(res *routing.Result) string {
	if res.Text == "" {
		return res.Refusal
	}
	return res.Text
}

// thinkingBlockOf writes a block of thinking: Anthropic's with its own
// signature, another provider's marked as Kaine's, so it is never sent to
// Anthropic as if it were its own.
func thinkingBlockOf(provider string, t routing.ThinkingBlock) any {
	if t.Redacted != "" {
		return redactedBlock{Type: "redacted_thinking", Data: t.Redacted}
	}
	return thinkingBlock{Type: "thinking", Thinking: t.Text, Signature: signatureOf(provider, t.Signature)}
}

func signatureOf(provider, signature string) string {
	if provider == "anthropic" && signature != "" {
		return signature
	}
	return foreignSignature + provider
}

// inputObject is a call's input as Anthropic's input object: a model may
// have written arguments that are not an object through another provider.
func inputObject(input json.RawMessage) json.RawMessage {
	if len(input) > 0 && input[0] == '{' && json.Valid(input) {
		return input
	}
	return json.RawMessage(`{}`)
}

// anthropicStopReason maps a finish to Anthropic's stop_reason.
func anthropicStopReason(f routing.Finish, calls bool) string {
	switch f {
	case routing.FinishStopSequence:
		return "stop_sequence"
	case routing.FinishLength:
		return "max_tokens"
	case routing.FinishToolCalls:
		return "tool_use"
	case routing.FinishRefusal, routing.FinishFiltered:
		return "refusal"
	case "":
		if calls {
			return "tool_use"
		}
	}
	return "end_turn"
}

func anthropicUsage(u routing.Usage) anthropicUsageOf {
	return anthropicUsageOf{InputTokens: u.Input, OutputTokens: u.Output, CacheReadInputTokens: u.CacheRead,
		CacheCreationInputTokens: u.CacheWrite + u.CacheWrite1h, CacheCreation: cacheCreation{Ephemeral5m: u.CacheWrite, Ephemeral1h: u.CacheWrite1h}}
}
