package routing

import "fmt"

// unsupported is a client's refusal of a request's field (see
// UnsupportedError); the router names the provider.
func unsupported(field, reason string) error {
	return &UnsupportedError{Field: field, Reason: reason}
}

// refusesExtra refuses a front's own fields (Extra) meant for another
// protocol: they have no meaning here.
func refusesExtra(req Request, protocol string) error {
	if req.Extra == nil || len(req.Extra.Fields) == 0 || req.Extra.Protocol == protocol {
		return nil
	}
	return unsupported("extra:"+req.Extra.Fields[0].Name,
		fmt.Sprintf("a field of the %s API, which this provider does not speak", req.Extra.Protocol))
}

// refusesStreamedChoices refuses several answers on a stream: a Chunk
// carries no choice index, so their pieces could not be told apart.
func refusesStreamedChoices(req Request, stream bool) error {
	if req.Choices > 1 && stream {
		return unsupported("choices", "a streamed answer has one choice: ask for one, or do not stream")
	}
	return nil
}

// forcesToolCall reports whether a call must call a tool.
func forcesToolCall(req Request) bool {
	return req.ToolChoice.Mode == ToolRequired || req.ToolChoice.Mode == ToolNamed
}

// choicesSent is the number of answers to ask for: 0 (left out) for one.
func choicesSent(req Request) int {
	if req.Choices > 1 {
		return req.Choices
	}
	return 0
}
