package agenttools

import (
	"context"
	"encoding/json"
	"time"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/knowledge"
	"github.com/keinetech/kaine/landing"
	"github.com/keinetech/kaine/leads"
	"github.com/keinetech/kaine/outbox"
	"github.com/keinetech/kaine/routing"
	"github.com/keinetech/kaine/videos"
	"github.com/keinetech/kaine/workflows"
)

// CRM keeps the accounts' leads; *leads.Store is one.
type CRM interface {
	Search(user uint64, q leads.Query, limit int) ([]leads.Lead, error)
	Get(user, id uint64) (leads.Lead, error)
	Update(user, id uint64, p leads.Patch) (leads.Lead, error)
	Create(user uint64, l leads.Lead) (leads.Lead, error)
	Pipeline(user uint64, since time.Time) (leads.Pipeline, error)
}

// Outbox records every message tried; *outbox.Store is one.
type Outbox interface {
	Add(account uint64, m outbox.Message) (outbox.Message, error)
}

// Mailer sends email; *outbox.SMTP is one.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) (messageID string, err error)
}

// Texter sends SMS; *outbox.Twilio is one.
type Texter interface {
	SendSMS(ctx context.Context, to, body string) (sid string, err error)
}

// Caller places a phone call that says a message; *outbox.Twilio is one.
type Caller interface {
	Call(ctx context.Context, to, say string) (sid string, err error)
}

// Knowledge searches the accounts' documents; *knowledge.Store is one.
type Knowledge interface {
	Search(account uint64, query string, limit int) ([]knowledge.Hit, error)
}

// LandingPages makes and publishes a landing page for env.Account,
// reserving and billing its model call, and returns the page's URL.
type LandingPages interface {
	Generate(ctx context.Context, env agents.Env, brief landing.Brief) (url string, err error)
}

// Videos submits a video job for env.Account, reserving its cost, and
// returns the job as submitted.
type Videos interface {
	Generate(ctx context.Context, env agents.Env, prompt string, seconds int, provider string) (videos.Job, error)
}

// Workflows triggers n8n webhooks; *workflows.N8N is one.
type Workflows interface {
	TriggerWebhook(ctx context.Context, path string, payload []byte) (workflows.WebhookResult, error)
}

// Deps is what the tools work with. A nil connector (Mailer, Texter,
// Caller) is one the gateway has not configured: its messages are queued,
// not sent. Any other nil dependency leaves its tools out. Leave an
// interface nil rather than holding a nil pointer, which counts as set.
type Deps struct {
	// CRM serves crm_search, crm_update, crm_add_lead, and lead_id in the
	// messaging tools.
	CRM CRM
	// Outbox is needed by the messaging tools (with CRM): every message
	// tried is recorded there with its outcome.
	Outbox Outbox
	Mailer Mailer
	Texter Texter
	Caller Caller
	// ConnectorsAllowed reports whether an account may send through the
	// connectors: the operator pays for every email, SMS and call, so the
	// operator names who may. For any other account messages are queued,
	// as without a connector. Nil allows none.
	ConnectorsAllowed func(account uint64) bool
	// BookingURL is the link send_booking_link sends; without it that
	// tool refuses every call.
	BookingURL string

	Knowledge    Knowledge
	LandingPages LandingPages
	Videos       Videos

	// Workflows, with WorkflowsAllowed, serves trigger_workflow.
	Workflows Workflows
	// WorkflowsAllowed reports whether an account may trigger the n8n
	// instance's workflows: an instance is one tenant's. Nil allows none.
	WorkflowsAllowed func(account uint64) bool

	// Numbers serves account_usage and audit_summary: the account's own
	// figures, read-only.
	Numbers Numbers
	// Fetcher serves fetch_page.
	Fetcher PageFetcher
	// WebSearch serves web_search. Without it web_search is still offered,
	// and answers that nothing was searched, so an agent says so.
	WebSearch WebSearch
	// MetaAds, with Outbox, serves the meta_ads tools; an account without
	// an ad account is answered that nothing was done.
	MetaAds MetaAds
}

// Names are the tools New can provide, given every dependency: what an
// agent's allowed_tools may name. A tool whose dependency a gateway lacks
// (no video provider, no n8n) is left out of New's map, and a run offers
// its agents only the rest.
var Names = []string{
	"crm_search", "crm_update", "crm_add_lead", "crm_pipeline",
	"send_email", "send_sms", "phone_call", "send_booking_link",
	"knowledge_search", "generate_landing_page", "generate_video", "trigger_workflow",
	"account_usage", "audit_summary", "fetch_page", "web_search",
	"meta_ads_draft_campaign", "meta_ads_campaigns", "meta_ads_insights",
}

// New returns the tools d supports, by name.
func New(d Deps) map[string]agents.Tool {
	var list []agents.Tool
	if d.CRM != nil {
		list = append(list, crmSearch{d.CRM}, crmUpdate{d.CRM}, crmAddLead{d.CRM}, crmPipeline{d.CRM})
	}
	if d.CRM != nil && d.Outbox != nil {
		allowed := d.ConnectorsAllowed
		if allowed == nil {
			allowed = func(uint64) bool { return false }
		}
		m := messenger{crm: d.CRM, outbox: d.Outbox, allowed: allowed}
		list = append(list,
			sendEmail{m, d.Mailer},
			sendSMS{m, d.Texter},
			phoneCall{m, d.Caller},
			sendBookingLink{m, d.Mailer, d.Texter, d.BookingURL},
		)
	}
	if d.Knowledge != nil {
		list = append(list, knowledgeSearch{d.Knowledge})
	}
	if d.LandingPages != nil {
		list = append(list, generateLandingPage{d.LandingPages})
	}
	if d.Videos != nil {
		list = append(list, generateVideo{d.Videos})
	}
	if d.Workflows != nil {
		allowed := d.WorkflowsAllowed
		if allowed == nil {
			allowed = func(uint64) bool { return false }
		}
		list = append(list, triggerWorkflow{d.Workflows, allowed})
	}
	if d.Numbers != nil {
		list = append(list, accountUsage{d.Numbers}, auditSummary{d.Numbers})
	}
	if d.Fetcher != nil {
		list = append(list, fetchPage{d.Fetcher})
	}
	list = append(list, webSearch{d.WebSearch})
	if d.MetaAds != nil && d.Outbox != nil {
		m := metaTools{ads: d.MetaAds, outbox: d.Outbox}
		list = append(list, metaDraftCampaign{m}, metaCampaigns{m}, metaInsights{m})
	}
	tools := make(map[string]agents.Tool, len(list))
	for _, t := range list {
		tools[t.Spec().Name] = t
	}
	return tools
}

// spec builds a tool's spec; schema is its input's JSON Schema.
func spec(name, description, schema string) routing.Tool {
	return routing.Tool{Name: name, Description: description, Parameters: json.RawMessage(schema)}
}
