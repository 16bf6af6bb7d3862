package kaine

import (
	"encoding/json"
	"time"
)

// The answers and requests of the v1 API, field by field as openapi.yaml's
// schemas name them. Optional request fields are left out of the JSON when
// unset (the zero value, or nil for a pointer where zero is meaningful).

// ---- Account ----

// Ping is GET /v1/ping's answer.
type Ping struct {
	OK      bool   `json:"ok"`
	Version string `json:"version"`
}

// OK is the answer of a call that only succeeds (DELETE /v1/knowledge/{id}).
type OK struct {
	OK bool `json:"ok"`
}

// Me is the key's account (GET /v1/me).
type Me struct {
	UserID   int64    `json:"user_id"`
	Username string   `json:"username"`
	Email    string   `json:"email"`
	Scopes   []string `json:"scopes"` // read, write
	KeyID    int64    `json:"key_id"`
}

// Usage is GET /v1/usage's answer.
type Usage struct {
	Status UsageStatus `json:"status"`
}

// UsageStatus is the account's 30-day usage against its tier's cap.
type UsageStatus struct {
	Tier         string  `json:"tier"`
	CapUSD       float64 `json:"cap_usd"`
	UsedUSD      float64 `json:"used_usd"`
	RemainingUSD float64 `json:"remaining_usd"`
	Percent      int     `json:"percent"`
	Blocked      bool    `json:"blocked"`
	// ReservedUSD is what calls under way and unfinished video jobs hold.
	ReservedUSD float64 `json:"reserved_usd"`
}

// ---- Audit ----

// AuditParams is a page of GET /v1/audit and the filters that narrow it;
// zero values are not sent. Every filter narrows the listing; a listing
// given Since or Until is newest first by timestamp (then id), the others
// by id.
type AuditParams struct {
	Limit int // default 100, clamped to 500
	// Before is the NextBefore of the page before: the page after it.
	// Client.AuditAll follows it for you.
	Before   int64
	Endpoint string    // only this path's records, e.g. "/v1/llm"
	KeyID    int64     // only the calls made with this key
	Status   int       // only the calls answered with this HTTP status
	Provider string    // only the calls served by this provider, e.g. "openai"
	Model    string    // only the calls served by this model (its catalog id)
	Since    time.Time // only the records timestamped at or after this time
	Until    time.Time // only the records timestamped before this time
}

// AuditList is GET /v1/audit's answer, newest first.
type AuditList struct {
	Records []AuditRecord `json:"records"`
	Count   int           `json:"count"`
	// NextBefore is the Before of the next page; 0 when the listing is
	// done. A page may hold fewer than Limit records, even none, and still
	// have one: a filter on Status, Provider or Model reads a bounded
	// number of records a page.
	NextBefore int64 `json:"next_before,omitempty"`
}

// AuditExportParams filters GET /v1/audit/export as AuditParams filters
// a listing; zero values are not sent.
type AuditExportParams struct {
	Endpoint string
	KeyID    int64
	Status   int
	Provider string
	Model    string
	Since    time.Time
	Until    time.Time
}

// AuditExportSummary is an export's last line: how many records it held
// and what they cost in all.
type AuditExportSummary struct {
	Count   int64   `json:"count"`
	CostUSD float64 `json:"cost_usd"`
}

// AuditRecord is one authenticated call of the account.
type AuditRecord struct {
	ID        int64     `json:"id"`
	KeyID     int64     `json:"key_id"`
	RequestID string    `json:"request_id"`
	Endpoint  string    `json:"endpoint"`
	Method    string    `json:"method"`
	Status    int       `json:"status"`
	Provider  string    `json:"provider,omitempty"`
	Model     string    `json:"model,omitempty"`
	TokensIn  int64     `json:"tokens_in"`
	TokensOut int64     `json:"tokens_out"`
	CostUSD   float64   `json:"cost_usd"`
	LatencyMS int64     `json:"latency_ms"`
	Error     string    `json:"error,omitempty"`
	Resource  string    `json:"resource,omitempty"`
	Note      string    `json:"note,omitempty"`
	Timestamp time.Time `json:"timestamp"`
}

