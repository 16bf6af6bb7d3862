package signin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

// Session is a signed-in user of the dashboard.
type Session struct {
	User     uint64    `json:"user_id"`
	Started  time.Time `json:"started_at"`
	LastSeen time.Time `json:"last_seen_at"`
}

// touchEvery is how stale LastSeen may get before a request writes it
// again: page views need no write transaction each, and the idle timeout
// is far longer.
const touchEvery = time.Minute

// Start begins a session for a user and returns its id, the cookie's
// value, shown this once: only its SHA-256 is kept.
func (s *Store) Start(user uint64) (id string, err error) {
	if id, err = newSecret(); err != nil {
		return "", fmt.Errorf("starting a session: %w", err)
	}
	now := s.opts.Now().UTC()
	data, err := json.Marshal(Session{User: user, Started: now, LastSeen: now})
	if err != nil {
		return "", fmt.Errorf("encoding a session: %w", err)
	}
	key := digest(id)
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketSessions).Put(key, data); err != nil {
			return err
		}
		return tx.Bucket(bucketSessionsByUser).Put(userKey(user, key), nil)
	})
	if err != nil {
		return "", fmt.Errorf("storing a session: %w", err)
	}
	return id, nil
}

// Session returns the live session with this id. One idle past
// IdleTimeout, or begun more than MaxAge ago, is ended: ErrNoSession.
func (s *Store) Session(id string) (Session, error) {
	if !wellFormed(id) {
		return Session{}, ErrNoSession
	}
	key := digest(id)
	sess, err := s.load(key)
	if err != nil {
		return Session{}, err
	}
	now := s.opts.Now()
	if now.Sub(sess.LastSeen) >= s.opts.IdleTimeout || now.Sub(sess.Started) >= s.opts.MaxAge {
		if err := s.end(key, sess.User); err != nil {
			return Session{}, err
		}
		return Session{}, ErrNoSession
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		sess.LastSeen = now.UTC()
		if err := s.touch(key, sess); err != nil {
			return Session{}, err
		}
	}
	return sess, nil
}

// touch writes a session's LastSeen, unless it ended meanwhile.
func (s *Store) touch(key []byte, sess Session) error {
	data, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("encoding a session: %w", err)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		if b.Get(key) == nil {
			return ErrNoSession
		}
		return b.Put(key, data)
	})
}

// End ends a session (signing out). Ending one that is gone is no error.
func (s *Store) End(id string) error {
	if !wellFormed(id) {
		return nil
	}
	key := digest(id)
	sess, err := s.load(key)
	switch {
	case errors.Is(err, ErrNoSession):
		return nil
	case err != nil:
		return err
	}
	return s.end(key, sess.User)
}

// load reads the session stored under key; ErrNoSession if there is none.
func (s *Store) load(key []byte) (Session, error) {
	var sess Session
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketSessions).Get(key)
		if data == nil {
			return ErrNoSession
		}
		if err := json.Unmarshal(data, &sess); err != nil {
			return fmt.Errorf("reading a session: %w", err)
		}
		return nil
	})
	return sess, err
}

func (s *Store) end(key []byte, user uint64) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketSessions).Delete(key); err != nil {
			return err
		}
		return tx.Bucket(bucketSessionsByUser).Delete(userKey(user, key))
	})
	if err != nil {
		return fmt.Errorf("ending a session: %w", err)
	}
	return nil
}

// EndAll ends every session of a user and voids the sign-in links not
// yet used, as when their access is revoked, and says how many sessions
// ended.
func (s *Store) EndAll(user uint64) (ended int, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		sessions, byUser := tx.Bucket(bucketSessions), tx.Bucket(bucketSessionsByUser)
		prefix := keyrange.Prefix(user)
		var keys [][]byte
		c := byUser.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := sessions.Delete(k[len(prefix):]); err != nil {
				return err
			}
			if err := byUser.Delete(k); err != nil {
				return err
			}
		}
		ended = len(keys)
		return deleteLinks(tx.Bucket(bucketLinks), func(l link) bool { return l.User == user })
	})
	if err != nil {
		return 0, fmt.Errorf("ending the sessions of user %d: %w", user, err)
	}
	return ended, nil
}

// Sweep deletes expired links and sessions, which would otherwise stay
// until someone presented them.
func (s *Store) Sweep() error {
	now := s.opts.Now()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := deleteLinks(tx.Bucket(bucketLinks), func(l link) bool { return !now.Before(l.Expires) }); err != nil {
			return err
		}
		sessions, byUser := tx.Bucket(bucketSessions), tx.Bucket(bucketSessionsByUser)
		var gone [][]byte
		var owners []uint64
		err := sessions.ForEach(func(k, v []byte) error {
			var sess Session
			if err := json.Unmarshal(v, &sess); err != nil {
				return fmt.Errorf("decoding a session: %w", err)
			}
			if now.Sub(sess.LastSeen) >= s.opts.IdleTimeout || now.Sub(sess.Started) >= s.opts.MaxAge {
				gone, owners = append(gone, bytes.Clone(k)), append(owners, sess.User)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i, k := range gone {
			if err := sessions.Delete(k); err != nil {
				return err
			}
			if err := byUser.Delete(userKey(owners[i], k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sweeping sign-in state: %w", err)
	}
	return nil
}

// deleteLinks deletes the links for which match is true.
func deleteLinks(b *bolt.Bucket, match func(link) bool) error {
	var gone [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var l link
		if err := json.Unmarshal(v, &l); err != nil {
			return fmt.Errorf("decoding a sign-in link: %w", err)
		}
		if match(l) {
			gone = append(gone, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
