package caddymodule

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
	"go.uber.org/zap"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/internal/boltmem"
	"github.com/keinetech/kaine/knowledge"
	"github.com/keinetech/kaine/leads"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/outbox"
	"github.com/keinetech/kaine/routing"
	"github.com/keinetech/kaine/signin"
	"github.com/keinetech/kaine/videos"
)

// runtimes holds one runtime per storage file. A reload provisions the new
// config before the old one is cleaned up, so both share the open bbolt
// handle through this pool instead of deadlocking on its file lock.
var runtimes = caddy.NewUsagePool()

// flushInterval bounds what batched bookkeeping (key last-used times, the
// usage ledger) a crash can lose: at most this much of the latest changes.
const flushInterval = time.Second

// unmapInterval is how often bbolt's mapped pages are dropped from the
// process (see boltmem), so RSS stays the working set of the last seconds
// rather than every page the database ever read.
const unmapInterval = 10 * time.Second

// runtime is the state that outlives a config: the database, the stores and
// their background work. Requests that started under an old config keep
// using it after a reload, so it closes only when the last config lets go.
type runtime struct {
	path     string
	db       *bolt.DB
	accounts *accounts.Store
	// limiter and ledger are this instance's own, which configs without a
	// fleet use.
	limiter *metering.RateLimiter
	ledger  *metering.Ledger
	audit   *metering.AuditLog
	leads   *leads.Store
	// videoJobs keeps video jobs, and videoHolds the cap reservations of
	// those under way, which outlive configs.
	videoJobs  *videos.Store
	videoHolds *handlers.VideoHolds
	// unfinishedVideos are the jobs a previous run left under way, held
	// again in the first config's ledger (this instance's or the fleet's).
	unfinishedVideos []videos.Job
	resumeVideos     sync.Once
	// agentRunner runs agents across reloads (a run keeps the model and
	// tools of the config it started under); agentRuns, outbox and
	// knowledge are the agents' stores.
	agentRunner *agents.Runner
	agentRuns   *agents.Store
	outbox      *outbox.Store
	knowledge   *knowledge.Store
	// retention is how long audit records are kept, in nanoseconds; the
	// latest config sets it.
	retention atomic.Int64
	// asyncAudit is where work that ends outside a request (an agent run)
	// is audited: the latest config's audit log, this instance's or the
	// fleet's.
	asyncAudit atomic.Pointer[auditSink]
	requestIDs *handlers.RequestIDs
	logger     *zap.Logger
	// breakers and the provider connection pools outlive configs: a reload
	// keeps an open breaker open and reuses warm connections.
	breakers    *routing.Breakers
	transportMu sync.Mutex
	transports  map[string]*http.Transport // provider name + base URL → pool
	// modelLists are the providers' model lists last read, by upstream.
	modelLists modelListCache
	// signin keeps the dashboard's sign-in links and sessions;
	// signinLimiter counts sign-in attempts per client.
	signin        *signin.Store
	signinLimiter metering.RateLimiter

	stop    chan struct{}
	stopped sync.WaitGroup
}

// acquireRuntime returns the runtime for path, opening it on first use.
// Every successful call must be paired with releaseRuntime(path).
func acquireRuntime(path string, logger *zap.Logger) (*runtime, error) {
	val, _, err := runtimes.LoadOrNew(path, func() (caddy.Destructor, error) {
		return openRuntime(path, logger)
	})
	if err != nil {
		return nil, err
	}
	return val.(*runtime), nil
}

func releaseRuntime(path string) error {
	_, err := runtimes.Delete(path)
	return err
}

