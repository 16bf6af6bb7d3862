package handlers

import (
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/videos"
)

// Users looks up the account behind an identity.
type Users interface {
	User(id uint64) (*accounts.User, error)
}

// API holds what the v1 endpoints need. Its fields are set once, before the
// first request, and never changed.
type API struct {
	Errors Errors
	Auth   Authenticator
	Users  Users
	// Limiter is the rate limit's state: this instance's own, or the
	// fleet's shared one.
	Limiter metering.Limiter
	// Admitter, in a fleet, checks the rate and reserves at once, for the
	// routes that Reserve (nil: each on its own). It must share Ledger's
	// reservations.
	Admitter metering.Admitter
	Ledger   Ledger
	Audit    AuditLog
	// AuditRecorder takes the audit records of work that ends outside any
	// request (a video job the follower sees end).
	AuditRecorder interface{ Record(metering.AuditRecord) }
	// LLM routes and makes model calls (POST /v1/llm, GET /v1/providers).
	LLM LLM
	// Files is the directory of generated files served at /files/ (nil:
	// none).
	Files fs.FS
	// Pages writes generated landing pages into Files.
	Pages PageWriter
	// PublicURL is where clients reach this gateway, for the links it
	// hands out (no trailing slash).
	PublicURL string
	// Videos are the configured video providers by name; VideoJobs keeps
	// the jobs and VideoHolds their reservations.
	Videos     map[string]videos.Provider
	VideoJobs  VideoJobs
	VideoHolds *VideoHolds
	// N8N lists the n8n instance's runs (nil: none configured), shown to
	// the accounts named in N8NAccounts (by username).
	N8N         N8NRuns
	N8NAccounts map[string]bool
	// Leads keeps the accounts' leads.
	Leads LeadStore
	// DropIns are the providers served on drop-in routes.
	DropIns []*DropIn
	// FrontMaxBody bounds a body of the unified fronts (/v1/chat/completions,
	// /v1/messages, /v1/embeddings), as passthrough_max_body bounds the
	// drop-in routes'; at least 1 MiB.
	FrontMaxBody int64
	// Unmetered hears of a drop-in call billed nothing for want of usage
	// or price (may be nil).
	Unmetered func(provider, reason string)
	// UnpricedServed hears of a call to a model without a price served
	// under its provider's unpriced policy, free or priced as another
	// (may be nil).
	UnpricedServed func(provider, policy string)
	// Tiers maps a tier name to its limits; it must hold "starter", the
	// fallback for an account whose tier is no longer configured.
	Tiers map[string]metering.Tier
	// Agents is the agent catalog; AgentRunner runs them and AgentRuns
	// keeps their runs.
	Agents      *agents.Catalog
	AgentRunner AgentRunner
	AgentRuns   AgentRuns
	// AgentTools are this config's tools, by name; with AgentModel they
	// are the kit its runs work with.
	AgentTools map[string]agents.Tool
	// Outbox records every message agents sent or queued.
	Outbox OutboxStore
	// Knowledge keeps the documents agents search.
	Knowledge KnowledgeStore
	// RequestIDs names the audit records of work done outside a request of
	// its own (an agent's tools).
	RequestIDs *RequestIDs
	// Now is the clock. Default: time.Now.
	Now func() time.Time

	// degradedLimiter limits the calls that only read while the fleet's
	// shared limit cannot be reached.
	degradedLimiter metering.RateLimiter
}

