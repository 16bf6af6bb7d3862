// Package accounts keeps Kaine's users and API keys in bbolt and
// authenticates keys on the hot path through an in-memory cache.
package accounts

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dgraph-io/ristretto/v2"
	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// Errors callers tell apart. Input errors wrap ErrInvalidInput so a caller can
// map them all to one bad-request answer.
var (
	ErrInvalidInput  = errors.New("invalid input")
	ErrInvalidScope  = fmt.Errorf("%w: scopes", ErrInvalidInput)
	ErrUsernameTaken = errors.New("username already taken")
	ErrUserNotFound  = errors.New("user not found")
	ErrKeyNotFound   = errors.New("key not found")
	ErrInvalidKey    = errors.New("API key not found")
	ErrRevokedKey    = errors.New("API key revoked")
)

var (
	bucketUsers       = []byte("users")
	bucketUsersByName = []byte("users_by_name")
	bucketKeys        = []byte("keys")
	bucketKeysByID    = []byte("keys_by_id")
)

// Options tune a Store. Zero values take the defaults.
type Options struct {
	// CacheSize is how many authenticated keys stay in memory. Default: 100,000.
	CacheSize int64
	// Now is the clock; tests replace it. Default: time.Now.
	Now func() time.Time
}

// Store holds users and keys. It is safe for concurrent use. It does not own
// the bbolt handle: the caller opens and closes it, since other stores share it.
type Store struct {
	db    *bolt.DB
	now   func() time.Time
	cache *ristretto.Cache[uint64, *cachedKey]
	users sync.Map // user ID → *User, filled on first use, replaced on change

	// revokeMu orders a revocation against a cache fill that read the key
	// before the revocation committed, so a revoked key is never cached as live.
	revokeMu sync.RWMutex
	// tierMu makes concurrent tier changes reach the users cache in commit order.
	tierMu   sync.Mutex
	lastUsed lastUsedTracker
}

// Open creates the buckets it needs and returns a Store over db.
func Open(db *bolt.DB, opts Options) (*Store, error) {
	if opts.CacheSize <= 0 {
		opts.CacheSize = 100_000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	err := db.Update(func(tx *bolt.Tx) error {
		return keyrange.CreateBuckets(tx, bucketUsers, bucketUsersByName, bucketKeys, bucketKeysByID)
	})
	if err != nil {
		return nil, fmt.Errorf("preparing accounts buckets: %w", err)
	}
	cache, err := ristretto.NewCache(&ristretto.Config[uint64, *cachedKey]{
		NumCounters: opts.CacheSize * 10,
		MaxCost:     opts.CacheSize,
		// Gets reach the admission policy in batches this large; ristretto's
		// suggested 64 wakes its goroutine every ~70 µs at 1 µs a lookup,
		// and the lookup that wakes it pays a p99 of tens of µs
		// (BenchmarkScaleAuth). A coarser view of which keys are hot does
		// not matter while the cache holds every key.
		BufferItems: 4096,
		// Each entry costs 1, so MaxCost counts keys; without this ristretto
		// adds its own per-entry overhead to the cost and holds far fewer.
		IgnoreInternalCost: true,
	})
	if err != nil {
		return nil, fmt.Errorf("creating key cache: %w", err)
	}
	return &Store{db: db, now: opts.Now, cache: cache}, nil
}

// Close writes pending last-used times and frees the cache. The bbolt
// handle stays open.
func (s *Store) Close() error {
	err := s.FlushLastUsed()
	s.cache.Close()
	return err
}