// ---- LLM ----

// LLMParams is the body of POST /v1/llm (LlmRequest). Prompt is required.
// LLMStream sends "stream": true itself.
type LLMParams struct {
	Prompt   string `json:"prompt"`
	System   string `json:"system,omitempty"`
	TaskType string `json:"task_type,omitempty"` // a cheap one (summarize, …) takes the cheap route
	// MaxTokens is 1 to 200,000; 0 sends nothing (the gateway's 1024).
	MaxTokens int `json:"max_tokens,omitempty"`
	// Temperature is 0 to 2; nil sends nothing (the gateway's 0.7).
	Temperature *float64 `json:"temperature,omitempty"`
	Provider    string   `json:"provider,omitempty"` // "auto" or a provider's name, which pins the call
	Model       string   `json:"model,omitempty"`    // an alias or id, which pins the call
	BYOKey      string   `json:"byo_key,omitempty"`  // your own provider key (BYOK)
	BYOProvider string   `json:"byo_provider,omitempty"`
}

// LLMAnswer is POST /v1/llm's answer (LlmAnswer), and a stream's done
// summary, which has no Text (it came delta by delta).
type LLMAnswer struct {
	OK            bool    `json:"ok"`
	Text          string  `json:"text,omitempty"`
	Provider      string  `json:"provider"`
	Model         string  `json:"model"` // the alias
	UpstreamModel string  `json:"upstream_model"`
	TokensIn      int64   `json:"tokens_in"`
	TokensOut     int64   `json:"tokens_out"`
	CostUSD       float64 `json:"cost_usd"`
	// UsageEstimated is set when the tokens and cost are Kaine's estimate.
	UsageEstimated bool `json:"usage_estimated,omitempty"`
}

// ProvidersStatus is GET /v1/providers' answer.
type ProvidersStatus struct {
	Providers []ProviderStatus `json:"providers"`
	Routing   RoutingStatus    `json:"routing"`
}

// ProviderStatus is one provider, its state and its prices.
type ProviderStatus struct {
	Name       string        `json:"name"`
	Protocol   string        `json:"protocol"` // anthropic, gemini, openai
	Configured bool          `json:"configured"`
	Available  bool          `json:"available"`
	Breaker    string        `json:"breaker"` // closed, half-open, open
	Models     []ModelStatus `json:"models"`
	Unpriced   string        `json:"unpriced"` // refuse, free or "price_as <model>"
	LiveModels *LiveModels   `json:"live_models,omitempty"`
}

// LiveModels is what the provider's own model list said when last read.
type LiveModels struct {
	CheckedAt time.Time `json:"checked_at"`
	Error     string    `json:"error,omitempty"`
	Unpriced  []string  `json:"unpriced"`
	Unserved  []string  `json:"unserved"`
}

// ModelStatus is a model with the price in force, USD per million tokens.
type ModelStatus struct {
	ID                     string   `json:"id"`
	Aliases                []string `json:"aliases,omitempty"`
	Kind                   string   `json:"kind,omitempty"` // "embedding" for a model that only embeds
	InputUSDPerMTok        float64  `json:"input_usd_per_mtok"`
	OutputUSDPerMTok       float64  `json:"output_usd_per_mtok"`
	CacheReadUSDPerMTok    float64  `json:"cache_read_usd_per_mtok"`
	CacheWriteUSDPerMTok   float64  `json:"cache_write_usd_per_mtok"`
	CacheWrite1hUSDPerMTok float64  `json:"cache_write_1h_usd_per_mtok"`
	LongPromptTokens       int64    `json:"long_prompt_tokens,omitempty"`
	LongPrompt             *Rates   `json:"long_prompt,omitempty"`
	NextPrice              *Price   `json:"next_price,omitempty"`
	Retires                string   `json:"retires,omitempty"` // a date, 2026-12-11
	Retired                bool     `json:"retired,omitempty"`
	Replacement            string   `json:"replacement,omitempty"`
}

