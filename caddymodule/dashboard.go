package caddymodule

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/dashboard"
	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/routing"
)

const (
	// defaultDashboardPath is where the dashboard is served by default.
	defaultDashboardPath = "/dashboard/"
	// dashboardOff turns the dashboard off.
	dashboardOff = "off"
)

// dashboardPath is where this config serves the dashboard, "" when off.
func (a *App) dashboardPath() string {
	switch a.Dashboard {
	case "":
		return defaultDashboardPath
	case dashboardOff:
		return ""
	}
	return a.Dashboard
}

// validDashboardPath accepts off or a path the gateway's other routes do
// not take: /v1/, /files/ and the drop-in routes of the providers.
func validDashboardPath(p string, providers []string) error {
	if p == "" || p == dashboardOff {
		return nil
	}
	if err := dashboard.ValidPrefix(p); err != nil || p == "/" {
		return fmt.Errorf("dashboard %q must be off or a path like /dashboard/", p)
	}
	taken := append([]string{"/v1/", "/files/"}, providers...)
	for _, route := range taken {
		if strings.HasPrefix(p, route) || strings.HasPrefix(route, p) {
			return fmt.Errorf("dashboard %q would share %s with another of the gateway's routes; choose another path", p, route)
		}
	}
	return nil
}

// provisionDashboard builds the dashboard and the operator console over
// the same code the v1 endpoints and the admin API use.
func (a *App) provisionDashboard() error {
	a.console = nil
	account := dashboardAccount{api: a.api, rt: a.runtime, ledger: a.usageLedger(), audit: a.auditLog()}
	console, err := dashboard.NewConsole(dashboard.ConsoleOptions{Prefix: "/", Operator: operator{a}, OnError: a.pageError})
	if err != nil {
		return fmt.Errorf("dashboard console: %w", err)
	}
	a.console = console
	path := a.dashboardPath()
	if path == "" {
		return nil
	}
	var mailer dashboard.LinkMailer
	if a.mailer != nil {
		mailer = signInMailer{mailer: a.mailer, outbox: a.runtime.outbox}
	}
	d, err := dashboard.New(dashboard.Options{
		Prefix: path, PublicURL: a.PublicURL,
		Keys: a.accountStore(), SignIn: a.runtime.signin, Account: account, Users: a.accountStore(),
		Mailer: mailer, Limiter: &a.runtime.signinLimiter, ClientIP: clientIP, OnError: a.pageError,
	})
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	a.dashboard = d
	return nil
}

// pageError logs an internal error of a dashboard or console page.
func (a *App) pageError(r *http.Request, err error) {
	// The route's pattern, not the path: a sign-in link's path is its secret.
	a.logger.Error("dashboard", zap.String("route", r.Pattern), zap.Error(err))
}

