package workflows

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/keinetech/kaine/internal/clip"
)

const (
	// maxWebhookPath bounds a webhook path, in bytes.
	maxWebhookPath = 200
	// maxWebhookBody bounds how much of a webhook's answer is read: it is
	// shown to a model or a person, never stored whole.
	maxWebhookBody = 64 << 10
)

// WebhookResult is n8n's 2xx answer to a webhook call.
type WebhookResult struct {
	// Status is the answer's status: 200 unless the workflow's Respond to
	// Webhook node chose another.
	Status int
	// ContentType is the answer's Content-Type, as sent.
	ContentType string
	// Body is the answer's first 64 KiB.
	Body []byte
	// Truncated says the answer was longer than Body.
	Truncated bool
}

// ErrWebhookPath is a webhook path TriggerWebhook will not call.
var ErrWebhookPath = errors.New("not a webhook path")

// TriggerWebhook starts a workflow through its production webhook: it
// POSTs payload, a JSON document, to {instance root}/webhook/{path}. path
// is the Webhook node's path, one or more segments of letters, digits,
// '-', '_' and '.' joined by '/'; anything else (an empty segment, "." or
// "..", an escape) is ErrWebhookPath, so a path can never leave the
// webhook prefix. The API key is not sent: webhooks do not take it, and a
// workflow could read it from its trigger's headers. A non-2xx answer is
// an *N8NError; a transport failure or the caller's context ending is
// wrapped.
func (n *N8N) TriggerWebhook(ctx context.Context, path string, payload []byte) (WebhookResult, error) {
	if err := checkWebhookPath(path); err != nil {
		return WebhookResult{}, err
	}
	fail := func(err error) (WebhookResult, error) {
		return WebhookResult{}, fmt.Errorf("triggering n8n webhook %s: %w", path, err)
	}
	if !json.Valid(payload) {
		return fail(errors.New("the payload is not JSON"))
	}
	if n.Client == nil {
		return fail(errors.New("no HTTP client"))
	}
	api, err := n.apiBase()
	if err != nil {
		return fail(err)
	}
	root := strings.TrimSuffix(api, "/api/v1")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, root+"/webhook/"+path, bytes.NewReader(payload))
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.Client.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fail(webhookError(resp, n.APIKey))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxWebhookBody+1))
	if err != nil {
		return fail(fmt.Errorf("reading the answer: %w", err))
	}
	result := WebhookResult{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}
	if len(body) > maxWebhookBody {
		result.Body, result.Truncated = body[:maxWebhookBody], true
	}
	return result, nil
}

// checkWebhookPath refuses a path that is not safe segments joined by '/'.
func checkWebhookPath(path string) error {
	switch {
	case path == "":
		return fmt.Errorf("%w: the path is empty", ErrWebhookPath)
	case len(path) > maxWebhookPath:
		return fmt.Errorf("%w: the path is over %d bytes", ErrWebhookPath, maxWebhookPath)
	}
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.IndexFunc(seg, unsafeInPath) >= 0 {
			return fmt.Errorf("%w: %s is not letters, digits, '-', '_' and '.' in segments joined by '/', without empty, '.' or '..' segments",
				ErrWebhookPath, strconv.Quote(clip.Runes(path, 64)))
		}
	}
	return nil
}

func unsafeInPath(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// webhookError reads a webhook's non-2xx answer into an *N8NError. A
// webhook's statuses mean other things than the API's: 404 is a path no
// active workflow listens on, 401 and 403 the webhook's own authentication.
func webhookError(resp *http.Response, key string) *N8NError {
	said := errorMessage(resp, key)
	status := resp.StatusCode
	var msg string
	switch {
	case status == http.StatusNotFound:
		msg = "n8n has no active webhook at this path for POST: check the path, and that the workflow is active"
		said = "" // n8n's text says the same
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		msg = fmt.Sprintf("n8n refused the webhook call with status %d: the webhook asks for authentication, which Kaine does not send", status)
	case status >= 500:
		msg = fmt.Sprintf("n8n failed with status %d", status)
	default:
		msg = fmt.Sprintf("n8n refused the webhook call with status %d", status)
	}
	if said != "" {
		msg += ": " + said
	}
	return &N8NError{Status: status, Message: msg}
}
