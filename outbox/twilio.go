package outbox

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keinetech/kaine/internal/clip"
)

// Bounds on what is read of an answer: a created resource is a few
// hundred bytes, and an error page from a proxy can be large.
const (
	maxTwilioAnswer = 1 << 20
	maxTwilioError  = 64 << 10
)

// Limits Twilio puts on what it accepts, checked before sending so a
// refusal costs no request.
const (
	// maxSMSBody is in characters, after concatenation (Twilio error 21617).
	maxSMSBody = 1600
	// maxTwiML is in characters of inline TwiML (Twilio error 32018).
	maxTwiML = 4000
)

// defaultTwilioClient is used when Twilio.Client is nil.
var defaultTwilioClient = &http.Client{Timeout: 30 * time.Second}

// Twilio sends SMS and places calls that speak a text, through Twilio's
// REST API (2010-04-01): POST a form to the account's Messages.json or
// Calls.json with HTTP basic auth, and read the new resource's sid from
// the 201 answer.
type Twilio struct {
	// BaseURL is the API's root. The auth token goes only over HTTPS, or
	// over plain HTTP to a loopback IP address (a local fake).
	// Default: https://api.twilio.com.
	BaseURL string
	// AccountSID and AuthToken are the account's credentials (AC…), sent
	// with HTTP basic auth.
	AccountSID, AuthToken string
	// From is the account's number that messages and calls come from, in
	// E.164 form.
	From string
	// Client makes the requests. Default: a client with a 30 s timeout.
	Client *http.Client
}

// TwilioError is Twilio's refusal of a request, read from its error JSON
// ({"code","message","more_info","status"}). It is safe to show: it never
// holds the auth token.
type TwilioError struct {
	// Status is the HTTP status.
	Status int
	// Code is Twilio's error code (21211: invalid 'To' number, 20003:
	// bad credentials, …); 0 when the answer was not Twilio's JSON.
	Code int
	// Message is Twilio's text, cleaned of the auth token and clipped; a
	// fixed text when the credentials were refused.
	Message string
	// MoreInfo is the documentation link Twilio gave, if any.
	MoreInfo string
}

func (e *TwilioError) Error() string {
	s := fmt.Sprintf("refused with status %d", e.Status)
	if e.Code != 0 {
		s += fmt.Sprintf(", error %d", e.Code)
	}
	s += ": " + e.Message
	if e.MoreInfo != "" {
		s += " (" + e.MoreInfo + ")"
	}
	return s
}