// Rates are prices in USD per million tokens.
type Rates struct {
	InputUSD        float64 `json:"input_usd"`
	OutputUSD       float64 `json:"output_usd"`
	CacheReadUSD    float64 `json:"cache_read_usd,omitempty"`
	CacheWriteUSD   float64 `json:"cache_write_usd,omitempty"`
	CacheWrite1hUSD float64 `json:"cache_write_1h_usd,omitempty"`
}

// Price is a price announced to apply from a day on.
type Price struct {
	From             string  `json:"from,omitempty"` // a date
	InputUSD         float64 `json:"input_usd"`
	OutputUSD        float64 `json:"output_usd"`
	CacheReadUSD     float64 `json:"cache_read_usd,omitempty"`
	CacheWriteUSD    float64 `json:"cache_write_usd,omitempty"`
	CacheWrite1hUSD  float64 `json:"cache_write_1h_usd,omitempty"`
	LongPromptTokens int64   `json:"long_prompt_tokens,omitempty"`
	LongPrompt       *Rates  `json:"long_prompt,omitempty"`
}

// RoutingStatus is how auto routing chooses.
type RoutingStatus struct {
	Auto           string      `json:"auto"`
	CheapTaskTypes []string    `json:"cheap_task_types"`
	CheapRoute     []RouteStep `json:"cheap_route"`
	DefaultRoute   []RouteStep `json:"default_route"`
	BYOKFeeUSD     float64     `json:"byok_fee_usd"`
}

// RouteStep is one model of a route.
type RouteStep struct {
	Model     string `json:"model"`
	Provider  string `json:"provider"`
	Available bool   `json:"available"`
}

// ---- Leads ----

// LeadStatus is where a lead stands.
type LeadStatus string

// The lead statuses.
const (
	LeadNew       LeadStatus = "new"
	LeadContacted LeadStatus = "contacted"
	LeadBooked    LeadStatus = "booked"
	LeadComplete  LeadStatus = "complete"
)

