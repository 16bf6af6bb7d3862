package videos

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"

	"github.com/keinetech/kaine/internal/clip"
)

// ProviderError is a provider's refusal or failure to answer: an HTTP
// error, or Kling's error envelope. It is safe to show: it never holds a key.
type ProviderError struct {
	// Provider is the provider's name.
	Provider string
	// Status is the HTTP status (for Kling's envelope on a 200, the status
	// its code stands for).
	Status int
	// Message is the provider's message, cleaned of anything key-like; a
	// fixed text when the key was refused.
	Message string
	// Retryable is set when the same call may succeed later: rate limits,
	// concurrency limits and server errors. It is never set for a refused
	// key, bad input or an empty balance.
	Retryable bool
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("video provider %s answered %d: %s", e.Provider, e.Status, e.Message)
}

// keyRefused replaces the provider's text for a refused key: providers
// echo the key, masked or not.
const keyRefused = "the provider refused the API key"

// maxMessage is how many characters of a provider's text are kept.
const maxMessage = 300

// refusal builds the error for a non-2xx answer (or an error envelope)
// with the provider's message msg.
func (a *api) refusal(status int, msg string, secrets []string) *ProviderError {
	e := &ProviderError{Provider: a.name, Status: status, Retryable: retryableStatus(status)}
	switch {
	case status == http.StatusUnauthorized:
		e.Message = keyRefused
	case strings.TrimSpace(msg) != "":
		e.Message = clean(msg, secrets)
	default:
		e.Message = http.StatusText(status)
	}
	return e
}

func retryableStatus(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500
}

var (
	// jwtLike is a compact JWS: a Kling token echoed back.
	jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)
	// authLike is a credential after its scheme word.
	authLike = regexp.MustCompile(`(?i)\b(bearer|key)(\s+)([^\s"',;]{8,})`)
	// longToken is a run of letters and digits long enough to be a secret
	// (Higgsfield's 64-hex secret, a FAL key half); UUIDs, with their
	// hyphens, are left alone so request ids stay readable. Credentials
	// and long tokens count only with a digit in them, so words survive.
	longToken = regexp.MustCompile(`[A-Za-z0-9_]{32,}`)
)

// clean makes a provider's text safe to show: the known secrets removed
// first (so trimming cannot leave half of one), then anything shaped like
// a credential, whitespace collapsed, at most maxMessage characters.
func clean(s string, secrets []string) string {
	for _, k := range secrets {
		if len(k) >= 4 {
			s = strings.ReplaceAll(s, k, "[redacted]")
		}
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = jwtLike.ReplaceAllString(s, "[redacted]")
	s = authLike.ReplaceAllStringFunc(s, func(m string) string {
		loc := authLike.FindStringSubmatchIndex(m)
		if !hasDigit(m[loc[6]:]) {
			return m // "the key provided is invalid" names no key
		}
		return m[:loc[6]] + "[redacted]"
	})
	s = longToken.ReplaceAllStringFunc(s, func(m string) string {
		if !hasDigit(m) {
			return m
		}
		return "[redacted]"
	})
	return clip.Runes(strings.Join(strings.Fields(s), " "), maxMessage)
}

// detailMessage reads the message of a FastAPI-style error, as FAL and
// Higgsfield send: {"detail":"text"} or {"detail":[{"loc":[…],"msg":"…"}]},
// falling back to "error" and "message" fields and then to short plain text.
func detailMessage(body []byte) string {
	var e struct {
		Detail  json.RawMessage `json:"detail"`
		Error   any             `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return plainText(body)
	}
	var s string
	if json.Unmarshal(e.Detail, &s) == nil && s != "" {
		return s
	}
	var items []struct {
		Loc []any  `json:"loc"`
		Msg string `json:"msg"`
	}
	if json.Unmarshal(e.Detail, &items) == nil && len(items) > 0 {
		parts := make([]string, 0, len(items))
		for _, it := range items {
			loc := make([]string, 0, len(it.Loc))
			for _, l := range it.Loc {
				if l != "body" {
					loc = append(loc, fmt.Sprint(l))
				}
			}
			if len(loc) > 0 {
				parts = append(parts, strings.Join(loc, ".")+": "+it.Msg)
			} else {
				parts = append(parts, it.Msg)
			}
		}
		return strings.Join(parts, "; ")
	}
	if s, ok := e.Error.(string); ok && s != "" {
		return s
	}
	return e.Message
}

// plainText keeps a short text answer (a local server's "404 page not
// found") and drops an HTML error page.
func plainText(body []byte) string {
	t := strings.TrimSpace(string(body))
	if strings.HasPrefix(t, "<") || len(t) > 1000 {
		return ""
	}
	return t
}

func hasDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}

// MaybeStarted reports whether a failed Submit may still have started a
// job, which the provider would bill: only a refusal, or a connection that
// was never made, says it did not. Anything after the request went out (a
// timeout, an answer that cannot be read) may have.
func MaybeStarted(err error) bool {
	var refusal *ProviderError
	var op *net.OpError
	if errors.As(err, &refusal) || errors.As(err, &op) && op.Op == "dial" || errors.Is(err, ErrNotConfigured) {
		return false
	}
	return err != nil
}
