// Package caddymodule is the Caddy glue of Kaine: the kaine app (global
// options), the kaine HTTP handler, the admin API routes and the CLI
// subcommands. It is the only package that imports Caddy; everything it
// serves is built from the plain packages (accounts, handlers).
package caddymodule

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/agenttools"
	"github.com/keinetech/kaine/dashboard"
	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/landing"
	"github.com/keinetech/kaine/routing"
)

func init() {
	caddy.RegisterModule(new(App))
}

// App is the kaine app: storage, tiers and providers, shared by the kaine
// handler and the admin API. It is configured by the `kaine` global option.
type App struct {
	// Storage is the bbolt database file. Default: kaine-data/kaine.db.
	Storage string `json:"storage,omitempty"`
	// FilesDir is where generated files (landing pages) are written and
	// served from at /files/. Default: kaine-data/files.
	FilesDir string `json:"files_dir,omitempty"`
	// PublicURL is this gateway's address as clients see it, used to build
	// the URLs in answers. Default: http://localhost:8080.
	PublicURL string `json:"public_url,omitempty"`
	// DocsURL goes into the "docs" field of every error. Default:
	// https://keine.tech/api-docs.
	DocsURL string `json:"docs_url,omitempty"`
	// Tiers maps a tier name to its cap and rate. The contract's four tiers
	// (starter, pro, agency, developer) exist unless overridden here.
	Tiers map[string]Tier `json:"tiers,omitempty"`
	// AuditRetention is how long audit records are kept; older ones are
	// deleted hourly. Default: 90d.
	AuditRetention caddy.Duration `json:"audit_retention,omitempty"`
	// AuditFlushInterval is the longest an audit record waits for its
	// batch's commit: what a crash can lose. Default: 250ms. Each commit
	// costs about a millisecond of CPU whatever its size (mostly the
	// kernel's fdatasync); 4 a second keep it under 0.5% of a core, out of
	// the requests' p99.
	AuditFlushInterval caddy.Duration `json:"audit_flush_interval,omitempty"`
	// Providers maps a provider name to its upstream. anthropic, google and
	// openai always exist, with keys from ANTHROPIC_API_KEY, GEMINI_API_KEY
	// and OPENAI_API_KEY unless set here.
	Providers map[string]Provider `json:"providers,omitempty"`
	// Models changes entries of the model table or adds some, by alias.
	Models map[string]ModelConfig `json:"models,omitempty"`
	// Routing sets how "auto" picks models, the BYOK fee and the breakers.
	Routing *Routing `json:"routing,omitempty"`
	// Videos configures the video providers by name (higgsfield, runway,
	// kling, fal); POST /v1/videos offers those with a key.
	Videos map[string]VideoProvider `json:"videos,omitempty"`
	// N8N is the n8n instance whose runs /v1/workflows lists (optional).
	N8N *N8N `json:"n8n,omitempty"`
	// Agents adds to the agent catalog and configures the connectors of
	// the agents' outbound tools (optional).
	Agents *Agents `json:"agents,omitempty"`
	// PassthroughMaxBody bounds a drop-in request's body, in bytes.
	// Default: 10 MiB.
	PassthroughMaxBody int64 `json:"passthrough_max_body,omitempty"`
	// Dashboard is where the dashboard is served on every site with the
	// kaine directive, a path like /dashboard/ (its default), or "off".
	Dashboard string `json:"dashboard,omitempty"`
	// Console is where the operator console listens, a loopback host:port
	// like localhost:2020. Default: off. It creates users and hands out
	// sign-in links with no sign-in of its own: its address is its guard.
	Console string `json:"console,omitempty"`
	// Fleet, when set, shares keys, rate limits and caps with every
	// gateway that names the same Redis (optional).
	Fleet *Fleet `json:"fleet,omitempty"`
	// ModelListInterval is how often each configured provider's model list
	// is read, to show in /v1/providers the served models without a price
	// and the priced ones no longer served. Negative: never. Default: 6h.
	ModelListInterval caddy.Duration `json:"model_list_interval,omitempty"`

	storagePath  string
	providerKeys map[string]string // resolved secrets; never logged or serialized
	runtime      *runtime
	// fleet is the fleet's shared state (nil: this instance's own), held
	// in the fleets pool under fleetKey.
	fleet    *fleetState
	fleetKey string
	// home forwards the business data's endpoints to the fleet's home
	// instance (nil: served here).
	home   http.Handler
	api    *handlers.API
	router *handlers.Router
	logger *zap.Logger
	ctx    caddy.Context
	// stopFollowing ends this config's follower of video jobs, and
	// followed is closed when it has.
	stopFollowing context.CancelFunc
	followed      chan struct{}
	// stopListing ends this config's reader of model lists, and listed is
	// closed when it has.
	stopListing context.CancelFunc
	listed      chan struct{}
	llm         *routing.Router
	// mailer is the SMTP connector (nil: none); dashboard is nil when off;
	// console is the operator console on the admin endpoint.
	mailer    agenttools.Mailer
	dashboard *dashboard.Dashboard
	console   http.Handler
	// consoleServer is the console listener this config took in Start,
	// serving consoleHandler, which replaced consolePrevious.
	consoleServer                   *consoleServer
	consoleHandler, consolePrevious *http.Handler
}

