package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/routing"
	"github.com/keinetech/kaine/signin"
)

// The dashboard under test runs over real accounts and sign-in stores in
// a temp bbolt file, and in-memory fakes of what the v1 endpoints read.

var testNow = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

type harness struct {
	t        *testing.T
	d        *Dashboard
	srv      *httptest.Server
	accounts *accounts.Store
	signIn   *signin.Store
	account  *fakeAccount
	mailer   *fakeMailer
	errs     *errorLog
	alice    accounts.User
	bob      accounts.User
}

type harnessOptions struct {
	tls              bool
	noMailer         bool
	signInsPerMinute int
	// publicURL is the dashboard's; default https://gw.example.
	publicURL string
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "kaine.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := func() time.Time { return testNow }
	store, err := accounts.Open(db, accounts.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sessions, err := signin.Open(db, signin.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, accounts: store, signIn: sessions, account: newFakeAccount(), mailer: &fakeMailer{}, errs: &errorLog{}}
	if h.alice, err = store.CreateUser("alice", "Alice@Example.com", "pro"); err != nil {
		t.Fatal(err)
	}
	if h.bob, err = store.CreateUser("bob", "bob@example.com", "starter"); err != nil {
		t.Fatal(err)
	}
	if o.publicURL == "" {
		o.publicURL = "https://gw.example"
	}
	opts := Options{
		PublicURL: o.publicURL, Keys: store, SignIn: sessions, Account: h.account, Users: store,
		Mailer: h.mailer, Limiter: &metering.RateLimiter{}, SignInsPerMinute: o.signInsPerMinute,
		OnError: h.errs.record, Now: clock,
	}
	if o.noMailer {
		opts.Mailer = nil
	}
	if h.d, err = New(opts); err != nil {
		t.Fatal(err)
	}
	h.d.background = func(f func()) { f() } // mail before the answer, so tests see it
	if o.tls {
		h.srv = httptest.NewTLSServer(h.d)
	} else {
		h.srv = httptest.NewServer(h.d)
	}
	t.Cleanup(h.srv.Close)
	return h
}

// browser is a visitor of the dashboard.
func (h *harness) browser() *browser { return newBrowser(h.t, h.srv, "/dashboard/") }

// signedIn is a browser signed in as a user, by a link, as a person would.
func (h *harness) signedIn(u accounts.User) *browser {
	h.t.Helper()
	token, _, err := h.signIn.NewLink(u.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	b := h.browser()
	form := b.get("signin/" + token).form()
	if p := b.post("signin/"+token, form); p.status != http.StatusSeeOther {
		h.t.Fatalf("signing in: %d %s", p.status, p.body)
	}
	return b
}

// browser is a visitor with its own cookies, following no redirect.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, srv *httptest.Server, prefix string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := *srv.Client()
	client.Jar = jar
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, base: srv.URL + prefix, client: &client}
}

type page struct {
	t      *testing.T
	status int
	header http.Header
	body   string
}

func (b *browser) get(path string) page {
	b.t.Helper()
	return b.do(http.NewRequest(http.MethodGet, b.base+path, nil))
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.do(req, err)
}

func (b *browser) do(req *http.Request, err error) page {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{t: b.t, status: resp.StatusCode, header: resp.Header, body: string(body)}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// form is the page's CSRF token as a form to post, with extra fields.
func (p page) form(fields ...string) url.Values {
	p.t.Helper()
	m := csrfInput.FindStringSubmatch(p.body)
	if m == nil {
		p.t.Fatalf("no CSRF field in the page (%d):\n%s", p.status, p.body)
	}
	v := url.Values{csrfField: {m[1]}}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Add(fields[i], fields[i+1])
	}
	return v
}

// cookie is the Set-Cookie of that name.
func (p page) cookie(name string) *http.Cookie {
	p.t.Helper()
	for _, line := range p.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			p.t.Fatal(err)
		}
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (p page) want(status int, texts ...string) {
	p.t.Helper()
	if p.status != status {
		p.t.Fatalf("status %d, want %d:\n%s", p.status, status, p.body)
	}
	for _, text := range texts {
		if !strings.Contains(p.body, text) {
			p.t.Fatalf("the page lacks %q:\n%s", text, p.body)
		}
	}
}

func (p page) redirects(to string) {
	p.t.Helper()
	if p.status != http.StatusSeeOther || p.header.Get("Location") != to {
		p.t.Fatalf("got %d to %q, want 303 to %q", p.status, p.header.Get("Location"), to)
	}
}

// errorLog keeps what OnError was told.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) record(_ *http.Request, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errs)
}