func openRuntime(path string, logger *zap.Logger) (rt *runtime, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating storage directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("opening storage %s: the file is locked, usually by another running kaine; use 'kaine reload' to change a running one's config", path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening storage %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	rt = &runtime{path: path, db: db, limiter: new(metering.RateLimiter), logger: logger, stop: make(chan struct{}),
		breakers: routing.NewBreakers(breakerChanged), transports: map[string]*http.Transport{}}
	if rt.requestIDs, err = handlers.NewRequestIDs(); err != nil {
		return nil, fmt.Errorf("seeding request IDs: %w", err)
	}
	if rt.ledger, err = metering.OpenLedger(db, nil); err != nil {
		return nil, fmt.Errorf("opening storage %s: %w", path, err)
	}
	if rt.leads, err = leads.Open(db, nil); err != nil {
		return nil, fmt.Errorf("opening storage %s: %w", path, err)
	}
	if err = rt.openVideoJobs(); err != nil {
		return nil, fmt.Errorf("opening storage %s: %w", path, err)
	}
	if err = rt.openAgentStores(); err != nil {
		return nil, fmt.Errorf("opening storage %s: %w", path, err)
	}
	if rt.accounts, err = accounts.Open(db, accounts.Options{}); err != nil {
		return nil, fmt.Errorf("opening storage %s: %w", path, err)
	}
	if rt.signin, err = signin.Open(db, signin.Options{}); err != nil {
		rt.accounts.Close()
		return nil, fmt.Errorf("opening storage %s: %w", path, err)
	}
	rt.audit, err = metering.OpenAuditLog(db, metering.AuditOptions{OnError: func(err error) {
		logger.Error("audit log", zap.Error(err))
	}})
	if err != nil {
		rt.accounts.Close()
		return nil, fmt.Errorf("opening storage %s: %w", path, err)
	}
	rt.startAgentRunner()
	rt.stopped.Add(1)
	go rt.flushLoop()
	logger.Info("storage opened", zap.String("path", path))
	return rt, nil
}

// flushLoop writes batched bookkeeping on a timer until Destruct.
func (rt *runtime) flushLoop() {
	defer rt.stopped.Done()
	flush := time.NewTicker(flushInterval)
	defer flush.Stop()
	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	retention := time.NewTicker(time.Hour)
	defer retention.Stop()
	unmap := time.NewTicker(unmapInterval)
	defer unmap.Stop()
	for {
		select {
		case <-rt.stop:
			return
		case <-flush.C:
			rt.flush()
		case now := <-sweep.C:
			rt.limiter.Sweep(now)
			rt.signinLimiter.Sweep(now)
		case now := <-retention.C:
			rt.sweepAudit(now)
			if err := rt.signin.Sweep(); err != nil {
				rt.logger.Error("sweeping sign-in links and sessions", zap.Error(err))
			}
		case <-unmap.C:
			if err := boltmem.Unmap(rt.db); err != nil {
				rt.logger.Warn("storage", zap.Error(err))
			}
		}
	}
}

// flush writes the batched bookkeeping (the audit log commits on its own).
func (rt *runtime) flush() {
	if err := rt.accounts.FlushLastUsed(); err != nil {
		rt.logger.Error("flushing key last-used times", zap.Error(err))
	}
	if err := rt.ledger.Flush(); err != nil {
		rt.logger.Error("flushing the usage ledger", zap.Error(err))
	}
}

// sweepAudit deletes audit records past retention, in bounded transactions
// so the writer is never held up for long.
func (rt *runtime) sweepAudit(now time.Time) {
	before := now.Add(-time.Duration(rt.retention.Load()))
	const chunk = 10_000
	for {
		n, err := rt.audit.Sweep(before, chunk)
		if err != nil {
			rt.logger.Error("sweeping audit records", zap.Error(err))
			return
		}
		if n < chunk {
			return
		}
	}
}

// httpClient returns the client for a provider, on a pool shared by every
// config that calls the same upstream under the same name.
func (rt *runtime) httpClient(provider, baseURL string) *http.Client {
	rt.transportMu.Lock()
	defer rt.transportMu.Unlock()
	key := provider + " " + baseURL
	t, ok := rt.transports[key]
	if !ok {
		t = routing.NewTransport()
		rt.transports[key] = t
	}
	return routing.NewHTTPClient(t)
}

// openVideoJobs opens the video job store and reads which jobs a previous
// run left under way.
func (rt *runtime) openVideoJobs() error {
	var err error
	if rt.videoJobs, err = videos.OpenStore(rt.db, nil); err != nil {
		return err
	}
	unfinished, err := rt.videoJobs.Unfinished()
	if err != nil {
		return err
	}
	rt.videoHolds, rt.unfinishedVideos = handlers.NewVideoHolds(), unfinished
	return nil
}

// resumeVideoHolds holds again, in the ledger of the first config, the
// cost of the video jobs a previous run left under way.
func (rt *runtime) resumeVideoHolds(ledger handlers.Reserver) {
	rt.resumeVideos.Do(func() {
		if err := rt.videoHolds.Resume(ledger, rt.unfinishedVideos); err != nil {
			rt.logger.Error("video holds", zap.Error(err))
		}
		rt.unfinishedVideos = nil
	})
}

// openAgentStores opens the stores of agent runs, the outbox and the
// knowledge documents. Runs a crash left running are marked failed.
func (rt *runtime) openAgentStores() error {
	var err error
	if rt.agentRuns, err = agents.OpenStore(rt.db, nil); err != nil {
		return err
	}
	if rt.outbox, err = outbox.Open(rt.db, nil); err != nil {
		return err
	}
	rt.knowledge, err = knowledge.Open(rt.db, nil)
	return err
}

// startAgentRunner makes the runner; each request hands it its config's
// model and tools.
func (rt *runtime) startAgentRunner() {
	rt.agentRunner = agents.NewRunner(rt.agentRuns)
	rt.agentRunner.OnError = func(run agents.Run, err error) {
		rt.logger.Error("agent run", zap.Uint64("user_id", run.Account), zap.Uint64("run_id", run.ID), zap.Error(err))
	}
	rt.agentRunner.OnAsyncEnd = handlers.RunAuditor(rt, rt.requestIDs)
}

// auditSink holds an audit log, for an atomic.Pointer.
type auditSink struct {
	log interface{ Record(metering.AuditRecord) }
}

// Record audits work that ended outside a request in the latest config's
// audit log (this instance's until a config has started).
func (rt *runtime) Record(r metering.AuditRecord) {
	if sink := rt.asyncAudit.Load(); sink != nil {
		sink.log.Record(r)
		return
	}
	rt.audit.Record(r)
}

// Destruct runs when the last config using this storage is cleaned up.
func (rt *runtime) Destruct() error {
	rt.transportMu.Lock()
	for _, t := range rt.transports {
		t.CloseIdleConnections()
	}
	rt.transportMu.Unlock()
	close(rt.stop)
	rt.stopped.Wait()
	// Before the audit log closes: the runs it cancels are audited.
	rt.agentRunner.Close()
	rt.audit.Close()
	err := errors.Join(rt.ledger.Flush(), rt.accounts.Close(), rt.db.Close())
	if err != nil {
		return fmt.Errorf("closing storage %s: %w", rt.path, err)
	}
	rt.logger.Info("storage closed", zap.String("path", rt.path))
	return nil
}

var _ caddy.Destructor = (*runtime)(nil)
