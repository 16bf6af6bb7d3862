package accounts

// Scale checks for the auth step. They are benchmarks only (nothing here runs
// under a plain `go test`), and they skip under -short. Run them with:
//
//	go test -run XXX -bench Scale -benchtime 1000x ./accounts/

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// scaleAuthFixture is a bbolt file holding n live keys of one user, shared by
// the cold and warm sub-benchmarks of one size.
type scaleAuthFixture struct {
	db      *bolt.DB
	secrets []string

	warmOnce sync.Once
	warm     *Store // every key authenticated once; shared by warm runs
}

// BenchmarkScaleAuth measures Authenticate with 1,000 and 100,000 keys in
// bbolt, with the key cache cold (every lookup misses it and reads bbolt) and
// warm (every key already cached). It reports ns/op, p50/p99 per call, and
// misses/op: read transactions per call, i.e. how often the cache missed.
func BenchmarkScaleAuth(b *testing.B) {
	if testing.Short() {
		b.Skip("scale benchmark: skipped under -short")
	}
	dir := b.TempDir()
	for _, n := range []int{1_000, 100_000} {
		var once sync.Once
		var fx *scaleAuthFixture
		fixture := func(b *testing.B) *scaleAuthFixture {
			once.Do(func() { fx = buildScaleAuthFixture(b, filepath.Join(dir, fmt.Sprintf("keys-%d.db", n)), n) })
			if fx == nil {
				b.Fatal("fixture build failed")
			}
			return fx
		}
		b.Run(fmt.Sprintf("keys=%d/cache=cold", n), func(b *testing.B) { benchAuthCold(b, fixture(b)) })
		b.Run(fmt.Sprintf("keys=%d/cache=warm", n), func(b *testing.B) { benchAuthWarm(b, fixture(b)) })
		if fx != nil {
			if fx.warm != nil {
				fx.warm.cache.Close()
			}
			fx.db.Close()
		}
	}
}

// buildScaleAuthFixture writes n keys for one user in a handful of large
// transactions, then closes and reopens the file so every run reads it
// through a fresh mmap, as a restarted server would.
func buildScaleAuthFixture(b *testing.B, path string, n int) *scaleAuthFixture {
	start := time.Now()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(db, Options{})
	if err != nil {
		b.Fatal(err)
	}
	u, err := s.CreateUser("scale", "scale@example.com", "starter")
	if err != nil {
		b.Fatal(err)
	}
	secrets, err := bulkCreateKeys(s, u.ID, n, 20_000)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second}); err != nil {
		b.Fatal(err)
	}
	b.Logf("fixture: %d keys written and reopened in %v", n, time.Since(start).Round(time.Millisecond))
	return &scaleAuthFixture{db: db, secrets: secrets}
}

// bulkCreateKeys is CreateKey for many keys at once: the same record, hash
// and indexes, but perTx keys per bbolt transaction instead of one.
func bulkCreateKeys(s *Store, userID uint64, n, perTx int) ([]string, error) {
	secrets := make([]string, 0, n)
	for len(secrets) < n {
		count := min(perTx, n-len(secrets))
		err := s.db.Update(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketUsers).Get(keyrange.ID(userID)) == nil {
				return ErrUserNotFound
			}
			byID, byHash := tx.Bucket(bucketKeysByID), tx.Bucket(bucketKeys)
			for i := 0; i < count; i++ {
				secret, err := newSecret()
				if err != nil {
					return err
				}
				hash := HashKey(secret)
				id, err := byID.NextSequence()
				if err != nil {
					return err
				}
				rec := StoredKey{
					Key: Key{
						ID:        id,
						UserID:    userID,
						Name:      fmt.Sprintf("key-%d", id),
						Prefix:    displayPrefix(secret),
						Scopes:    ScopeRead | ScopeWrite,
						CreatedAt: s.now().UTC().Truncate(time.Second),
					},
					SHA256: hash.String(),
				}
				if err := putJSON(byID, keyrange.ID(id), rec); err != nil {
					return err
				}
				if err := byHash.Put(hash[:], keyrange.ID(id)); err != nil {
					return err
				}
				secrets = append(secrets, secret)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("bulk creating keys: %w", err)
		}
	}
	return secrets, nil
}

// openScaleStore opens a Store with a fresh, empty key cache over db.
func openScaleStore(b *testing.B, db *bolt.DB) *Store {
	s, err := Open(db, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// dropScaleStore frees a store's cache without Close's last-used flush: the
// runs here must not rewrite the fixture's key records.
func dropScaleStore(s *Store) { s.cache.Close() }

// benchAuthCold authenticates distinct keys in random order on a store whose
// cache has never seen them: each call reads bbolt and fills the cache, as the
// first request of each key after a start does. Once every key has been used,
// the store is replaced by one with an empty cache, outside the timer.
func benchAuthCold(b *testing.B, fx *scaleAuthFixture) {
	order := rand.Perm(len(fx.secrets))
	s := openScaleStore(b, fx.db)
	durs := make([]time.Duration, 0, b.N)
	reads := fx.db.Stats().TxN
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 && i%len(order) == 0 {
			b.StopTimer()
			dropScaleStore(s)
			s = openScaleStore(b, fx.db)
			b.StartTimer()
		}
		key := fx.secrets[order[i%len(order)]]
		scaleSink ^= key[0] ^ key[len(key)-1] // in CPU cache, as a just-read header is
		start := time.Now()
		_, err := s.Authenticate(key)
		durs = append(durs, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	dropScaleStore(s)
	b.ReportMetric(float64(fx.db.Stats().TxN-reads)/float64(b.N), "misses/op")
	reportScaleLatencies(b, durs)
}

// benchAuthWarm authenticates keys drawn at random from all n on a store that
// has already seen every one of them, so with a cache as large as the key set
// no call should read bbolt; misses/op says whether that held.
func benchAuthWarm(b *testing.B, fx *scaleAuthFixture) {
	fx.warmOnce.Do(func() {
		start := time.Now()
		fx.warm = openScaleStore(b, fx.db)
		for _, key := range fx.secrets {
			if _, err := fx.warm.Authenticate(key); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("warm-up: %d keys loaded into the cache in %v", len(fx.secrets), time.Since(start).Round(time.Millisecond))
	})
	s := fx.warm
	if s == nil {
		b.Fatal("warm-up failed")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	order := make([]int, b.N)
	for i := range order {
		order[i] = rng.IntN(len(fx.secrets))
	}
	durs := make([]time.Duration, 0, b.N)
	reads := fx.db.Stats().TxN
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := fx.secrets[order[i]]
		scaleSink ^= key[0] ^ key[len(key)-1] // in CPU cache, as a just-read header is
		start := time.Now()
		_, err := s.Authenticate(key)
		durs = append(durs, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(fx.db.Stats().TxN-reads)/float64(b.N), "misses/op")
	reportScaleLatencies(b, durs)
}

// scaleSink keeps the loads that bring a key into the CPU cache.
var scaleSink byte

// reportScaleLatencies reports the median and 99th percentile of per-call
// durations. Each includes one time.Now/time.Since pair (tens of ns).
func reportScaleLatencies(b *testing.B, durs []time.Duration) {
	if len(durs) == 0 {
		return
	}
	slices.Sort(durs)
	at := func(p float64) float64 {
		i := int(float64(len(durs))*p+0.5) - 1
		return float64(durs[max(0, min(i, len(durs)-1))].Nanoseconds())
	}
	b.ReportMetric(at(0.50), "p50-ns")
	b.ReportMetric(at(0.99), "p99-ns")
}