// fakeMailer keeps the links it was asked to send.
type fakeMailer struct {
	mu   sync.Mutex
	sent []sentLink
	fail error
}

type sentLink struct {
	user accounts.User
	link string
}

func (m *fakeMailer) SendSignInLink(_ context.Context, u accounts.User, link string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.sent = append(m.sent, sentLink{user: u, link: link})
	return nil
}

func (m *fakeMailer) links() []sentLink {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sent)
}

// fakeAccount answers as the v1 endpoints would, from fixed data.
type fakeAccount struct {
	usage     map[uint64]handlers.UsageStatus
	daily     map[uint64][]metering.DaySpend
	spend     map[uint64]metering.Breakdown
	audit     []metering.AuditRecord // ids ascending
	workflows map[uint64]handlers.WorkflowList
	runs      map[[2]uint64]agents.Run // account, id
	status    routing.Status
}

func newFakeAccount() *fakeAccount {
	return &fakeAccount{
		usage: map[uint64]handlers.UsageStatus{}, daily: map[uint64][]metering.DaySpend{},
		spend: map[uint64]metering.Breakdown{}, workflows: map[uint64]handlers.WorkflowList{},
		runs: map[[2]uint64]agents.Run{},
	}
}

func (f *fakeAccount) UsageOf(user uint64) (handlers.UsageStatus, error) { return f.usage[user], nil }

func (f *fakeAccount) Daily(user uint64) ([]metering.DaySpend, error) { return f.daily[user], nil }

func (f *fakeAccount) Spend(user uint64, _ time.Time) (metering.Breakdown, error) {
	return f.spend[user], nil
}

func (f *fakeAccount) AuditExport(w http.ResponseWriter, user uint64, endpoint, format string) (bool, error) {
	return handlers.ExportAudit(w, fakeAuditLog{f}, user, metering.AuditFilter{Endpoint: endpoint}, format)
}

// fakeAuditLog lists a fakeAccount's records as the audit log's Page does.
type fakeAuditLog struct{ account *fakeAccount }

func (fakeAuditLog) Verify(uint64, time.Time) (metering.AuditVerification, error) {
	return metering.AuditVerification{OK: true}, nil
}

func (l fakeAuditLog) Query(user uint64, endpoint string, limit int) ([]metering.AuditRecord, error) {
	return l.account.AuditPage(user, endpoint, 0, limit)
}

func (l fakeAuditLog) Page(user uint64, f metering.AuditFilter, before uint64, limit int) ([]metering.AuditRecord, uint64, error) {
	records, err := l.account.AuditPage(user, f.Endpoint, before, limit)
	var next uint64
	if len(records) == limit {
		next = records[limit-1].ID
	}
	return records, next, err
}

func (f *fakeAccount) AuditPage(user uint64, endpoint string, before uint64, limit int) ([]metering.AuditRecord, error) {
	var out []metering.AuditRecord
	for _, rec := range slices.Backward(f.audit) {
		if rec.UserID == user && (endpoint == "" || rec.Endpoint == endpoint) && (before == 0 || rec.ID < before) && len(out) < limit {
			out = append(out, rec)
		}
	}
	return out, nil
}

func (f *fakeAccount) WorkflowsOf(_ context.Context, user uint64, _ int) (handlers.WorkflowList, error) {
	return f.workflows[user], nil
}

func (f *fakeAccount) AgentRun(user, id uint64) (agents.Run, error) {
	run, ok := f.runs[[2]uint64{user, id}]
	if !ok {
		return agents.Run{}, fmt.Errorf("run %d: %w", id, agents.ErrNotFound)
	}
	return run, nil
}

func (f *fakeAccount) Providers() routing.Status { return f.status }

// fakeOperator is the admin API's code, in memory.
type fakeOperator struct {
	mu     sync.Mutex
	users  []OperatorUser
	links  int
	ended  []uint64
	broken error // Users fails with it when set
}

var testTiers = []string{"agency", "developer", "pro", "starter"}

func (o *fakeOperator) Users() ([]OperatorUser, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.broken != nil {
		return nil, o.broken
	}
	return slices.Clone(o.users), nil
}

func (o *fakeOperator) User(id uint64) (*accounts.User, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.broken != nil {
		return nil, o.broken
	}
	for _, u := range o.users {
		if u.ID == id {
			return &u.User, nil
		}
	}
	return nil, accounts.ErrUserNotFound
}