// CaddyModule returns the Caddy module information.
func (*App) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "kaine", New: func() caddy.Module { return new(App) }}
}

const (
	defaultAuditRetention     = 90 * 24 * time.Hour
	defaultAuditFlushInterval = 250 * time.Millisecond
	maxAuditFlushInterval     = 10 * time.Second
)

// Provision fills defaults, resolves provider keys and takes a reference to
// the shared runtime, so everything a request needs is ready when it returns.
func (a *App) Provision(ctx caddy.Context) error {
	a.logger = ctx.Logger()
	a.ctx = ctx
	if a.Storage == "" {
		a.Storage = filepath.Join("kaine-data", "kaine.db")
	}
	if a.FilesDir == "" {
		a.FilesDir = filepath.Join("kaine-data", "files")
	}
	if a.PublicURL == "" {
		a.PublicURL = "http://localhost:8080"
	}
	a.PublicURL = strings.TrimRight(a.PublicURL, "/")
	if a.DocsURL == "" {
		a.DocsURL = "https://keine.tech/api-docs"
	}
	if a.AuditRetention == 0 {
		a.AuditRetention = caddy.Duration(defaultAuditRetention)
	}
	if a.AuditFlushInterval == 0 {
		a.AuditFlushInterval = caddy.Duration(defaultAuditFlushInterval)
	}
	tiers := defaultTiers()
	for name, t := range a.Tiers {
		tiers[name] = t
	}
	a.Tiers = tiers
	if err := a.provisionProviders(); err != nil {
		return err
	}
	if err := a.resolveSettings(caddy.NewReplacer()); err != nil {
		return err
	}
	path, err := filepath.Abs(a.Storage)
	if err != nil {
		return fmt.Errorf("resolving storage path %q: %w", a.Storage, err)
	}
	a.storagePath = path
	rt, err := acquireRuntime(path, a.logger)
	if err != nil {
		return fmt.Errorf("loading storage: %w", err)
	}
	a.runtime = rt
	if a.Fleet != nil {
		if a.fleet, a.fleetKey, err = acquireFleet(a.Fleet, a.logger); err != nil {
			return fmt.Errorf("connecting to the fleet: %w", err)
		}
	}
	rt.resumeVideoHolds(a.usageLedger())
	if err := registerMetrics(ctx.GetMetricsRegistry()); err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}
	llm, err := a.newRouter()
	if err != nil {
		return err
	}
	a.llm = llm
	repl := caddy.NewReplacer()
	videoProviders, err := a.videoProviders(repl)
	if err != nil {
		return err
	}
	n8n, n8nAccounts := a.n8nRuns(repl)
	dropIns, err := a.dropIns(llm)
	if err != nil {
		return err
	}
	catalog, err := a.Agents.catalog()
	if err != nil {
		return err
	}
	a.api = &handlers.API{
		LLM:            llm,
		DropIns:        dropIns,
		FrontMaxBody:   a.passthroughMaxBody(),
		Unmetered:      countUnmetered,
		UnpricedServed: countUnpricedServed,
		Errors:         handlers.Errors{DocsURL: a.DocsURL, OnInternal: a.internalError},
		Auth:           a.accountStore(),
		Users:          a.accountStore(),
		Limiter:        a.limiter(),
		Admitter:       a.admitter(),
		Ledger:         a.usageLedger(),
		Audit:          a.auditLog(),
		AuditRecorder:  a.auditLog(),
		Leads:          rt.leads,
		Videos:         videoProviders,
		VideoJobs:      rt.videoJobs,
		VideoHolds:     rt.videoHolds,
		N8NAccounts:    n8nAccounts,
		Files:          os.DirFS(a.FilesDir),
		Pages:          landing.Dir{Path: a.FilesDir},
		PublicURL:      a.PublicURL,
		Tiers:          meteringTiers(a.Tiers),
		Agents:         catalog,
		AgentRunner:    rt.agentRunner,
		AgentRuns:      rt.agentRuns,
		Outbox:         rt.outbox,
		Knowledge:      rt.knowledge,
		RequestIDs:     rt.requestIDs,
	}
	if n8n != nil {
		a.api.N8N = n8n
	}
	if a.api.AgentTools, err = a.newAgentTools(repl, n8n); err != nil {
		return err
	}
	if err := a.provisionDashboard(); err != nil {
		return err
	}
	if a.Fleet != nil {
		home, err := a.Fleet.home(caddy.NewReplacer())
		if err != nil {
			return err
		}
		if home != "" {
			if a.home, err = homeProxy(home, a.api.Errors, a.runtime.httpClient("fleet home", home).Transport, a.logger); err != nil {
				return fmt.Errorf("fleet home: %w", err)
			}
		}
	}
	a.router = handlers.NewRouter(a.api.Routes())
	return nil
}