// Lead is one lead of the account's CRM.
type Lead struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	Phone     string     `json:"phone"`
	Company   string     `json:"company"`
	Source    string     `json:"source"`
	Status    LeadStatus `json:"status"`
	Notes     string     `json:"notes"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// LeadList is GET /v1/leads' answer, newest first.
type LeadList struct {
	Leads []Lead `json:"leads"`
	Count int    `json:"count"`
}

// LeadListParams filters GET /v1/leads; zero values are not sent.
type LeadListParams struct {
	Status LeadStatus
	Limit  int // default 50, clamped to 500
}

// LeadCreate is the body of POST /v1/leads: Name or Email is required.
type LeadCreate struct {
	Name    string     `json:"name,omitempty"`
	Email   string     `json:"email,omitempty"`
	Phone   string     `json:"phone,omitempty"`
	Company string     `json:"company,omitempty"`
	Source  string     `json:"source,omitempty"`
	Status  LeadStatus `json:"status,omitempty"` // default new
	Notes   string     `json:"notes,omitempty"`
}

// LeadPatch is the body of PATCH /v1/leads/{id}: Status, Notes or both.
type LeadPatch struct {
	Status LeadStatus `json:"status,omitempty"`
	// Notes replaces the lead's notes; kaine.Ptr("") clears them, nil
	// leaves them.
	Notes *string `json:"notes,omitempty"`
}

// ---- Landing pages ----

// LandingPageRequest is the brief of POST /v1/landing-pages; BusinessName
// and Description are required.
type LandingPageRequest struct {
	BusinessName string `json:"business_name"`
	Description  string `json:"description"`
	ClientEmail  string `json:"client_email,omitempty"`
	Industry     string `json:"industry,omitempty"`
	Tone         string `json:"tone,omitempty"`
}

// LandingPage is a published page.
type LandingPage struct {
	OK       bool   `json:"ok"`
	URL      string `json:"url"`
	Filename string `json:"filename"`
}

// ---- Videos ----

// VideoRequest is the body of POST /v1/videos; Prompt is required.
type VideoRequest struct {
	Prompt   string `json:"prompt"`
	ImageURL string `json:"image_url,omitempty"`
	Duration int    `json:"duration,omitempty"` // seconds, 1 to 10; 0 sends nothing (6)
	Provider string `json:"provider,omitempty"` // higgsfield (default), runway, kling, fal
}

// VideoStatus is where a video job stands.
type VideoStatus string

// The video statuses.
const (
	VideoQueued    VideoStatus = "queued"
	VideoRunning   VideoStatus = "running"
	VideoSucceeded VideoStatus = "succeeded"
	VideoFailed    VideoStatus = "failed"
)

// Video is a video generation job.
type Video struct {
	OK         bool        `json:"ok"`
	VideoID    string      `json:"video_id"` // vid_ and 16 hex digits
	Status     VideoStatus `json:"status"`
	Provider   string      `json:"provider"`
	VideoURL   string      `json:"video_url,omitempty"` // once succeeded
	Error      string      `json:"error,omitempty"`     // why it failed
	Duration   int         `json:"duration"`            // the seconds made and billed
	CostUSD    float64     `json:"cost_usd"`            // once ended
	CreatedAt  time.Time   `json:"created_at"`
	FinishedAt *time.Time  `json:"finished_at"`
}

// ---- Workflows ----

// WorkflowListParams filters GET /v1/workflows; zero values are not sent.
type WorkflowListParams struct {
	Limit int // default 50, clamped to 500
}

// WorkflowList is GET /v1/workflows' answer, newest first.
type WorkflowList struct {
	Workflows []WorkflowRun `json:"workflows"`
	Count     int           `json:"count"`
	Warning   string        `json:"warning,omitempty"` // why n8n's runs are missing
}

// WorkflowRun is one run, Kaine's own or an n8n instance's.
type WorkflowRun struct {
	ID         string     `json:"id"`
	Source     string     `json:"source"` // n8n, kaine
	Name       string     `json:"name"`
	Status     string     `json:"status"` // queued, running, waiting, success, error, canceled
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	URL        string     `json:"url,omitempty"`
	Steps      int        `json:"steps,omitempty"`
}

// ---- Agents ----

// AgentList is GET /v1/agents' answer.
type AgentList struct {
	Agents []Agent `json:"agents"`
	Count  int     `json:"count"`
}

// Agent is one agent of the catalog.
type Agent struct {
	Name                string   `json:"name"`
	Description         string   `json:"description"`
	AllowedTools        []string `json:"allowed_tools"`
	ComplexityTier      string   `json:"complexity_tier"` // standard, complex
	UseExtendedThinking bool     `json:"use_extended_thinking"`
}

// AgentRunRequest is the body of POST /v1/agents/run; AgentName and Goal
// are required.
type AgentRunRequest struct {
	AgentName string `json:"agent_name"`
	Goal      string `json:"goal"`
	// Async answers at once (202, status running); follow the run with
	// Agents.GetRun.
	Async bool `json:"async,omitempty"`
}

// AgentRunStatus is where an agent run stands.
type AgentRunStatus string

// The agent run statuses.
const (
	RunRunning          AgentRunStatus = "running"
	RunCompleted        AgentRunStatus = "completed"
	RunFailed           AgentRunStatus = "failed"
	RunStoppedCap       AgentRunStatus = "stopped_cap"
	RunStoppedStepLimit AgentRunStatus = "stopped_step_limit"
)

// AgentRun is a run. Agents.Run gives the fields up to TokensOut;
// Agents.GetRun adds Goal, History, Critiques, CreatedAt and, once ended,
// FinishedAt.
type AgentRun struct {
	OK        bool            `json:"ok"`
	AgentName string          `json:"agent_name"`
	RunID     int64           `json:"run_id"`
	Status    AgentRunStatus  `json:"status"`
	Summary   string          `json:"summary"`
	Error     string          `json:"error,omitempty"`
	Steps     int             `json:"steps"`
	ToolCalls []AgentToolCall `json:"tool_calls"`
	Revised   bool            `json:"revised"`
	CostUSD   float64         `json:"cost_usd"`
	TokensIn  int64           `json:"tokens_in"`
	TokensOut int64           `json:"tokens_out"`

	Goal       string          `json:"goal,omitempty"`
	History    []AgentStep     `json:"history,omitempty"`
	Critiques  []AgentCritique `json:"critiques,omitempty"`
	CreatedAt  *time.Time      `json:"created_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

