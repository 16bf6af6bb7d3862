package fleet

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keinetech/kaine/accounts"
)

// cacheTTL bounds how long an instance trusts what it read of a key or an
// account without hearing of a change: the backstop for a change message
// missed while its subscription was down.
const cacheTTL = 10 * time.Second

// Accounts are the fleet's users and keys in Redis, with the embedded
// accounts.Store's contract. Each instance keeps what it read in memory;
// a change made through any instance is published, and every instance
// forgets what it changed at once (and everything, when its subscription
// was cut and messages may have been missed).
type Accounts struct {
	store *Store
	// The Redis keys and channel, named once.
	users, usernames, keys, keyRecords, lastUsed, ids, changes string
	// origin names this instance in the changes it publishes: it has
	// applied its own already, and hearing them late would only drop what
	// it read since.
	origin string

	keyCache  sync.Map // accounts.KeyHash → *cachedKey
	userCache sync.Map // user ID → *cachedUser
	// generation grows at every forgetting: a read that began before one
	// must not be remembered, for it may hold what was just changed.
	generation atomic.Uint64
	// doubtedBefore (unix nanoseconds) is when the subscription was last
	// cut: what was read before then is read again before it is trusted,
	// but still used while Redis cannot answer.
	doubtedBefore atomic.Int64

	usedMu sync.Mutex
	used   map[uint64]int64 // key ID → unix seconds, not yet written

	sub    *redis.PubSub
	closed atomic.Bool
	done   chan struct{}
}

type cachedKey struct {
	identity accounts.Identity
	known    bool // false: no key has this hash
	revoked  bool
	read     time.Time
}

type cachedUser struct {
	user accounts.User
	read time.Time
}

// Accounts returns the fleet's users and keys and starts listening for
// changes; Close stops it.
func (s *Store) Accounts() (*Accounts, error) {
	a := &Accounts{store: s, users: s.accountsKey("users"), usernames: s.accountsKey("usernames"),
		keys: s.accountsKey("keys"), keyRecords: s.accountsKey("key_records"), lastUsed: s.accountsKey("last_used"),
		ids: s.accountsKey("ids"), changes: s.accountsKey("changes"), used: map[uint64]int64{}, done: make(chan struct{}),
		origin: rand.Text()}
	a.sub = s.client.Subscribe(context.Background(), a.changes)
	ctx, cancel := s.context()
	defer cancel()
	// The subscription's confirmation. Redis out of reach, listen
	// subscribes when it comes back; nothing is cached meanwhile.
	if _, err := a.sub.Receive(ctx); isReply(err) {
		a.sub.Close()
		return nil, unavailable("subscribing to account changes", err)
	}
	go a.listen()
	return a, nil
}

// subscriptionCheck is how long the subscription may be silent before it
// is pinged; a ping unanswered by the next check means the connection may
// be dead without saying so (a half-open TCP connection), and everything
// cached is doubted.
const subscriptionCheck = 2 * time.Second

// listen forgets what the fleet changes until Close.
func (a *Accounts) listen() {
	defer close(a.done)
	ctx := context.Background()
	awaitingPong := false
	for {
		msg, err := a.sub.ReceiveTimeout(ctx, subscriptionCheck)
		if a.closed.Load() {
			return
		}
		switch m := msg.(type) {
		case *redis.Message:
			a.heard(m.Payload)
		case *redis.Subscription:
			a.doubtAll() // subscribed again after a cut: messages may be lost
		case *redis.Pong:
			awaitingPong = false
		}
		var timeout net.Error
		switch {
		case err == nil:
		case errors.As(err, &timeout) && timeout.Timeout():
			if awaitingPong {
				a.doubtAll()
			}
			awaitingPong = true
			if a.sub.Ping(ctx) != nil {
				a.doubtAll()
			}
		default:
			a.doubtAll()
			time.Sleep(100 * time.Millisecond) // go-redis reconnects at the next receive
		}
	}
}

func (a *Accounts) heard(message string) {
	change, origin, _ := strings.Cut(message, " ")
	if origin == a.origin {
		return
	}
	switch kind, id, _ := strings.Cut(change, ":"); kind {
	case "key":
		if hash, err := accounts.ParseKeyHash(id); err == nil {
			a.forgetKey(hash)
			return
		}
	case "user":
		if n, err := strconv.ParseUint(id, 10, 64); err == nil {
			a.forgetUser(n)
			return
		}
	}
	a.doubtAll() // a change this version cannot read: trust nothing cached
}

func (a *Accounts) forgetKey(hash accounts.KeyHash) {
	a.generation.Add(1)
	a.keyCache.Delete(hash)
}

func (a *Accounts) forgetUser(id uint64) {
	a.generation.Add(1)
	a.userCache.Delete(id)
}

