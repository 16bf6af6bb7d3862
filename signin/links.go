package signin

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// link is a sign-in link as stored, under its token's SHA-256.
type link struct {
	User    uint64    `json:"user_id"`
	Expires time.Time `json:"expires_at"`
}

// NewLink makes a one-time sign-in token for a user, good until the
// returned time. Only its SHA-256 is kept: the token is shown this once.
func (s *Store) NewLink(user uint64) (token string, expires time.Time, err error) {
	if token, err = newSecret(); err != nil {
		return "", time.Time{}, fmt.Errorf("making a sign-in link: %w", err)
	}
	expires = s.opts.Now().Add(s.opts.LinkTTL).UTC()
	data, err := json.Marshal(link{User: user, Expires: expires})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("encoding a sign-in link: %w", err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLinks).Put(digest(token), data)
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("storing a sign-in link: %w", err)
	}
	return token, expires, nil
}

// Redeem uses a sign-in token, once: it returns the user it was made for
// and deletes it, in one transaction, so two redemptions racing get one
// sign-in. An unknown, used or expired token is ErrLinkInvalid (an expired
// one is deleted too).
func (s *Store) Redeem(token string) (user uint64, err error) {
	if !wellFormed(token) {
		return 0, ErrLinkInvalid
	}
	expired := false
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLinks)
		key := digest(token)
		data := b.Get(key)
		if data == nil {
			return ErrLinkInvalid
		}
		var l link
		if err := json.Unmarshal(data, &l); err != nil {
			return fmt.Errorf("decoding a sign-in link: %w", err)
		}
		if err := b.Delete(key); err != nil {
			return fmt.Errorf("using a sign-in link: %w", err)
		}
		user, expired = l.User, !s.opts.Now().Before(l.Expires)
		return nil
	})
	switch {
	case err != nil:
		return 0, err
	case expired:
		return 0, ErrLinkInvalid
	}
	return user, nil
}