// Temporary reports whether the same request may succeed later: a rate
// limit or a server error.
func (e *TwilioError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// credentialsRefused replaces Twilio's text for a 401: "Authenticate"
// says nothing to the reader.
const credentialsRefused = "Twilio refused the account SID or auth token"

// SendSMS texts body to the E.164 number to and returns the message's
// SID (SM…). Twilio has queued it, not yet delivered it.
func (t *Twilio) SendSMS(ctx context.Context, to, body string) (sid string, err error) {
	if err := checkPhone("recipient", to); err != nil {
		return "", fmt.Errorf("twilio: %w", err)
	}
	if strings.TrimSpace(body) == "" {
		return "", errors.New("twilio: the message body is empty")
	}
	if n := utf8.RuneCountInString(body); n > maxSMSBody {
		return "", fmt.Errorf("twilio: the message body is %d characters long; Twilio takes at most %d", n, maxSMSBody)
	}
	return t.create(ctx, "Messages.json", "sending an SMS", url.Values{"To": {to}, "From": {t.From}, "Body": {body}})
}

// Call phones the E.164 number to, says say when answered, and returns
// the call's SID (CA…). Twilio has queued the call, not yet placed it.
func (t *Twilio) Call(ctx context.Context, to, say string) (sid string, err error) {
	if err := checkPhone("recipient", to); err != nil {
		return "", fmt.Errorf("twilio: %w", err)
	}
	if strings.TrimSpace(say) == "" {
		return "", errors.New("twilio: the text to say is empty")
	}
	twiml := sayTwiML(say)
	if n := utf8.RuneCountInString(twiml); n > maxTwiML {
		return "", fmt.Errorf("twilio: the text to say is too long: its TwiML is %d characters; Twilio takes at most %d", n, maxTwiML)
	}
	return t.create(ctx, "Calls.json", "placing a call", url.Values{"To": {to}, "From": {t.From}, "Twiml": {twiml}})
}

// sayTwiML is the TwiML document that says text, escaped so no text can
// add verbs of its own.
func sayTwiML(text string) string {
	var b strings.Builder
	b.WriteString("<Response><Say>")
	_ = xml.EscapeText(&b, []byte(text)) // a strings.Builder does not fail
	b.WriteString("</Say></Response>")
	return b.String()
}

// create POSTs form to the account's resource and returns the new
// resource's sid; doing names the action in errors.
func (t *Twilio) create(ctx context.Context, resource, doing string, form url.Values) (string, error) {
	endpoint, err := t.endpoint(resource)
	if err != nil {
		return "", fmt.Errorf("twilio: %s: %w", doing, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("twilio: %s: building the request: %w", doing, err)
	}
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	client := t.Client
	if client == nil {
		client = defaultTwilioClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("twilio: %s: %w", doing, netFailure(ctx, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A failed read still leaves enough of an error for a message.
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxTwilioError))
		return "", fmt.Errorf("twilio: %s: %w", doing, t.refusal(resp.StatusCode, body))
	}
	var created struct {
		SID string `json:"sid"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxTwilioAnswer)).Decode(&created); err != nil {
		if connFailure(err) != "" {
			err = netFailure(ctx, err)
		}
		return "", fmt.Errorf("twilio: %s: reading the answer: %w", doing, err)
	}
	if created.SID == "" {
		return "", fmt.Errorf("twilio: %s: the answer has no sid", doing)
	}
	return created.SID, nil
}

// endpoint checks the configuration and builds the resource's URL. Its
// errors name no host: they may reach the account, the host is the
// operator's.
func (t *Twilio) endpoint(resource string) (string, error) {
	if t.AccountSID == "" || t.AuthToken == "" {
		return "", errors.New("the account SID and auth token are not configured")
	}
	if err := checkPhone("sender", t.From); err != nil {
		return "", fmt.Errorf("the configured %w", err)
	}
	base := t.BaseURL
	if base == "" {
		base = "https://api.twilio.com"
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || u.Scheme != "https" && u.Scheme != "http" {
		return "", errors.New("the base URL is not an http or https URL")
	}
	if ip := net.ParseIP(u.Hostname()); u.Scheme == "http" && (ip == nil || !ip.IsLoopback()) {
		return "", errors.New("refusing to send the auth token over plain HTTP to a host that is not a loopback address; use https")
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.Path, "/") +
		"/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/" + resource, nil
}

// refusal reads Twilio's error JSON from a non-2xx answer.
func (t *Twilio) refusal(status int, body []byte) *TwilioError {
	var answer struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
	}
	e := &TwilioError{Status: status}
	if json.Unmarshal(body, &answer) == nil {
		e.Code = answer.Code
		e.Message = answer.Message
		if strings.HasPrefix(answer.MoreInfo, "https://") && !strings.ContainsFunc(answer.MoreInfo, isControl) {
			e.MoreInfo = clip.Runes(answer.MoreInfo, 200)
		}
	}
	switch {
	case status == http.StatusUnauthorized:
		e.Message = credentialsRefused
	case strings.TrimSpace(e.Message) == "":
		e.Message = http.StatusText(status)
	default:
		if len(t.AuthToken) >= 4 {
			e.Message = strings.ReplaceAll(e.Message, t.AuthToken, "[redacted]")
		}
		e.Message = clip.Runes(strings.Join(strings.Fields(strings.ToValidUTF8(e.Message, "\uFFFD")), " "), 300)
	}
	return e
}