// clientIP is the client Caddy determined (trusted proxies considered),
// else the connection's peer.
func clientIP(r *http.Request) string {
	if ip, ok := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ok && ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLink makes a one-time sign-in link for a user: the admin API's,
// the CLI's and the console's.
func (a *App) loginLink(user uint64) (string, time.Time, error) {
	if a.dashboard == nil {
		return "", time.Time{}, apiError(http.StatusConflict, "the dashboard is off in this config (dashboard off): there is nothing to sign in to")
	}
	if err := a.requireUser(user); err != nil {
		return "", time.Time{}, err
	}
	token, expires, err := a.runtime.signin.NewLink(user)
	if err != nil {
		return "", time.Time{}, caddy.APIError{HTTPStatus: http.StatusInternalServerError, Err: err}
	}
	return a.dashboard.LinkURL(token), expires, nil
}

// requireUser answers 404 for an account that does not exist.
func (a *App) requireUser(id uint64) error {
	if _, err := a.accountStore().User(id); err != nil {
		if errors.Is(err, accounts.ErrUserNotFound) {
			return apiError(http.StatusNotFound, err.Error())
		}
		return accountsError(err)
	}
	return nil
}

// endSignIns ends every dashboard session of a user and voids their links.
func (a *App) endSignIns(user uint64) (int, error) {
	if err := a.requireUser(user); err != nil {
		return 0, err
	}
	ended, err := a.runtime.signin.EndAll(user)
	if err != nil {
		return 0, caddy.APIError{HTTPStatus: http.StatusInternalServerError, Err: err}
	}
	return ended, nil
}

// dashboardAccount is what the pages read of an account, through the code
// the v1 endpoints use.
type dashboardAccount struct {
	api    *handlers.API
	rt     *runtime
	ledger usageLedger
	audit  auditLog
}

func (d dashboardAccount) UsageOf(user uint64) (handlers.UsageStatus, error) {
	return d.api.UsageOf(user)
}

func (d dashboardAccount) Daily(user uint64) ([]metering.DaySpend, error) {
	return d.ledger.Daily(user)
}

func (d dashboardAccount) Spend(user uint64, since time.Time) (metering.Breakdown, error) {
	return d.audit.Spend(user, since)
}

func (d dashboardAccount) AuditExport(w http.ResponseWriter, user uint64, endpoint, format string) (bool, error) {
	return handlers.ExportAudit(w, d.audit, user, metering.AuditFilter{Endpoint: endpoint}, format)
}

func (d dashboardAccount) AuditPage(user uint64, endpoint string, before uint64, limit int) ([]metering.AuditRecord, error) {
	records, _, err := d.audit.Page(user, metering.AuditFilter{Endpoint: endpoint}, before, limit)
	return records, err
}

func (d dashboardAccount) WorkflowsOf(ctx context.Context, user uint64, limit int) (handlers.WorkflowList, error) {
	return d.api.WorkflowsOf(ctx, user, limit)
}

func (d dashboardAccount) AgentRun(user, id uint64) (agents.Run, error) {
	return d.rt.agentRuns.Get(user, id)
}

func (d dashboardAccount) Providers() routing.Status { return d.api.LLM.Status() }

// operator is what the console shows and changes, through the admin API's
// own code.
type operator struct{ a *App }

func (o operator) Users() ([]dashboard.OperatorUser, error) {
	users, err := o.a.accountStore().Users()
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	out := make([]dashboard.OperatorUser, len(users))
	for i, u := range users {
		usage, err := o.a.api.UsageOf(u.ID)
		if err != nil {
			return nil, err
		}
		out[i] = dashboard.OperatorUser{User: u, Spent30d: usage}
	}
	return out, nil
}

func (o operator) CreateUser(username, email, tier string) (accounts.User, error) {
	if err := o.a.checkTier(tier); err != nil {
		return accounts.User{}, dashboard.InputError(err)
	}
	return o.a.accountStore().CreateUser(username, email, tier)
}

func (o operator) SetTier(id uint64, tier string) (accounts.User, error) {
	if err := o.a.checkTier(tier); err != nil {
		return accounts.User{}, dashboard.InputError(err)
	}
	return o.a.accountStore().SetTier(id, tier)
}

func (o operator) User(id uint64) (*accounts.User, error) { return o.a.accountStore().User(id) }

func (o operator) Tiers() []string { return o.a.tierNames() }

func (o operator) LoginLink(user uint64) (string, time.Time, error) {
	link, expires, err := o.a.loginLink(user)
	return link, expires, consoleError(err)
}

func (o operator) EndSignIns(user uint64) (int, error) {
	n, err := o.a.endSignIns(user)
	return n, consoleError(err)
}

// consoleError turns an admin API answer of the operator's making into
// one the console shows.
func consoleError(err error) error {
	var apiErr caddy.APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatus < 500 {
		return dashboard.InputError(errors.New(apiErr.Message))
	}
	return err
}

func (o operator) Providers() routing.Status { return o.a.api.LLM.Status() }

func (o operator) Health() dashboard.Health {
	h := dashboard.Health{}
	h.AuditQueue, h.AuditQueueSize = o.a.auditLog().Pending()
	if fi, err := os.Stat(o.a.storagePath); err == nil {
		h.DatabaseBytes = fi.Size()
	}
	return h
}