// doubtAll makes every cached key and account be read again before it is
// trusted, keeping them for when Redis cannot answer.
func (a *Accounts) doubtAll() {
	a.generation.Add(1)
	a.doubtedBefore.Store(a.store.now().UnixNano())
}

// fresh reports whether what was read at read may be trusted without
// reading it again.
func (a *Accounts) fresh(read time.Time) bool {
	return read.UnixNano() > a.doubtedBefore.Load() && a.store.now().Sub(read) <= cacheTTL
}

// Authenticate returns the identity behind a key, or accounts.ErrInvalidKey
// or accounts.ErrRevokedKey. A key read lately is checked in memory; while
// Redis cannot be reached, the keys the instance knows still work.
func (a *Accounts) Authenticate(key string) (*accounts.Identity, error) {
	if !accounts.WellFormed(key) {
		return nil, accounts.ErrInvalidKey
	}
	hash := accounts.HashKey(key)
	v, cached := a.keyCache.Load(hash)
	entry, _ := v.(*cachedKey)
	if !cached || !a.fresh(entry.read) {
		fresh, err := a.readKey(hash)
		switch {
		case err == nil:
			entry = fresh
		case !cached:
			return nil, err
		}
	}
	switch {
	case !entry.known:
		return nil, accounts.ErrInvalidKey
	case entry.revoked:
		return nil, accounts.ErrRevokedKey
	}
	a.touch(entry.identity.KeyID)
	return &entry.identity, nil
}

// readKey reads a key's record from Redis and remembers it, revoked too.
// An unknown key is not remembered: keys made up by the million must not
// fill the instance's memory (each costs Redis one read, as it costs the
// embedded store one bbolt read).
func (a *Accounts) readKey(hash accounts.KeyHash) (*cachedKey, error) {
	gen := a.generation.Load()
	ctx, cancel := a.store.context()
	defer cancel()
	entry := &cachedKey{read: a.store.now()}
	raw, err := findKeyScript.Run(ctx, a.store.client, []string{a.keys, a.keyRecords}, hash.String()).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return entry, nil
	case err != nil:
		return nil, unavailable("looking up key", err)
	}
	var rec accounts.StoredKey
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return nil, fmt.Errorf("decoding key: %w", err)
	}
	entry.known, entry.revoked = true, rec.RevokedAt != nil
	entry.identity = accounts.Identity{KeyID: rec.ID, UserID: rec.UserID, Scopes: rec.Scopes}
	remember(&a.keyCache, hash, entry, gen, &a.generation)
	return entry, nil
}

// remember stores what a read found unless something was forgotten since
// the read began (it may hold what was just changed); a forgetting that
// slips in between the check and the store undoes it.
func remember[K comparable, V any](cache *sync.Map, key K, value *V, gen uint64, generation *atomic.Uint64) {
	if generation.Load() != gen {
		return
	}
	cache.Store(key, value)
	if generation.Load() != gen {
		cache.CompareAndDelete(key, value)
	}
}

func (a *Accounts) cachedUser(id uint64) (*accounts.User, bool) {
	v, ok := a.userCache.Load(id)
	if !ok || !a.fresh(v.(*cachedUser).read) {
		return nil, false
	}
	return &v.(*cachedUser).user, true
}

func (a *Accounts) staleUser(id uint64) (*accounts.User, bool) {
	v, ok := a.userCache.Load(id)
	if !ok {
		return nil, false
	}
	return &v.(*cachedUser).user, true
}

func (a *Accounts) rememberUser(u *accounts.User, gen uint64) {
	remember(&a.userCache, u.ID, &cachedUser{user: *u, read: a.store.now()}, gen, &a.generation)
}

// touch notes that a key was used now; FlushLastUsed writes it.
func (a *Accounts) touch(keyID uint64) {
	now := a.store.now().Unix()
	a.usedMu.Lock()
	if a.used[keyID] < now {
		a.used[keyID] = now
	}
	a.usedMu.Unlock()
}

// FlushLastUsed writes the last-used times gathered since the previous
// flush, in one script. The owner calls it on a timer and at stop.
func (a *Accounts) FlushLastUsed() error {
	a.usedMu.Lock()
	batch := a.used
	a.used = map[uint64]int64{}
	a.usedMu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(batch))
	for id, unix := range batch {
		args = append(args, id, unix)
	}
	ctx, cancel := a.store.context()
	defer cancel()
	if err := touchKeysScript.Run(ctx, a.store.client, []string{a.lastUsed}, args...).Err(); err != nil {
		a.usedMu.Lock()
		for id, unix := range batch { // kept for the next flush
			a.used[id] = max(a.used[id], unix)
		}
		a.usedMu.Unlock()
		return unavailable("writing key last-used times", err)
	}
	return nil
}

// Close writes pending last-used times and stops listening for changes.
func (a *Accounts) Close() error {
	err := a.FlushLastUsed()
	a.closed.Store(true)
	a.sub.Close()
	<-a.done
	return err
}
