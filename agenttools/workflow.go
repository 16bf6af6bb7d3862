package agenttools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/routing"
	"github.com/keinetech/kaine/workflows"
)

const (
	// maxWorkflowPayload bounds what a model may send a workflow, in bytes.
	maxWorkflowPayload = 64 << 10
	// maxWorkflowAnswer bounds how much of a webhook's answer the model
	// reads, in characters.
	maxWorkflowAnswer = 4000
	// workflowTimeout bounds the wait for n8n: a webhook that answers when
	// its workflow ends can take a while, but not a run's whole life.
	workflowTimeout = 60 * time.Second
)

// triggerWorkflow is trigger_workflow.
type triggerWorkflow struct {
	n8n     Workflows
	allowed func(account uint64) bool
}

func (triggerWorkflow) Spec() routing.Tool {
	return spec("trigger_workflow",
		"Start one of this account's n8n automation workflows by calling its webhook with a JSON payload, and read what the webhook answers (cut to 4000 characters). Only workflows with an active Webhook node listening for POST can be started, and only for accounts allowed to use the gateway's n8n.",
		`{
	"type": "object",
	"properties": {
		"workflow": {"type": "string", "description": "The path of the workflow's Webhook node, as set in n8n, without /webhook/: like lead-intake or crm/new-lead. Letters, digits, '-', '_' and '.', in segments joined by '/'."},
		"payload": {"type": "object", "description": "The JSON object the workflow receives as its webhook body: the fields the workflow expects, like {\"name\": \"Ana\", \"email\": \"ana@example.com\"}."}
	},
	"required": ["workflow", "payload"],
	"additionalProperties": false
}`)
}

func (t triggerWorkflow) Run(ctx context.Context, env agents.Env, input json.RawMessage) (string, error) {
	if !t.allowed(env.Account) {
		return "", errors.New("this account is not allowed to trigger n8n workflows on this gateway; nothing was started")
	}
	var in struct {
		Workflow string          `json:"workflow"`
		Payload  json.RawMessage `json:"payload"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	payload := bytes.TrimSpace(in.Payload)
	switch {
	case in.Workflow == "":
		return "", errors.New("workflow is required: the path of the workflow's Webhook node")
	case len(payload) == 0 || bytes.Equal(payload, []byte("null")):
		return "", errors.New("payload is required: a JSON object, {} when the workflow needs nothing")
	case payload[0] != '{':
		return "", errors.New("payload must be a JSON object")
	case len(payload) > maxWorkflowPayload:
		return "", fmt.Errorf("payload is %d bytes, over the limit of %d", len(payload), maxWorkflowPayload)
	}
	callCtx, cancel := context.WithTimeout(ctx, workflowTimeout)
	defer cancel()
	res, err := t.n8n.TriggerWebhook(callCtx, in.Workflow, payload)
	if err != nil {
		return "", workflowError(ctx, err)
	}
	return fmt.Sprintf("The workflow's webhook answered with status %d: %s", res.Status, webhookAnswer(res)), nil
}

// workflowError is what the model reads when a trigger fails: n8n's
// refusal or the path's fault as they are (both are safe to show), any
// other failure without its details, which name the instance.
func workflowError(ctx context.Context, err error) error {
	var refusal *workflows.N8NError
	switch {
	case errors.Is(err, workflows.ErrWebhookPath):
		return fmt.Errorf("the workflow path was refused (%w)", err)
	case errors.As(err, &refusal):
		return errors.New(refusal.Message)
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return fmt.Errorf("n8n did not answer within %s; the workflow may have started and may still be running, so check before triggering it again", workflowTimeout)
	default:
		return errors.New("n8n could not be reached, so the workflow most likely did not start; try again later")
	}
}

// webhookAnswer is the answer's body as the model reads it: text shown,
// cut to maxWorkflowAnswer characters; anything else only described.
func webhookAnswer(res workflows.WebhookResult) string {
	if len(res.Body) == 0 {
		return "(no content)"
	}
	media, _, _ := mime.ParseMediaType(res.ContentType)
	textual := media == "" || strings.HasPrefix(media, "text/") || media == "application/json" || strings.HasSuffix(media, "+json") ||
		media == "application/xml" || strings.HasSuffix(media, "+xml")
	body := res.Body
	// A cut answer may end inside a character.
	for i := 0; res.Truncated && i < utf8.UTFMax-1 && !utf8.Valid(body); i++ {
		body = body[:len(body)-1]
	}
	if !textual || !utf8.Valid(body) {
		return fmt.Sprintf("(%d bytes of %s, not shown)", len(res.Body), clip.Runes(res.ContentType, 100))
	}
	text := clip.Runes(string(body), maxWorkflowAnswer)
	if res.Truncated && !strings.HasSuffix(text, "…") {
		text += "…"
	}
	return text
}
