package compat

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing"
)

// signedBy is the provider whose thinking signatures a client replays as
// they are: the one named anthropic, whose signatures Claude Code and the
// Anthropic SDK already hold from calling Anthropic directly.
const signedBy = "anthropic"

// signatureMark starts the signature of thinking another provider made:
// kaine:<provider>:<its own signature>.
const signatureMark = "kaine:"

// markSigned is a thinking block's signature (or redacted data) as the
// Messages front writes it: Anthropic's as is, another provider's marked
// with its name, so Kaine can replay it to that provider alone.
func markSigned(provider, signature string) string {
	if provider == signedBy && signature != "" {
		return signature
	}
	return signatureMark + provider + ":" + signature
}

// signer reads a signature back: the provider that signed it and its own
// signature, or ok false when it is none (empty, or a mark without one).
func signer(signature string) (provider, own string, ok bool) {
	rest, marked := strings.CutPrefix(signature, signatureMark)
	if !marked {
		return signedBy, signature, signature != ""
	}
	provider, own, _ = strings.Cut(rest, ":")
	return provider, own, provider != "" && own != ""
}

// nativeThinking is an assistant turn's blocks (content, the array)
// as the provider that made its thinking sent them, for routing to replay
// to that provider alone; nil when the turn has no thinking, or thinking
// that is not all one provider's, which is then left out.
func nativeThinking(content gjson.Result) *routing.NativeTurn {
	provider, marked := "", false
	var blocks []json.RawMessage
	for _, block := range content.Array() {
		field := map[string]string{"thinking": "signature", "redacted_thinking": "data"}[block.Get("type").Str]
		if field == "" {
			blocks = append(blocks, json.RawMessage(block.Raw))
			continue
		}
		by, own, ok := signer(block.Get(field).Str)
		if !ok || provider != "" && by != provider {
			return nil
		}
		provider = by
		if by == signedBy {
			blocks = append(blocks, json.RawMessage(block.Raw))
			continue
		}
		marked = true
		var fields map[string]json.RawMessage
		if json.Unmarshal([]byte(block.Raw), &fields) != nil {
			return nil
		}
		fields[field], _ = json.Marshal(own) // a string always encodes
		unmarked, _ := json.Marshal(fields)  // raw JSON values always encode
		blocks = append(blocks, unmarked)
	}
	if provider == "" {
		return nil
	}
	raw := json.RawMessage(content.Raw)
	if marked {
		raw, _ = json.Marshal(blocks) // raw JSON values always encode
	}
	return &routing.NativeTurn{Protocol: "anthropic", Provider: provider, Content: raw}
}
