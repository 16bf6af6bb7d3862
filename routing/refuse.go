package routing

// refuseUnrendered refuses what a client does not send yet: every option a
// front may set beyond a plain conversation with tools.
func refuseUnrendered(req Request, stream bool) error {
	refuse := func(field string) error {
		return &UnsupportedError{Field: field, Reason: "not sent to this provider yet"}
	}
	switch {
	case stream && len(req.Tools) > 0:
		return refuse("stream")
	case req.ToolChoice.Mode != "" || req.SerialToolCalls:
		return refuse("tool_choice")
	case req.Effort != "" || req.ThinkingBudget > 0:
		return refuse("effort")
	case req.TopP != nil:
		return refuse("top_p")
	case len(req.Stop) > 0:
		return refuse("stop")
	case req.Seed != nil:
		return refuse("seed")
	case req.Choices > 1:
		return refuse("choices")
	case req.Format != nil:
		return refuse("format")
	case req.User != "":
		return refuse("user")
	case req.Extra != nil && len(req.Extra.Fields) > 0:
		return refuse("extra:" + req.Extra.Fields[0].Name)
	}
	for _, m := range req.Messages {
		if len(m.Parts) > 0 {
			return refuse("image")
		}
	}
	return nil
}

func (a *anthropic) Refuses(_ *Model, req Request, stream bool) error {
	return refuseUnrendered(req, stream)
}

func (g *gemini) Refuses(_ *Model, req Request, stream bool) error {
	return refuseUnrendered(req, stream)
}

func (o *openAI) Refuses(_ *Model, req Request, stream bool) error {
	return refuseUnrendered(req, stream)
}
