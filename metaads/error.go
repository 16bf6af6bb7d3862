package metaads

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/keinetech/kaine/internal/clip"
)

// Error is Meta's error answer: {"error":{"message","type","code","error_subcode","error_user_msg","fbtrace_id"}}.
type Error struct {
	Status  int
	Code    int
	Subcode int
	Type    string
	Message string // error_user_msg when Meta gives one, else message
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "meta answered %d: code %d", e.Status, e.Code)
	if e.Subcode != 0 {
		fmt.Fprintf(&b, "/%d", e.Subcode)
	}
	if e.Type != "" {
		fmt.Fprintf(&b, " (%s)", e.Type)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Expired reports an expired or invalid token (code 190): a person must
// issue a new one, retrying will not help.
func (e *Error) Expired() bool { return e.Code == 190 }

// RateLimited reports Graph's and the Ads API's throttles: 4 (application),
// 17 (user), 32 (page), 613 (custom), 80004 (ads management).
func (e *Error) RateLimited() bool {
	switch e.Code {
	case 4, 17, 32, 613, 80004:
		return true
	}
	return false
}

// Rejected reports a policy or validation refusal: code 100 (invalid
// parameter) or 368 (policy), or any other 400 that is neither of the above.
func (e *Error) Rejected() bool {
	if e.Expired() || e.RateLimited() {
		return false
	}
	return e.Code == 100 || e.Code == 368 || e.Status == 400
}

// parseError reads Meta's error envelope; a body that is not one (a proxy's
// page, say) still yields an *Error carrying the status and the clipped body.
func parseError(status int, raw []byte) *Error {
	var env struct {
		Error struct {
			Message      string `json:"message"`
			Type         string `json:"type"`
			Code         int    `json:"code"`
			ErrorSubcode int    `json:"error_subcode"`
			ErrorUserMsg string `json:"error_user_msg"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Error.Code == 0 && env.Error.Message == "" {
		return &Error{Status: status, Message: clip.Runes(strings.TrimSpace(string(raw)), 200)}
	}
	msg := env.Error.ErrorUserMsg
	if msg == "" {
		msg = env.Error.Message
	}
	return &Error{
		Status:  status,
		Code:    env.Error.Code,
		Subcode: env.Error.ErrorSubcode,
		Type:    env.Error.Type,
		Message: msg,
	}
}