func (a *App) provisionProviders() error {
	providers := make(map[string]Provider, len(knownProviders)+len(a.Providers))
	for name, p := range knownProviders {
		providers[name] = p
	}
	for name, p := range a.Providers {
		if known, ok := knownProviders[name]; ok && p.APIKey == "" {
			p.APIKey = known.APIKey
		}
		providers[name] = p
	}
	repl := caddy.NewReplacer()
	a.providerKeys = make(map[string]string, len(providers))
	for name, p := range providers {
		resolved := p.resolved(repl)
		if p.BaseURL != "" && resolved.BaseURL == "" {
			// Unset, the default would send the traffic to the provider's
			// public API past the proxy or server the operator meant.
			return fmt.Errorf("provider %s: base_url %q resolved to nothing: is the variable set?", name, p.BaseURL)
		}
		p = resolved.withDefaults(name)
		if err := p.validate(name); err != nil {
			return err
		}
		providers[name] = p
		a.providerKeys[name] = repl.ReplaceAll(p.APIKey, "")
	}
	a.Providers = providers
	return nil
}

// newRouter builds this config's router over the runtime's breakers and
// connection pools.
func (a *App) newRouter() (*routing.Router, error) {
	table, err := a.modelTable()
	if err != nil {
		return nil, err
	}
	var providers []routing.ProviderConfig
	for _, name := range sortedKeys(a.Providers) {
		p := a.Providers[name]
		client, err := newClient(p, a.runtime.httpClient(name, p.BaseURL))
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", name, err)
		}
		unpriced, err := p.unpriced(table)
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", name, err)
		}
		providers = append(providers, routing.ProviderConfig{Name: name, Protocol: p.Protocol, Upstream: p.BaseURL, Client: client,
			Key: a.providerKeys[name], Keyless: a.keyless(name), Timeout: time.Duration(p.Timeout), Unpriced: unpriced})
	}
	r, err := routing.New(routing.Options{Providers: providers, Table: table, Rules: a.Routing.rules(),
		BYOKFee: a.Routing.byokFee(), Breakers: a.runtime.breakers, Breaker: a.Routing.breaker(), Observer: metricsObserver{}})
	if err != nil {
		return nil, fmt.Errorf("routing: %w", err)
	}
	return r, nil
}

// keyless reports whether a provider is meant to be called without a key:
// one the operator added with no api_key at all (a local server). A key
// written as a placeholder that resolves empty is a missing key.
func (a *App) keyless(name string) bool {
	_, builtIn := knownProviders[name]
	return !builtIn && a.Providers[name].APIKey == ""
}

// Validate checks the config; it changes nothing.
func (a *App) Validate() error {
	if _, err := url.ParseRequestURI(a.PublicURL); err != nil {
		return fmt.Errorf("public_url %q: %w", a.PublicURL, err)
	}
	if a.AuditRetention <= 0 {
		return fmt.Errorf("audit_retention must be positive")
	}
	if a.AuditFlushInterval <= 0 || time.Duration(a.AuditFlushInterval) > maxAuditFlushInterval {
		return fmt.Errorf("audit_flush_interval must be above 0 and at most %s", maxAuditFlushInterval)
	}
	routes := make([]string, 0, len(a.Providers))
	for name := range a.Providers {
		routes = append(routes, "/"+name+"/") // the drop-in route
	}
	if err := validDashboardPath(a.Dashboard, routes); err != nil {
		return err
	}
	if err := validConsoleAddress(a.Console); err != nil {
		return err
	}
	if a.Fleet != nil {
		if err := a.Fleet.validate(); err != nil {
			return err
		}
	}
	if err := validPassthroughMaxBody(a.PassthroughMaxBody); err != nil {
		return err
	}
	if err := a.Routing.validate(); err != nil {
		return err
	}
	if i := time.Duration(a.ModelListInterval); i > 0 && i < minModelListInterval {
		return fmt.Errorf("model_list_interval must be at least %s (or negative: never)", minModelListInterval)
	}
	for name, t := range a.Tiers {
		if err := validateTier(name, t); err != nil {
			return err
		}
	}
	for name, p := range a.Providers {
		if err := p.validate(name); err != nil {
			return err
		}
	}
	for name, v := range a.Videos {
		if err := v.validate(name); err != nil {
			return err
		}
	}
	if err := a.Agents.validate(); err != nil {
		return err
	}
	return a.N8N.validate()
}

