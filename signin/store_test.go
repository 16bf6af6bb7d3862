package signin

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// clock is a settable time for the store.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

func open(t *testing.T) (*Store, *clock, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{}
	c.t.Store(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC).UnixNano())
	s, err := Open(db, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return s, c, path
}

func TestALinkSignsInOnceWithinFifteenMinutes(t *testing.T) {
	s, c, _ := open(t)
	token, expires, err := s.NewLink(7)
	if err != nil || !expires.Equal(c.now().Add(15*time.Minute)) {
		t.Fatalf("link: %v, expires %v", err, expires)
	}
	if user, err := s.Redeem(token); err != nil || user != 7 {
		t.Fatalf("first use: %d %v", user, err)
	}
	if _, err := s.Redeem(token); !errors.Is(err, ErrLinkInvalid) {
		t.Fatalf("second use: %v", err)
	}

	late, _, _ := s.NewLink(7)
	c.advance(15 * time.Minute)
	if _, err := s.Redeem(late); !errors.Is(err, ErrLinkInvalid) {
		t.Fatalf("expired link: %v", err)
	}
	for _, junk := range []string{"", "x", "not-base64!!", token + "x"} {
		if _, err := s.Redeem(junk); !errors.Is(err, ErrLinkInvalid) {
			t.Fatalf("%q: %v", junk, err)
		}
	}
}

func TestRacingRedemptionsSignInOnce(t *testing.T) {
	s, _, _ := open(t)
	token, _, err := s.NewLink(1)
	if err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := s.Redeem(token); err == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d redemptions succeeded", ok.Load())
	}
}

func TestSessionsEndWhenIdleOrOld(t *testing.T) {
	s, c, _ := open(t)
	idle, err := s.Start(1)
	if err != nil {
		t.Fatal(err)
	}
	c.advance(29 * time.Minute)
	if sess, err := s.Session(idle); err != nil || sess.User != 1 {
		t.Fatalf("after 29 idle minutes: %+v %v", sess, err)
	}
	c.advance(29 * time.Minute) // used 29 minutes ago: still live
	if _, err := s.Session(idle); err != nil {
		t.Fatalf("used within the idle timeout: %v", err)
	}
	c.advance(30 * time.Minute)
	if _, err := s.Session(idle); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after 30 idle minutes: %v", err)
	}

	busy, _ := s.Start(1)
	for range 12 * 4 { // used every 15 minutes for 12 hours
		if _, err := s.Session(busy); err != nil {
			t.Fatalf("a busy session ended early at %v: %v", c.now(), err)
		}
		c.advance(15 * time.Minute)
	}
	if _, err := s.Session(busy); !errors.Is(err, ErrNoSession) {
		t.Fatalf("a session 12 hours old: %v", err)
	}
}

func TestSignOutAndEndAll(t *testing.T) {
	s, _, _ := open(t)
	a1, _ := s.Start(1)
	a2, _ := s.Start(1)
	b, _ := s.Start(2)
	link, _, _ := s.NewLink(1)
	otherLink, _, _ := s.NewLink(2)

	if err := s.End(a1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(a1); !errors.Is(err, ErrNoSession) {
		t.Fatalf("signed out: %v", err)
	}
	if err := s.End(a1); err != nil {
		t.Fatalf("signing out twice: %v", err)
	}
	if n, err := s.EndAll(1); err != nil || n != 1 {
		t.Fatalf("EndAll: %d %v", n, err)
	}
	if _, err := s.Session(a2); !errors.Is(err, ErrNoSession) {
		t.Fatalf("a session outlived EndAll: %v", err)
	}
	if _, err := s.Redeem(link); !errors.Is(err, ErrLinkInvalid) {
		t.Fatalf("a link outlived EndAll: %v", err)
	}
	if _, err := s.Session(b); err != nil {
		t.Fatalf("another user's session ended: %v", err)
	}
	if user, err := s.Redeem(otherLink); err != nil || user != 2 {
		t.Fatalf("another user's link: %d %v", user, err)
	}
}

func TestSweepDeletesWhatExpired(t *testing.T) {
	s, c, _ := open(t)
	old, _ := s.Start(1)
	oldLink, _, _ := s.NewLink(1)
	c.advance(time.Hour)
	fresh, _ := s.Start(1)
	freshLink, _, _ := s.NewLink(1)
	if err := s.Sweep(); err != nil {
		t.Fatal(err)
	}
	count := func(bucket []byte) (n int) {
		s.db.View(func(tx *bolt.Tx) error { n = tx.Bucket(bucket).Stats().KeyN; return nil })
		return n
	}
	if count(bucketSessions) != 1 || count(bucketSessionsByUser) != 1 || count(bucketLinks) != 1 {
		t.Fatalf("after the sweep: %d sessions, %d index entries, %d links", count(bucketSessions), count(bucketSessionsByUser), count(bucketLinks))
	}
	if _, err := s.Session(old); err == nil {
		t.Fatal("the idle session survived")
	}
	if _, err := s.Session(fresh); err != nil {
		t.Fatalf("the fresh session: %v", err)
	}
	if _, err := s.Redeem(oldLink); err == nil {
		t.Fatal("the expired link survived")
	}
	if _, err := s.Redeem(freshLink); err != nil {
		t.Fatalf("the fresh link: %v", err)
	}
}

// Neither a token nor a session id is in the database file.
func TestSecretsAreStoredOnlyHashed(t *testing.T) {
	s, _, path := open(t)
	token, _, _ := s.NewLink(1)
	id, _ := s.Start(1)
	if err := s.db.Sync(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{token, id} {
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("the database holds a secret in clear")
		}
	}
}

func TestCSRFTokensAreTheSessions(t *testing.T) {
	id, other := "session-a", "session-b"
	if !ValidCSRF(id, CSRFToken(id)) || ValidCSRF(other, CSRFToken(id)) || ValidCSRF(id, "") {
		t.Fatal("a CSRF token is accepted for the wrong session or none")
	}
}