// Routes lists every v1 endpoint with the scope it needs.
func (a *API) Routes() []Route {
	return append(append(a.dropInRoutes(), a.filesRoute()...), []Route{
		{Method: http.MethodGet, Path: "/v1/ping", Handle: a.ping},
		{Method: http.MethodGet, Path: "/v1/openapi.json", Handle: a.openAPI},
		{Method: http.MethodGet, Path: "/v1/me", Scope: accounts.ScopeRead, Handle: a.me},
		{Method: http.MethodGet, Path: "/v1/usage", Scope: accounts.ScopeRead, Handle: a.usage},
		{Method: http.MethodGet, Path: "/v1/audit", Scope: accounts.ScopeRead, Handle: a.audit},
		{Method: http.MethodGet, Path: "/v1/audit/export", Scope: accounts.ScopeRead, Handle: a.auditExport},
		{Method: http.MethodGet, Path: "/v1/audit/verify", Scope: accounts.ScopeRead, Handle: a.auditVerify},
		{Method: http.MethodPost, Path: "/v1/llm", Scope: accounts.ScopeWrite, Handle: a.llm, Reserves: true},
		{Method: http.MethodPost, Path: "/v1/chat/completions", Scope: accounts.ScopeWrite, Handle: a.chatCompletions, Errors: OpenAIErrors, SDKKeys: true, Reserves: true},
		{Method: http.MethodGet, Path: "/v1/providers", Scope: accounts.ScopeRead, Handle: a.providers},
		{Method: http.MethodPost, Path: "/v1/messages", Scope: accounts.ScopeWrite, Handle: a.messages, Errors: AnthropicErrors, SDKKeys: true, Reserves: true},
		{Method: http.MethodPost, Path: "/v1/messages/count_tokens", Scope: accounts.ScopeWrite, Handle: a.countTokens, Errors: AnthropicErrors, SDKKeys: true},
		{Method: http.MethodPost, Path: "/v1/embeddings", Scope: accounts.ScopeWrite, Handle: a.embeddings, Errors: OpenAIErrors, SDKKeys: true, Reserves: true},
		{Method: http.MethodGet, Path: "/v1/models", Scope: accounts.ScopeRead, Handle: a.models, Errors: SDKErrors, SDKKeys: true},
		{Method: http.MethodGet, Path: "/v1/models/{id}", Scope: accounts.ScopeRead, Handle: a.model, Errors: SDKErrors, SDKKeys: true},
		{Method: http.MethodGet, Path: "/v1/leads", Scope: accounts.ScopeRead, Handle: a.listLeads, Home: true},
		{Method: http.MethodPost, Path: "/v1/landing-pages", Scope: accounts.ScopeWrite, Handle: a.createLandingPage, Home: true},
		{Method: http.MethodPost, Path: "/v1/videos", Scope: accounts.ScopeWrite, Handle: a.createVideo, Home: true},
		{Method: http.MethodGet, Path: "/v1/videos/{id}", Scope: accounts.ScopeRead, Handle: a.getVideo, Home: true},
		{Method: http.MethodGet, Path: "/v1/workflows", Scope: accounts.ScopeRead, Handle: a.listWorkflows, Home: true},
		{Method: http.MethodPost, Path: "/v1/leads", Scope: accounts.ScopeWrite, Handle: a.createLead, Home: true},
		{Method: http.MethodPatch, Path: "/v1/leads/{id}", Scope: accounts.ScopeWrite, Handle: a.updateLead, Home: true},
		{Method: http.MethodGet, Path: "/v1/agents", Scope: accounts.ScopeRead, Handle: a.listAgents},
		{Method: http.MethodPost, Path: "/v1/agents/run", Scope: accounts.ScopeWrite, Handle: a.runAgent, Home: true},
		{Method: http.MethodGet, Path: "/v1/agents/runs/{id}", Scope: accounts.ScopeRead, Handle: a.getAgentRun, Home: true},
		{Method: http.MethodGet, Path: "/v1/outbox", Scope: accounts.ScopeRead, Handle: a.listOutbox, Home: true},
		{Method: http.MethodGet, Path: "/v1/knowledge", Scope: accounts.ScopeRead, Handle: a.listKnowledge, Home: true},
		{Method: http.MethodPost, Path: "/v1/knowledge", Scope: accounts.ScopeWrite, Handle: a.addKnowledge, Home: true},
		{Method: http.MethodGet, Path: "/v1/knowledge/{id}", Scope: accounts.ScopeRead, Handle: a.getKnowledge, Home: true},
		{Method: http.MethodDelete, Path: "/v1/knowledge/{id}", Scope: accounts.ScopeWrite, Handle: a.deleteKnowledge, Home: true},
	}...)
}

// Unrouted is the route of a request that matched none: its handler
// answers 404 not_found, or 405 method_not_allowed when the path exists
// under the allowed methods. It needs no scope, so a caller with any valid
// key gets the answer (with its rate-limit headers and audit record).
func (a *API) Unrouted(allowed []string) *Route {
	return &Route{Handle: func(w http.ResponseWriter, r *http.Request, _ *Call) {
		if allowed == nil {
			a.NotFound(w, r)
		} else {
			a.MethodNotAllowed(w, r, allowed)
		}
	}}
}

// NotFound answers a /v1 path that has no endpoint.
func (a *API) NotFound(w http.ResponseWriter, r *http.Request) {
	a.Errors.Write(w, CodeNotFound, "There is no endpoint "+r.Method+" "+r.URL.Path+"; see the API docs for the list.")
}

// MethodNotAllowed answers a known path called with the wrong method.
func (a *API) MethodNotAllowed(w http.ResponseWriter, r *http.Request, allowed []string) {
	list := strings.Join(allowed, ", ")
	w.Header().Set("Allow", list)
	a.Errors.Write(w, CodeMethodNotAllowed, r.URL.Path+" does not take "+r.Method+"; use "+list+".")
}

var pingBody = []byte(`{"ok":true,"version":"v1"}`)

func (a *API) ping(w http.ResponseWriter, _ *http.Request, _ *Call) {
	writeJSONBytes(w, http.StatusOK, pingBody)
}

type meAnswer struct {
	UserID   uint64          `json:"user_id"`
	Username string          `json:"username"`
	Email    string          `json:"email"`
	Scopes   accounts.Scopes `json:"scopes"`
	KeyID    uint64          `json:"key_id"`
}

// account returns the caller's account, or writes the error and nil.
func (a *API) account(w http.ResponseWriter, id *accounts.Identity) *accounts.User {
	u, err := a.Users.User(id.UserID)
	if err != nil {
		a.Errors.Send(w, accountError(err))
		return nil
	}
	return u
}

// accountError is the answer when the account of a key cannot be read.
func accountError(err error) *apiError {
	if errors.Is(err, metering.ErrStoreUnavailable) {
		return errStoreUnavailable
	}
	return internalError("The account of this key could not be read; try again.", err)
}

func (a *API) me(w http.ResponseWriter, _ *http.Request, call *Call) {
	u := a.account(w, call.Identity)
	if u == nil {
		return
	}
	WriteJSON(w, http.StatusOK, meAnswer{
		UserID:   u.ID,
		Username: u.Username,
		Email:    u.Email,
		Scopes:   call.Identity.Scopes,
		KeyID:    call.Identity.KeyID,
	})
}
