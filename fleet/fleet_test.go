package fleet

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/redistest"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
)

// server is the package's one redis-server.
var server *redistest.Server

func TestMain(m *testing.M) { os.Exit(redistest.Main(m, &server)) }

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

type testClock struct{ nanos atomic.Int64 }

func newClock() *testClock {
	c := &testClock{}
	c.nanos.Store(t0.UnixNano())
	return c
}

func (c *testClock) now() time.Time          { return time.Unix(0, c.nanos.Load()) }
func (c *testClock) advance(d time.Duration) { c.nanos.Add(int64(d)) }

// openStore connects to the package's server under a key prefix of this
// run of the test's own.
func openStore(t testing.TB, o Options) *Store {
	t.Helper()
	o.URL = server.URL()
	o.Prefix = "test:" + strings.ReplaceAll(t.Name(), "/", ":") + ":" + rand.Text()
	s, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openLedger(t testing.TB, s *Store) *Ledger {
	t.Helper()
	l, err := s.Ledger()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	return l
}

// boltDB is a fresh bbolt file, as a single instance keeps its state in.
func boltDB(t testing.TB) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "kaine.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// embeddedLedger is a single instance's ledger.
func embeddedLedger(t testing.TB, now func() time.Time) *metering.Ledger {
	t.Helper()
	l, err := metering.OpenLedger(boltDB(t), now)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

const dollar = money.MicroUSD(1_000_000)