// internalError logs a fault of Kaine's own, once, with the request it
// failed (none for work no request does), and counts it.
func (a *App) internalError(requestID string, err error) {
	internalErrors.Inc()
	a.logger.Error("internal error", zap.String("request_id", requestID), zap.Error(err))
}

// Start logs what this config serves. Background work belongs to the
// runtime, which is already running: apps start in random order and the
// HTTP server may take requests before this is called.
func (a *App) Start() error {
	// Set here, not in Provision: a config that fails validation must not
	// change the shared runtime (a bad retention would sweep the audit log).
	a.runtime.retention.Store(int64(a.AuditRetention))
	a.auditLog().SetFlushInterval(time.Duration(a.AuditFlushInterval))
	var runSlots agents.Slots // this instance's count of agent runs, or the fleet's
	if a.fleet != nil {
		a.fleet.audit.SetRetention(time.Duration(a.AuditRetention))
		runSlots = a.fleet.runSlots
	}
	a.runtime.agentRunner.ShareSlots(runSlots)
	a.runtime.asyncAudit.Store(&auditSink{a.auditLog()})
	var configured []string
	for name, key := range a.providerKeys {
		if key != "" {
			configured = append(configured, name)
		}
	}
	sort.Strings(configured)
	a.logger.Info("kaine started",
		zap.String("storage", a.storagePath),
		zap.Strings("providers_configured", configured),
		zap.Int("tiers", len(a.Tiers)))
	a.warnAboutLoggedKeys()
	a.followVideos()
	a.watchModelLists(a.llm)
	a.startConsole()
	return nil
}

// videoFollowInterval is how often unfinished video jobs are polled, so
// they end (and their reservations with them) even if nobody asks.
const videoFollowInterval = 30 * time.Second

// followVideos polls unfinished video jobs until this config stops and,
// in a fleet, renews their holds on the cap three times a lease: a job
// may run longer than one.
func (a *App) followVideos() {
	if len(a.api.Videos) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.stopFollowing, a.followed = cancel, make(chan struct{})
	go func() {
		defer close(a.followed)
		tick := time.NewTicker(videoFollowInterval)
		defer tick.Stop()
		var renew <-chan time.Time
		if a.fleet != nil {
			renewTick := time.NewTicker(a.Fleet.lease() / 3)
			defer renewTick.Stop()
			renew = renewTick.C
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				a.api.FollowVideos(ctx)
			case <-renew:
				if err := a.runtime.videoHolds.Renew(a.fleet.ledger); err != nil {
					a.logger.Warn("renewing the holds of video jobs; retried at the next renewal", zap.Error(err))
				}
			}
		}
	}()
}

// Stop writes what is pending, on every reload and at exit; the storage
// itself stays open for requests still running and for the next config.
func (a *App) Stop() error {
	a.stopConsole()
	if a.stopListing != nil {
		a.stopListing()
		<-a.listed
	}
	if a.stopFollowing != nil {
		// Waited for: a job it is ending must settle before the runtime's
		// last flush.
		a.stopFollowing()
		<-a.followed
	}
	a.runtime.flush()
	a.auditLog().Flush()
	return nil
}

// Cleanup releases the runtime reference Provision took.
func (a *App) Cleanup() error {
	// The runtime first: the agent runs it cancels at its end are
	// audited in the fleet's log, which must still be open.
	var errs []error
	if a.runtime != nil {
		if err := releaseRuntime(a.storagePath); err != nil {
			errs = append(errs, fmt.Errorf("releasing storage: %w", err))
		}
	}
	if a.fleet != nil {
		if err := releaseFleet(a.fleetKey); err != nil {
			errs = append(errs, fmt.Errorf("releasing the fleet store: %w", err))
		}
	}
	return errors.Join(errs...)
}

// hasTier reports whether name is a configured tier.
func (a *App) hasTier(name string) bool {
	_, ok := a.Tiers[name]
	return ok
}

// tierNames lists the configured tiers, sorted.
func (a *App) tierNames() []string {
	names := make([]string, 0, len(a.Tiers))
	for n := range a.Tiers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Interface guards
var (
	_ caddy.App          = (*App)(nil)
	_ caddy.Provisioner  = (*App)(nil)
	_ caddy.Validator    = (*App)(nil)
	_ caddy.CleanerUpper = (*App)(nil)
)
