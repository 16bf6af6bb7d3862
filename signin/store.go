// Package signin keeps the dashboard's password-free sign-in in bbolt:
// one-time links, valid a short while and good once, and the sessions they
// start. Neither a link's token nor a session's id is stored: only their
// SHA-256, so a copy of the database signs nobody in.
package signin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// Errors callers tell apart.
var (
	// ErrLinkInvalid: the link is unknown, used or expired. The caller
	// cannot tell which, and neither can whoever is guessing.
	ErrLinkInvalid = errors.New("sign-in link unknown, used or expired")
	// ErrNoSession: the session id is unknown, ended or expired.
	ErrNoSession = errors.New("no such session")
)

var (
	bucketLinks          = []byte("signin_links")            // SHA-256 of token → link
	bucketSessions       = []byte("signin_sessions")         // SHA-256 of id → session
	bucketSessionsByUser = []byte("signin_sessions_by_user") // user, SHA-256 of id → nothing
)

// Options tune a Store. Zero values take the defaults.
type Options struct {
	// LinkTTL is how long a sign-in link stays good. Default: 15m.
	LinkTTL time.Duration
	// IdleTimeout ends a session unused this long. Default: 30m.
	IdleTimeout time.Duration
	// MaxAge ends a session this long after it began, used or not.
	// Default: 12h.
	MaxAge time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.LinkTTL <= 0 {
		o.LinkTTL = 15 * time.Minute
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Minute
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 12 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store holds sign-in links and sessions. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	opts Options
}

// Open creates the buckets it needs and returns a Store over db, which the
// caller keeps and closes.
func Open(db *bolt.DB, opts Options) (*Store, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		return keyrange.CreateBuckets(tx, bucketLinks, bucketSessions, bucketSessionsByUser)
	})
	if err != nil {
		return nil, fmt.Errorf("preparing sign-in buckets: %w", err)
	}
	return &Store{db: db, opts: opts.withDefaults()}, nil
}

// secretBytes is the entropy of a token or session id: 256 bits.
const secretBytes = 32

// newSecret returns a random URL-safe secret.
func newSecret() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// digest is what the store keeps of a secret.
func digest(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// wellFormed reports whether s could be one of our secrets, so junk never
// reaches the database.
func wellFormed(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == secretBytes
}

// CSRFToken is the token a session's forms carry. It is derived from the
// session id, so it needs no storage, and learning it reveals nothing of
// the id.
func CSRFToken(sessionID string) string {
	sum := sha256.Sum256([]byte("kaine dashboard csrf\x00" + sessionID))
	return hex.EncodeToString(sum[:16])
}

// ValidCSRF reports whether token is the session's, in constant time.
func ValidCSRF(sessionID, token string) bool {
	return subtle.ConstantTimeCompare([]byte(CSRFToken(sessionID)), []byte(token)) == 1
}

func userKey(user uint64, hash []byte) []byte {
	return append(binary.BigEndian.AppendUint64(nil, user), hash...)
}
