package compat

import (
	"encoding/json"

	"github.com/keinetech/kaine/routing"
)

type chatCompletion struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"` // chat.completion
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []chatChoice `json:"choices"`
	Usage   chatUsage    `json:"usage"`
}

type chatChoice struct {
	Index        int             `json:"index"`
	Message      chatMessage     `json:"message"`
	Logprobs     json.RawMessage `json:"logprobs"` // null: never asked for here
	FinishReason string          `json:"finish_reason"`
}

type chatMessage struct {
	Role      string         `json:"role"`
	Content   *string        `json:"content"`
	Refusal   *string        `json:"refusal"`
	ToolCalls []chatToolCall `json:"tool_calls,omitempty"`
}

type chatToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"` // function
	Function chatFunction `json:"function"`
}

type chatFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type chatUsage struct {
	PromptTokens            int64               `json:"prompt_tokens"`
	CompletionTokens        int64               `json:"completion_tokens"`
	TotalTokens             int64               `json:"total_tokens"`
	PromptTokensDetails     promptTokensDetails `json:"prompt_tokens_details"`
	CompletionTokensDetails outputTokensDetails `json:"completion_tokens_details"`
}

type promptTokensDetails struct {
	CachedTokens int64 `json:"cached_tokens"`
}

type outputTokensDetails struct {
	ReasoningTokens int64 `json:"reasoning_tokens"`
}

var jsonNull = json.RawMessage("null")

// ChatCompletion is the answer to a call that did not stream, as OpenAI
// writes it: id is the completion's id, created its Unix time.
func ChatCompletion(id string, created int64, out routing.Outcome) ([]byte, error) {
	res := &out.Result
	answer := chatCompletion{ID: id, Object: "chat.completion", Created: created, Model: servedModel(out),
		Usage: chatUsageOf(out.Usage)}
	answer.Choices = append(answer.Choices, chatChoiceOf(0, res.Text, res.Refusal, res.ToolCalls, res.Finish))
	for i, c := range res.More {
		answer.Choices = append(answer.Choices, chatChoiceOf(i+1, c.Text, "", c.ToolCalls, c.Finish))
	}
	return json.Marshal(answer)
}

// servedModel is the model as its provider named it in the answer (a
// dated snapshot), else the catalog's id.
func servedModel(out routing.Outcome) string {
	if out.Result.Model != "" {
		return out.Result.Model
	}
	if out.Model != nil {
		return out.Model.ID
	}
	return ""
}

func chatChoiceOf(i int, text, refusal string, calls []routing.ToolCall, finish routing.Finish) chatChoice {
	msg := chatMessage{Role: "assistant"}
	if text != "" || len(calls) == 0 && refusal == "" {
		msg.Content = &text
	}
	if refusal != "" {
		msg.Refusal = &refusal
	}
	for _, c := range calls {
		msg.ToolCalls = append(msg.ToolCalls, chatToolCall{ID: c.ID, Type: "function", Function: chatFunction{Name: c.Name, Arguments: arguments(c.Input)}})
	}
	return chatChoice{Index: i, Message: msg, Logprobs: jsonNull, FinishReason: openAIFinish(finish, len(calls) > 0)}
}

// arguments is a call's input as OpenAI's arguments string: the JSON, or
// the text the model wrote when it was not JSON (kept as a JSON string).
func arguments(input json.RawMessage) string {
	var s string
	if len(input) > 0 && input[0] == '"' && json.Unmarshal(input, &s) == nil {
		return s
	}
	if len(input) == 0 {
		return "{}"
	}
	return string(input)
}

// openAIFinish maps a finish to OpenAI's finish_reason. A refusal ends
// with stop, its text in the refusal field.
func openAIFinish(f routing.Finish, calls bool) string {
	switch f {
	case routing.FinishLength:
		return "length"
	case routing.FinishToolCalls:
		return "tool_calls"
	case routing.FinishFiltered:
		return "content_filter"
	case "":
		if calls {
			return "tool_calls"
		}
	}
	return "stop"
}

func chatUsageOf(u routing.Usage) chatUsage {
	prompt := u.PromptTokens()
	return chatUsage{PromptTokens: prompt, CompletionTokens: u.Output, TotalTokens: prompt + u.Output,
		PromptTokensDetails:     promptTokensDetails{CachedTokens: u.CacheRead},
		CompletionTokensDetails: outputTokensDetails{ReasoningTokens: u.Reasoning}}
}
