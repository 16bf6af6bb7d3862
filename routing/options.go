package routing

import (
	"errors"
	"fmt"
	"strings"
)

// MaxChoices is the most answers a call may ask for (Gemini's
// candidateCount takes up to 8; OpenAI's n more, but each is billed).
const MaxChoices = 8

// efforts are the values Request.Effort takes.
var efforts = map[string]bool{EffortNone: true, EffortMinimal: true, EffortLow: true, EffortMedium: true, EffortHigh: true}

// IsEffort reports whether s is a value Request.Effort takes.
func IsEffort(s string) bool { return efforts[s] }

// checkOptions checks the options of a request against each other and its
// tools (named by tools): the ones no provider would take.
func checkOptions(req Request, tools map[string]bool) error {
	switch req.ToolChoice.Mode {
	case "", ToolAuto, ToolNone:
	case ToolRequired:
		if len(tools) == 0 {
			return invalidField("tool_choice", errors.New("tool_choice requires a tool call, but the request lists no tools"))
		}
	case ToolNamed:
		if !tools[req.ToolChoice.Name] {
			return invalidField("tool_choice", fmt.Errorf("tool_choice names tool %q, which the request does not list", req.ToolChoice.Name))
		}
	default:
		return invalidField("tool_choice", fmt.Errorf("tool_choice %q is not one of auto, none, required or a tool", req.ToolChoice.Mode))
	}
	if req.Effort != "" && !IsEffort(req.Effort) {
		return invalidField("effort", fmt.Errorf("effort %q is not one of none, minimal, low, medium or high", req.Effort))
	}
	if req.Choices < 0 || req.Choices > MaxChoices {
		return invalidField("choices", fmt.Errorf("choices must be 1 to %d", MaxChoices))
	}
	if req.ThinkingBudget < 0 || req.ThinkingBudget > 0 && req.ThinkingBudget >= req.MaxTokens {
		return invalidField("thinking_budget", errors.New("the thinking budget must be less than max tokens"))
	}
	for _, s := range req.Stop {
		if s == "" {
			return invalidField("stop", errors.New("a stop sequence is empty"))
		}
	}
	if f := req.Format; f != nil {
		switch f.Type {
		case FormatJSON:
		case FormatSchema:
			if !isJSONObject(f.Schema) {
				return invalidField("format", errors.New("the response format's schema must be a JSON Schema object"))
			}
		default:
			return invalidField("format", fmt.Errorf("response format %q is not json_object or json_schema", f.Type))
		}
	}
	return nil
}

// imageTypes are the image media types every provider takes.
var imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// checkParts checks a user turn's parts: each a text or an image, and each
// image a https URL or bytes of a type every provider reads.
func checkParts(parts []Part) error {
	for i, p := range parts {
		switch img := p.Image; {
		case img == nil && p.Text == "":
			return fmt.Errorf("part %d is empty", i+1)
		case img == nil:
		case p.Text != "":
			return fmt.Errorf("part %d has both text and an image", i+1)
		case img.URL != "" && img.Base64 != "":
			return fmt.Errorf("part %d: an image has a URL or data, not both", i+1)
		case img.URL != "" && !strings.HasPrefix(img.URL, "https://"):
			return fmt.Errorf("part %d: an image URL must be https", i+1)
		case img.URL == "" && img.Base64 == "":
			return fmt.Errorf("part %d: the image is empty", i+1)
		case img.Base64 != "" && !imageTypes[img.MediaType]:
			return fmt.Errorf("part %d: image type %q is not one of image/png, image/jpeg, image/gif or image/webp", i+1, img.MediaType)
		}
	}
	return nil
}

// InvalidFieldError is a request no provider would take, about one of its
// fields, named as UnsupportedError names them ("tools", "messages",
// "tool_choice", "effort", "thinking_budget", "choices", "stop", "format"),
// for a front to name its own.
type InvalidFieldError struct {
	Field string
	Err   error
}

func (e *InvalidFieldError) Error() string { return e.Err.Error() }

func (e *InvalidFieldError) Unwrap() error { return e.Err }

func invalidField(field string, err error) error { return &InvalidFieldError{Field: field, Err: err} }
