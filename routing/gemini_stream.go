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
func (s *geminiStream) chunk(r geminiResponse) error {
	r.meta(&s.res)
	var reason, content gjson.Result
	readFields(r.candidates.Get("0"), jsonField{"finishReason", &reason}, jsonField{"content", &content})
	if reason.Str != "" {
		s.res.StopReason = reason.Str
	}
	var err error
	content.Get("parts").ForEach(func(_, part gjson.Result) bool {
		if err = s.part(part); err != nil {
			return false
		}
		s.keepPart(part)
		return true
	})
	return err
}

// part passes one part on. A call comes whole, with an id made up as
// geminiToolCalls does when Gemini gives none; a thought signature ends a
// thinking block.
func (s *geminiStream) part(part gjson.Result) error {
	var fc, thought, text, signature gjson.Result
	readFields(part, jsonField{"functionCall", &fc}, jsonField{"thought", &thought}, jsonField{"text", &text}, jsonField{"thoughtSignature", &signature})
	if fc.Exists() {
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
	if !thought.Bool() {
		s.endThinking()
		return s.delta(text.Str)
	}
	if err := s.think(text.Str); err != nil {
		return err
	}
	return s.sign(signature.Str)
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
