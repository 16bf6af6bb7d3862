package routing

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

func (o *openAI) Stream(ctx context.Context, key string, model *Model, req Request, onChunk func(Chunk) error) (Result, error) {
	answer := &openAIStream{streamedAnswer: newStreamedAnswer(model, onChunk)}
	send := func(ctx context.Context) (*http.Response, error) { return o.send(ctx, key, model, req, true) }
	ended := false
	err := streamEvents(ctx, send, answer.streamedAnswer, func(ev sseEvent) (bool, error) {
		if string(ev.Data) == "[DONE]" {
			ended = true
			return true, nil
		}
		chunk, err := jsonEvent(ev)
		if err != nil {
			return false, err
		}
		var failure, model, usage, choices gjson.Result
		readFields(chunk, jsonField{"error", &failure}, jsonField{"model", &model}, jsonField{"usage", &usage}, jsonField{"choices", &choices})
		if failure.Exists() {
			parsed := readOpenAIError(chunk)
			return false, streamError(parsed.Type, parsed.Message, key)
		}
		setOpenAIMeta(model, usage, &answer.res)
		return false, answer.choice(choices.Get("0"))
	})
	if err == nil && !ended {
		err = streamTruncated()
	}
	res := answer.result()
	res.Refusal = answer.refusal.String()
	if err == nil && keepsTurn(req) {
		res.Native = answer.native(res)
	}
	return res, err
}

// openAIStream reads a streamed completion's one choice: its text, its
// refusal and its tool calls, which come by index, the first piece of each
// with its id and name, the next ones with more of its arguments.
type openAIStream struct {
	*streamedAnswer
	refusal strings.Builder
}

func (s *openAIStream) choice(choice gjson.Result) error {
	var finish, delta, content, refusal, calls gjson.Result
	readFields(choice, jsonField{"finish_reason", &finish}, jsonField{"delta", &delta})
	if r := finish.Str; r != "" {
		s.res.StopReason, s.res.Finish = r, openAIFinish(r)
	}
	readFields(delta, jsonField{"content", &content}, jsonField{"refusal", &refusal}, jsonField{"tool_calls", &calls})
	s.refusal.WriteString(refusal.Str)
	if err := s.delta(content.Str); err != nil {
		return err
	}
	for _, call := range calls.Array() {
		key, args := int(call.Get("index").Int()), call.Get("function.arguments").Str
		var err error
		if s.callIndex(key) < 0 {
			err = s.startCall(key, call.Get("id").Str, call.Get("function.name").Str, args)
		} else {
			err = s.callArguments(key, args)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// native is the streamed message as the non-streamed answer would have
// held it: what openAIAssistant replays.
func (s *openAIStream) native(res Result) *NativeTurn {
	msg := openAIMessage{Role: "assistant"}
	if res.Text != "" {
		msg.Content = res.Text
	}
	if len(s.calls) > 0 {
		calls := make([]openAIToolCall, 0, len(s.calls))
		for _, c := range s.calls {
			calls = append(calls, openAIToolCall{ID: c.id, Type: "function", Function: openAIFunctionCall{Name: c.name, Arguments: string(c.args)}})
		}
		msg.ToolCalls = calls
	}
	if res.Refusal != "" {
		msg.Refusal, _ = json.Marshal(res.Refusal) // a string always encodes
	}
	encoded, err := json.Marshal(msg)
	if err != nil { // strings only: cannot fail
		return nil
	}
	return &NativeTurn{Protocol: ProtocolOpenAI, Content: encoded}
}