// AgentToolCall is one tool call of a run.
type AgentToolCall struct {
	Name string `json:"name"`
	// Input is the model's input as it wrote it (an object as a rule), or
	// a JSON string of its clipped text.
	Input   json.RawMessage `json:"input"`
	Output  string          `json:"output,omitempty"`
	Error   string          `json:"error,omitempty"`
	Refused bool            `json:"refused,omitempty"`
}

// AgentStep is one model call of a run.
type AgentStep struct {
	Critique  bool            `json:"critique,omitempty"`
	Text      string          `json:"text,omitempty"`
	ToolCalls []AgentToolCall `json:"tool_calls,omitempty"`
	Provider  string          `json:"provider,omitempty"`
	Model     string          `json:"model,omitempty"`
	CostUSD   float64         `json:"cost_usd"`
	TokensIn  int64           `json:"tokens_in"`
	TokensOut int64           `json:"tokens_out"`
}

// AgentCritique is one self-critique of a run.
type AgentCritique struct {
	Verdict  string `json:"verdict"` // accept, revise
	Critique string `json:"critique,omitempty"`
	Note     string `json:"note,omitempty"`
}

// ---- Outbox ----

// OutboxListParams filters GET /v1/outbox; zero values are not sent.
type OutboxListParams struct {
	Limit int // default 50, clamped to 500
}

// OutboxList is GET /v1/outbox's answer, newest first.
type OutboxList struct {
	Messages []OutboxMessage `json:"messages"`
	Count    int             `json:"count"`
}

// OutboxMessage is a message an agent sent, failed to send or queued.
type OutboxMessage struct {
	ID         int64     `json:"id"`
	Channel    string    `json:"channel"` // email, sms, phone, booking_link
	To         string    `json:"to"`
	Subject    string    `json:"subject,omitempty"`
	Body       string    `json:"body"`
	Status     string    `json:"status"` // sent, queued_unconfigured, failed
	Error      string    `json:"error,omitempty"`
	ProviderID string    `json:"provider_id,omitempty"`
	RunID      int64     `json:"run_id,omitempty"`
	AgentName  string    `json:"agent_name,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// ---- Knowledge ----

// KnowledgeRequest is the body of POST /v1/knowledge; Title and Text are
// required.
type KnowledgeRequest struct {
	Title  string `json:"title"`
	Text   string `json:"text"`
	Source string `json:"source,omitempty"`
}

// KnowledgeListParams limits GET /v1/knowledge; zero is not sent.
type KnowledgeListParams struct {
	Limit int // default 50, clamped to 500
}

// KnowledgeSearchParams is a search of GET /v1/knowledge?q=; Query is
// required.
type KnowledgeSearchParams struct {
	Query string
	Limit int // default 5, clamped to 50
}

// KnowledgeDocument is a document as listed, without its text.
type KnowledgeDocument struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Text      string    `json:"text,omitempty"`
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// KnowledgeDocumentAnswer is one document with its text.
type KnowledgeDocumentAnswer struct {
	OK        bool      `json:"ok"`
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// KnowledgeList is GET /v1/knowledge's answer, newest first.
type KnowledgeList struct {
	Documents []KnowledgeDocument `json:"documents"`
	Count     int                 `json:"count"`
}

// KnowledgeSearch is GET /v1/knowledge?q='s answer, best first.
type KnowledgeSearch struct {
	Hits  []KnowledgeHit `json:"hits"`
	Count int            `json:"count"`
}

// KnowledgeHit is a document matching a search, with its best passage.
type KnowledgeHit struct {
	DocID   int64   `json:"doc_id"`
	Title   string  `json:"title"`
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"` // BM25, higher is better
}
