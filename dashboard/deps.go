package dashboard

import (
	"context"
	"net/http"
	"time"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/routing"
	"github.com/keinetech/kaine/signin"
)

// What the pages read and change, each through the code that owns it: the
// dashboard never reimplements a rule of the API (scopes, caps, listing
// order), it calls the code the v1 endpoints and the admin API call.

// Keys are an account's API keys (accounts.Store).
type Keys interface {
	User(id uint64) (*accounts.User, error)
	Keys(userID uint64) ([]accounts.Key, error)
	CreateKey(userID uint64, name string, scopes accounts.Scopes) (secret string, key accounts.Key, err error)
	RevokeKey(id uint64) (accounts.Key, error)
}

// SignIn is the sign-in state (signin.Store).
type SignIn interface {
	NewLink(user uint64) (token string, expires time.Time, err error)
	Redeem(token string) (user uint64, err error)
	Start(user uint64) (id string, err error)
	Session(id string) (signin.Session, error)
	End(id string) error
}

// Account is what the v1 API tells of one account, from the endpoints'
// own code (handlers.API, the ledger, the audit log, the agent runs).
type Account interface {
	// UsageOf is GET /v1/usage's status.
	UsageOf(user uint64) (handlers.UsageStatus, error)
	// Daily is the ledger's spending on each day of the 30-day window,
	// oldest first.
	Daily(user uint64) ([]metering.DaySpend, error)
	// Spend sums the account's audit records since a time by endpoint and
	// by model.
	Spend(user uint64, since time.Time) (metering.Breakdown, error)
	// AuditPage is GET /v1/audit: newest first, only endpoint's when not
	// empty, below record id before when not 0.
	AuditPage(user uint64, endpoint string, before uint64, limit int) ([]metering.AuditRecord, error)
	// AuditExport is GET /v1/audit/export of the account's records, only
	// endpoint's when not empty, as format (csv or ndjson); started says
	// whether anything was written before an error.
	AuditExport(w http.ResponseWriter, user uint64, endpoint, format string) (started bool, err error)
	// WorkflowsOf is GET /v1/workflows.
	WorkflowsOf(ctx context.Context, user uint64, limit int) (handlers.WorkflowList, error)
	// AgentRun is GET /v1/agents/runs/{id}: one of the account's runs.
	AgentRun(user, id uint64) (agents.Run, error)
	// Providers is GET /v1/providers.
	Providers() routing.Status
}

// LinkMailer emails a sign-in link to a user, through the SMTP connector,
// recording the message in the account's outbox without the link (a live
// link in the database would sign anyone in). Nil when no SMTP connector
// is configured: the sign-in page then offers no email.
type LinkMailer interface {
	SendSignInLink(ctx context.Context, user accounts.User, link string, expires time.Time) error
}

// Users finds the account an email address belongs to, for a sign-in link
// asked for by email.
type Users interface {
	Users() ([]accounts.User, error)
}

// Operator is what the operator console shows and changes, through the
// same code as the admin API.
type Operator interface {
	// Users lists every account with its 30-day spending.
	Users() ([]OperatorUser, error)
	// User is one account (accounts.ErrUserNotFound when there is none).
	User(id uint64) (*accounts.User, error)
	// CreateUser is POST /kaine/users, tier checked against the config.
	CreateUser(username, email, tier string) (accounts.User, error)
	// SetTier is PATCH /kaine/users/{id}.
	SetTier(id uint64, tier string) (accounts.User, error)
	// Tiers are the configured tier names, sorted.
	Tiers() []string
	// LoginLink is POST /kaine/users/{id}/login-link: a one-time sign-in
	// URL for the user.
	LoginLink(user uint64) (url string, expires time.Time, err error)
	// EndSignIns is DELETE /kaine/users/{id}/sessions: every session of
	// the user ends, and its unused links stop working.
	EndSignIns(user uint64) (ended int, err error)
	// Providers is the providers and their breakers (GET /v1/providers).
	Providers() routing.Status
	// Health is the audit writer's queue and the database's size.
	Health() Health
}

// OperatorUser is an account as the console lists it.
type OperatorUser struct {
	accounts.User
	Spent30d handlers.UsageStatus
}

// Health is the gateway's own state the console shows.
type Health struct {
	// AuditQueue is how many audit records wait for their commit, of
	// AuditQueueSize.
	AuditQueue, AuditQueueSize int
	// DatabaseBytes is the bbolt file's size.
	DatabaseBytes int64
}
