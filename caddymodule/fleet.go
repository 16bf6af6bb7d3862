package caddymodule

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/fleet"
	"github.com/keinetech/kaine/handlers"
	"github.com/keinetech/kaine/metering"
)

// fleets holds one connection to each fleet's Redis, shared by the configs
// that name it, so a reload keeps the connections, the pending settles and
// the key cache.
var fleets = caddy.NewUsagePool()

// fleetCloseTimeout bounds how long a stop waits for Redis to take the
// settles still queued.
const fleetCloseTimeout = 5 * time.Second

// fleetState is a fleet's shared state as this process uses it.
type fleetState struct {
	store    *fleet.Store
	limiter  *fleet.Limiter
	ledger   *fleet.Ledger
	accounts *fleet.Accounts
	audit    *fleet.AuditLog
	runSlots *fleet.RunSlots
	logger   *zap.Logger

	stop    chan struct{}
	stopped sync.WaitGroup
}

// fleetPoolKey names a fleet by everything that makes its connection:
// another password or lease is another connection.
func fleetPoolKey(f *Fleet, password string) string {
	sum := sha256.Sum256([]byte(password))
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s", f.Redis, f.Prefix, f.lease(), hex.EncodeToString(sum[:8]))
}

// acquireFleet connects to the fleet's Redis, or shares the connection an
// earlier config made. Pair every success with releaseFleet(key).
func acquireFleet(f *Fleet, logger *zap.Logger) (*fleetState, string, error) {
	repl := caddy.NewReplacer()
	password := repl.ReplaceAll(f.Password, "")
	key := fleetPoolKey(f, password)
	redisURL := repl.ReplaceAll(f.Redis, "")
	if err := validRedis(redisURL); err != nil {
		return nil, "", err
	}
	val, _, err := fleets.LoadOrNew(key, func() (caddy.Destructor, error) {
		return openFleet(fleet.Options{URL: redisURL, Password: password, Prefix: f.Prefix, Lease: f.lease(),
			Observe: observeFleet, OnError: func(err error) { logger.Error("fleet store", zap.Error(err)) }}, logger)
	})
	if err != nil {
		return nil, "", err
	}
	return val.(*fleetState), key, nil
}

func releaseFleet(key string) error {
	_, err := fleets.Delete(key)
	return err
}

// redisLogger puts go-redis's own messages (a failed dial, a reconnect)
// in Caddy's log.
type redisLogger struct{ logger *zap.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.logger.Warn(fmt.Sprintf(format, v...))
}

func openFleet(o fleet.Options, logger *zap.Logger) (*fleetState, error) {
	redis.SetLogger(redisLogger{logger.Named("redis")})
	store, err := fleet.Open(o)
	if err != nil {
		return nil, err
	}
	s := &fleetState{store: store, limiter: store.Limiter(), logger: logger, stop: make(chan struct{})}
	if s.ledger, err = store.Ledger(); err != nil {
		store.Close()
		return nil, err
	}
	if s.accounts, err = store.Accounts(); err != nil {
		s.ledger.Close(context.Background())
		store.Close()
		return nil, err
	}
	s.audit, err = store.AuditLog(metering.AuditOptions{OnError: func(err error) {
		logger.Error("fleet audit log", zap.Error(err))
	}}, defaultAuditRetention)
	if err != nil {
		s.accounts.Close()
		s.ledger.Close(context.Background())
		store.Close()
		return nil, err
	}
	s.runSlots = store.RunSlots()
	s.stopped.Add(1)
	go s.flushLoop()
	return s, nil
}

// flushLoop writes the keys' last-used times, reports the leases and
// says when Redis is lost or back, on a timer until Destruct.
func (s *fleetState) flushLoop() {
	defer s.stopped.Done()
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	reclaimed := int64(0)
	lost := s.store.Ping()
	s.logReachability(lost)
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			// A ping a second keeps kaine_fleet_up true on an idle gateway.
			if now := s.store.Ping(); (now == nil) != (lost == nil) {
				s.logReachability(now)
				lost = now
			}
			if err := s.accounts.FlushLastUsed(); err != nil {
				s.logger.Warn("fleet store", zap.Error(err))
			}
			fleetLeasesOpen.Set(float64(s.ledger.Open.Load()))
			now := s.ledger.Reclaimed.Load()
			fleetLeasesReclaimed.Add(float64(now - reclaimed))
			reclaimed = now
		}
	}
}

// logReachability says whether Redis answers (err from a ping).
func (s *fleetState) logReachability(err error) {
	if err != nil {
		s.logger.Warn("the fleet's Redis cannot be reached: calls that spend are refused with 503 store_unavailable until it answers", zap.Error(err))
		return
	}
	s.logger.Info("the fleet's Redis answers")
}

// Destruct runs when the last config naming this fleet is cleaned up: the
// queued audit records, settles and last-used times go to Redis (waiting a
// bounded time), then the connections close.
func (s *fleetState) Destruct() error {
	close(s.stop)
	s.stopped.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), fleetCloseTimeout)
	defer cancel()
	s.audit.Close()
	s.runSlots.Close()
	err := errors.Join(s.accounts.Close(), s.ledger.Close(ctx), s.store.Close())
	if err != nil {
		return fmt.Errorf("closing the fleet store: %w", err)
	}
	return nil
}

var _ caddy.Destructor = (*fleetState)(nil)

// accountStore is what the gateway uses of its users and keys: this
// instance's (accounts.Store, in bbolt) or the fleet's.
type accountStore interface {
	handlers.Authenticator
	handlers.Users
	UserByName(username string) (*accounts.User, error)
	Users() ([]accounts.User, error)
	CreateUser(username, email, tier string) (accounts.User, error)
	SetTier(id uint64, tier string) (accounts.User, error)
	CreateKey(userID uint64, name string, scopes accounts.Scopes) (string, accounts.Key, error)
	Keys(userID uint64) ([]accounts.Key, error)
	RevokeKey(id uint64) (accounts.Key, error)
}

// usageLedger is what the gateway uses of its usage ledger: this
// instance's or the fleet's.
type usageLedger interface {
	handlers.Ledger
	Daily(account uint64) ([]metering.DaySpend, error)
}

// accountStore returns the users and keys this config serves.
func (a *App) accountStore() accountStore {
	if a.fleet != nil {
		return a.fleet.accounts
	}
	return a.runtime.accounts
}

// usageLedger returns the ledger this config's calls reserve and settle in.
func (a *App) usageLedger() usageLedger {
	if a.fleet != nil {
		return a.fleet.ledger
	}
	return a.runtime.ledger
}

// auditLog is what the gateway uses of its audit log: this instance's (in
// bbolt) or the fleet's.
type auditLog interface {
	handlers.AuditLog
	Record(metering.AuditRecord)
	Flush()
	SetFlushInterval(time.Duration)
	Pending() (queued, capacity int)
	Spend(user uint64, since time.Time) (metering.Breakdown, error)
}

// auditLog returns the audit log this config's calls are recorded in.
func (a *App) auditLog() auditLog {
	if a.fleet != nil {
		return a.fleet.audit
	}
	return a.runtime.audit
}

// admitter returns what checks the rate and reserves at once: the fleet's
// ledger (nil without a fleet: in one process each is quick on its own).
func (a *App) admitter() metering.Admitter {
	if a.fleet != nil {
		return a.fleet.ledger
	}
	return nil
}

// limiter returns the rate limit this config's calls count against.
func (a *App) limiter() metering.Limiter {
	if a.fleet != nil {
		return a.fleet.limiter
	}
	return a.runtime.limiter
}
