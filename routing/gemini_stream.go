package routing

import (
	"encoding/json"
	"fmt"

	"github.com/tidwall/gjson"
)

// geminiStream reads a streamed answer's parts into chunks: text, thoughts
// and whole function calls. With keep, it also keeps the parts to rebuild
// the turn for replay.
type geminiStream struct {
	*streamedAnswer
	turn  int // the answer's assistant turn in its conversation, naming its calls
	keep  bool
	parts []geminiStreamPart
}

// geminiStreamPart is a part of the streamed turn: consecutive pieces of
// plain text (or of thought) joined, or a part kept as sent (a call, a
// part with a thought signature), which must come back unchanged.
type geminiStreamPart struct {
	raw     json.RawMessage
	text    []byte
	thought bool
}

// chunk reads one GenerateContentResponse: its first candidate's parts are
// the answer's next pieces.
func (s *geminiStream) chunk(chunk gjson.Result) error {
	readGeminiMeta(chunk, &s.res)
	candidate := chunk.Get("candidates.0")
	if reason := candidate.Get("finishReason").Str; reason != "" {
		s.res.StopReason = reason
	}
	for _, part := range candidate.Get("content.parts").Array() {
		if err := s.part(part); err != nil {
			return err
		}
		s.keepPart(part)
	}
	return nil
}

// part passes one part on. A call comes whole, with an id made up as
// geminiToolCalls does when Gemini gives none; a thought signature ends a
// thinking block.
func (s *geminiStream) part(part gjson.Result) error {
	if fc := part.Get("functionCall"); fc.Exists() {
		id := fc.Get("id").Str
		if id == "" {
			id = fmt.Sprintf("call_%d_%d", s.turn, len(s.calls))
		}
		args := fc.Get("args").Raw
		if args == "" {
			args = string(emptyObject)
		}
		return s.startCall(len(s.calls), id, fc.Get("name").Str, args)
	}
	if !part.Get("thought").Bool() {
		s.endThinking()
		return s.delta(part.Get("text").Str)
	}
	if err := s.think(part.Get("text").Str); err != nil {
		return err
	}
	return s.sign(part.Get("thoughtSignature").Str)
}

// keepPart adds a part to the turn kept for replay.
func (s *geminiStream) keepPart(part gjson.Result) {
	if !s.keep {
		return
	}
	thought := part.Get("thought").Bool()
	if !geminiPlainText(part) {
		s.parts = append(s.parts, geminiStreamPart{raw: json.RawMessage(part.Raw)})
		return
	}
	if n := len(s.parts); n > 0 && s.parts[n-1].raw == nil && s.parts[n-1].thought == thought {
		s.parts[n-1].text = append(s.parts[n-1].text, part.Get("text").Str...)
		return
	}
	s.parts = append(s.parts, geminiStreamPart{text: []byte(part.Get("text").Str), thought: thought})
}

// geminiPlainText reports whether a part is only text (or thought): its
// pieces may be joined.
func geminiPlainText(part gjson.Result) bool {
	plain := true
	part.ForEach(func(key, _ gjson.Result) bool {
		plain = key.Str == "text" || key.Str == "thought"
		return plain
	})
	return plain
}

// native is the streamed turn as the non-streamed answer's content would
// have held it.
func (s *geminiStream) native() *NativeTurn {
	parts := make([]any, 0, len(s.parts))
	for _, p := range s.parts {
		if p.raw != nil {
			parts = append(parts, p.raw)
		} else {
			parts = append(parts, geminiPart{Text: string(p.text), Thought: p.thought})
		}
	}
	encoded, err := json.Marshal(geminiContent{Role: "model", Parts: parts})
	if err != nil { // parts the provider sent, checked to be JSON: cannot fail
		return nil
	}
	return &NativeTurn{Protocol: ProtocolGemini, Content: encoded}
}
