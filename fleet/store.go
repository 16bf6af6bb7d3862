// Package fleet keeps the governance state that many gateways share in
// Redis: the per-account rate limit and the cap's reservations and usage
// ledger, each the same contract as its embedded (in-memory and bbolt)
// counterpart in package metering. Every change an account's state takes
// is one server-side script over keys that carry the account in a hash
// tag (kaine:{a:42}:…), so each script touches one slot and the same code
// runs on a Redis Cluster, account by account.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keinetech/kaine/metering"
)

// Options say where the fleet's Redis is and how to use it.
type Options struct {
	// URL is redis://[user@]host:port/db, or rediss:// for TLS.
	URL string
	// Password, when set, replaces any password in URL.
	Password string
	// Prefix starts every key (default "kaine"), so fleets may share a
	// server.
	Prefix string
	// Lease is how long a reservation holds cap without being settled
	// before any instance may take it back: the longest call plus a
	// margin. Default 15 minutes.
	Lease time.Duration
	// Timeout bounds each round trip (default 500 ms): a call waits no
	// longer than this for an answer from Redis.
	Timeout time.Duration
	// Now is the clock (default time.Now). Instances' clocks are assumed
	// NTP-close: the rate limit and leases read them.
	Now func() time.Time
	// Observe, when set, hears of every round trip (for metrics).
	Observe Observer
	// OnError hears of what is lost for good: a settle or audit batch
	// Redis refused, records past the bound kept while it is away.
	OnError func(error)
}

// Store is a connection to the fleet's Redis.
type Store struct {
	client  *redis.Client
	prefix  string
	lease   time.Duration
	timeout time.Duration
	now     func() time.Time
	onError func(error)
}

// Open connects to Redis. It fails only when Redis answers and refuses (a
// wrong password); one that cannot be reached yet is connected to when it
// can, meanwhile every round trip fails with ErrStoreUnavailable.
func Open(o Options) (*Store, error) {
	opts, err := redis.ParseURL(o.URL)
	if err != nil {
		// Not err itself: it holds the URL, and a URL may hold a password.
		return nil, errors.New("fleet redis URL: not a redis:// or rediss:// URL")
	}
	if o.Password != "" {
		opts.Password = o.Password
	}
	s := &Store{prefix: o.Prefix, lease: o.Lease, timeout: o.Timeout, now: o.Now, onError: o.OnError}
	if s.prefix == "" {
		s.prefix = "kaine"
	}
	if s.lease <= 0 {
		s.lease = 15 * time.Minute
	}
	if s.timeout <= 0 {
		s.timeout = 500 * time.Millisecond
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.onError == nil {
		s.onError = func(error) {}
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = s.timeout, s.timeout, s.timeout
	// A failed call is not retried here, nor a refused dial: the pipeline
	// answers at once (a call that would spend, 503) and the client
	// retries, with no doubt about what the first try did. go-redis would
	// otherwise dial five times, and a call wait out its whole timeout.
	opts.MaxRetries = -1
	// RESP2: RESP3's push notifications (client-side caching, maintenance
	// events) go unused here, and go-redis checks for them around every
	// command: 3.5% of a fleet call's CPU.
	opts.Protocol = 2
	opts.DialerRetries, opts.DialerRetryTimeout = 1, time.Millisecond
	s.client = redis.NewClient(opts)
	if o.Observe != nil {
		s.client.AddHook(observing{o.Observe})
	}
	if err := s.Ping(); isReply(err) {
		// Redis answered, and refused: a wrong password or database.
		s.client.Close()
		return nil, fmt.Errorf("fleet redis at %s: %w", opts.Addr, err)
	}
	// Unreachable is no reason not to start: calls that spend are refused
	// until Redis answers, as they would be were it lost later.
	return s, nil
}

// Ping reports whether Redis answers.
func (s *Store) Ping() error {
	ctx, cancel := s.context()
	defer cancel()
	return s.client.Ping(ctx).Err()
}

// Close closes the connections.
func (s *Store) Close() error { return s.client.Close() }

// context bounds one round trip.
func (s *Store) context() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// evalEach runs script n times in one pipeline, the i-th with the keys and
// arguments of call(i); a Redis that forgot the script (it restarted) has
// it loaded and the pipeline sent again.
func (s *Store) evalEach(script *redis.Script, n int, call func(i int) ([]string, []any)) ([]*redis.Cmd, error) {
	// Each round trip has its timeout, as before the three were one helper:
	// a load and a resend after a restart must not share the first's.
	send := func() ([]*redis.Cmd, error) {
		ctx, cancel := s.context()
		defer cancel()
		pipe := s.client.Pipeline()
		cmds := make([]*redis.Cmd, n)
		for i := range n {
			keys, args := call(i)
			cmds[i] = script.EvalSha(ctx, pipe, keys, args...)
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := send()
	if isNoScript(err) {
		ctx, cancel := s.context()
		err = script.Load(ctx, s.client).Err()
		cancel()
		if err == nil {
			cmds, err = send()
		}
	}
	return cmds, err
}

// accountKey names one of an account's keys; the braces are the hash tag
// that keeps an account's keys in one cluster slot.
func (s *Store) accountKey(account uint64, name string) string {
	return s.prefix + ":{a:" + strconv.FormatUint(account, 10) + "}:" + name
}

// unavailable wraps a failure to reach Redis or run a script there in
// metering.ErrStoreUnavailable: the caller decides what a call may do
// without the shared state.
func unavailable(what string, err error) error {
	if errors.Is(err, metering.ErrStoreUnavailable) {
		return err
	}
	return fmt.Errorf("%s: %w: %w", what, metering.ErrStoreUnavailable, err)
}

// errMalformedReply is a script's answer of the wrong shape: another
// version of Kaine's scripts, or something else on the same keys.
var errMalformedReply = errors.New("a script answered in an unexpected shape")

func isNoScript(err error) bool {
	return redis.HasErrorPrefix(err, "NOSCRIPT")
}

// isReply reports whether err is Redis's own answer (a script's error, a
// key of the wrong type), not a failure to reach it: sending the command
// again would get the same answer.
func isReply(err error) bool {
	var reply redis.Error
	return errors.As(err, &reply) && !isNoScript(err)
}

// cmdError is the error of a pipeline's i-th command, or the pipeline's
// when the command was never sent.
func cmdError[C redis.Cmder](cmds []C, i int, pipelineErr error) error {
	if i < len(cmds) {
		return cmds[i].Err()
	}
	return pipelineErr
}

// uniqueName names a hold or an audit batch: 64 random bits, unique across
// the fleet and its restarts whatever Redis forgets (never 0, the zero
// Reservation's).
func uniqueName() uint64 {
	for {
		if n := rand.Uint64(); n != 0 {
			return n
		}
	}
}
