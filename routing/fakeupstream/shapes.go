package fakeupstream

import (
	"encoding/base64"
	"math"
	"net/url"
	"strconv"

	"github.com/tidwall/gjson"
)

// first returns the first problem found, or the zero value when there is
// none, so that a provider's checks read as a list in the order it runs
// them.
func first[T comparable](problems ...T) T {
	var none T
	for _, p := range problems {
		if p != none {
			return p
		}
	}
	return none
}

// isInteger reports whether v is a JSON number without a fraction.
func isInteger(v gjson.Result) bool {
	return v.Type == gjson.Number && v.Num == math.Trunc(v.Num)
}

func isBool(v gjson.Result) bool { return v.Type == gjson.True || v.Type == gjson.False }

// formatNumber writes a bound the way the providers' messages do: 1, 0.5.
func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// isStdBase64 reports whether s is standard, padded base64, as Anthropic
// and OpenAI decode image data.
func isStdBase64(s string) bool {
	_, err := base64.StdEncoding.DecodeString(s)
	return s != "" && err == nil
}

// isProtoBase64 reports whether s is base64 as a protobuf JSON parser
// reads bytes (Gemini): standard or URL-safe, padded or not.
func isProtoBase64(s string) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if _, err := enc.DecodeString(s); err == nil {
			return true
		}
	}
	return false
}

// isWebURL reports whether s is an absolute http(s) URL, one a provider
// can fetch an image from.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