func (o *fakeOperator) CreateUser(username, email, tier string) (accounts.User, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !slices.Contains(testTiers, tier) {
		return accounts.User{}, InputError(fmt.Errorf("unknown tier %q", tier))
	}
	if slices.ContainsFunc(o.users, func(u OperatorUser) bool { return u.Username == username }) {
		return accounts.User{}, fmt.Errorf("creating user: %w: %q", accounts.ErrUsernameTaken, username)
	}
	u := accounts.User{ID: uint64(len(o.users) + 1), Username: username, Email: email, Tier: tier}
	o.users = append(o.users, OperatorUser{User: u, Spent30d: handlers.UsageStatus{Tier: tier}})
	return u, nil
}

func (o *fakeOperator) SetTier(id uint64, tier string) (accounts.User, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !slices.Contains(testTiers, tier) {
		return accounts.User{}, InputError(fmt.Errorf("unknown tier %q", tier))
	}
	for i := range o.users {
		if o.users[i].ID == id {
			o.users[i].Tier = tier
			return o.users[i].User, nil
		}
	}
	return accounts.User{}, InputError(errors.New("user not found"))
}

func (o *fakeOperator) Tiers() []string { return testTiers }

func (o *fakeOperator) LoginLink(user uint64) (string, time.Time, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.links++
	return fmt.Sprintf("https://gw.example/dashboard/signin/token-%d-%d", user, o.links), testNow.Add(15 * time.Minute), nil
}

func (o *fakeOperator) EndSignIns(user uint64) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ended = append(o.ended, user)
	return 2, nil
}

func (o *fakeOperator) Providers() routing.Status { return testStatus() }

func (o *fakeOperator) Health() Health {
	return Health{AuditQueue: 3, AuditQueueSize: 8192, DatabaseBytes: 5 << 20}
}

func (o *fakeOperator) userByName(name string) (OperatorUser, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	i := slices.IndexFunc(o.users, func(u OperatorUser) bool { return u.Username == name })
	if i < 0 {
		return OperatorUser{}, false
	}
	return o.users[i], true
}

// testStatus is two providers: one serving, one whose breaker opened.
func testStatus() routing.Status {
	return routing.Status{
		Providers: []routing.ProviderStatus{
			{Name: "anthropic", Protocol: "anthropic", Configured: true, Available: true, Breaker: "closed", Unpriced: "refuse",
				Models: []routing.ModelStatus{
					{ID: "claude-sonnet-5", Aliases: []string{"sonnet"}, Input: 3_000_000, Output: 15_000_000, CacheRead: 300_000},
					{ID: "claude-haiku-4", Input: 800_000, Output: 4_000_000, Retires: "2027-01-31", Replacement: "claude-haiku-5"},
				},
				LiveModels: &routing.LiveModels{CheckedAt: testNow, Unpriced: []string{"claude-new-preview"}},
			},
			{Name: "openai", Protocol: "openai", Configured: true, Available: false, Breaker: "open", Unpriced: "price_as gpt-6",
				Models: []routing.ModelStatus{{ID: "gpt-6", Input: 1_250_000, Output: 10_000_000}}},
		},
		Routing: routing.RoutingStatus{
			Auto: "auto explained", CheapTasks: []string{"classify", "extract"},
			CheapRoute:   []routing.RouteStep{{Model: "claude-haiku-4", Provider: "anthropic", Available: true}},
			DefaultRoute: []routing.RouteStep{{Model: "gpt-6", Provider: "openai"}, {Model: "sonnet", Provider: "anthropic", Available: true}},
		},
	}
}

// consoleHarness is the console over a fakeOperator.
type consoleHarness struct {
	op   *fakeOperator
	errs *errorLog
	srv  *httptest.Server
}

func newConsoleHarness(t *testing.T) *consoleHarness {
	t.Helper()
	c := &consoleHarness{op: &fakeOperator{}, errs: &errorLog{}}
	handler, err := NewConsole(ConsoleOptions{Prefix: "/kaine/console/", Operator: c.op, OnError: c.errs.record, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	c.srv = httptest.NewServer(handler)
	t.Cleanup(c.srv.Close)
	return c
}

func (c *consoleHarness) browser(t *testing.T) *browser {
	return newBrowser(t, c.srv, "/kaine/console/")
}

// keyOf finds a user's key by name in the store.
func (h *harness) keyOf(u accounts.User, name string) accounts.Key {
	h.t.Helper()
	keys, err := h.accounts.Keys(u.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	i := slices.IndexFunc(keys, func(k accounts.Key) bool { return k.Name == name })
	if i < 0 {
		h.t.Fatalf("%s has no key %q", u.Username, name)
	}
	return keys[i]
}
