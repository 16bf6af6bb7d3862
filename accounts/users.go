package accounts

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
	"github.com/keinetech/kaine/internal/mailaddr"
)

// User is an account. Keys, usage and audit records belong to a user.
type User struct {
	ID        uint64    `json:"user_id"`
	Username  string    `json:"username"`
	Email     string    `json:"email"`
	Tier      string    `json:"tier"`
	CreatedAt time.Time `json:"created_at"`
}

const maxUsernameLen = 64

func validUsername(name string) error {
	if name == "" || len(name) > maxUsernameLen {
		return fmt.Errorf("%w: username must be 1 to %d characters", ErrInvalidInput, maxUsernameLen)
	}
	digits := 0
	for _, c := range []byte(name) {
		if '0' <= c && c <= '9' {
			digits++
		}
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: username may hold only letters, digits, '.', '_' and '-'", ErrInvalidInput)
		}
	}
	if digits == len(name) {
		// The CLI and admin API accept a user ID or a username in one place.
		return fmt.Errorf("%w: username must not be all digits (it would read as a user ID)", ErrInvalidInput)
	}
	return nil
}

func validEmail(email string) error {
	if !mailaddr.Plain(email) || len(email) > 254 {
		return fmt.Errorf("%w: email %q is not a plain address like name@example.com", ErrInvalidInput, email)
	}
	return nil
}

// NewUser checks a new account's fields and returns the account, yet
// without an ID: what every store of accounts creates.
func NewUser(username, email, tier string, now time.Time) (User, error) {
	if err := validUsername(username); err != nil {
		return User{}, err
	}
	if err := validEmail(email); err != nil {
		return User{}, err
	}
	if tier == "" {
		return User{}, fmt.Errorf("%w: tier is required", ErrInvalidInput)
	}
	return User{Username: username, Email: email, Tier: tier, CreatedAt: now.UTC().Truncate(time.Second)}, nil
}

// CreateUser adds an account. The caller checks that tier exists.
func (s *Store) CreateUser(username, email, tier string) (User, error) {
	u, err := NewUser(username, email, tier, s.now())
	if err != nil {
		return User{}, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		byName := tx.Bucket(bucketUsersByName)
		if byName.Get([]byte(username)) != nil {
			return fmt.Errorf("%w: %q", ErrUsernameTaken, username)
		}
		users := tx.Bucket(bucketUsers)
		id, err := users.NextSequence()
		if err != nil {
			return fmt.Errorf("allocating user id: %w", err)
		}
		u.ID = id
		if err := putJSON(users, keyrange.ID(id), u); err != nil {
			return err
		}
		return byName.Put([]byte(username), keyrange.ID(id))
	})
	if err != nil {
		return User{}, fmt.Errorf("creating user: %w", err)
	}
	s.users.Store(u.ID, &u)
	return u, nil
}

// User returns the account with this ID. After the first read it is served
// from memory without a lock.
func (s *Store) User(id uint64) (*User, error) {
	if u, ok := s.users.Load(id); ok {
		return u.(*User), nil
	}
	var u User
	err := s.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketUsers), keyrange.ID(id), &u, ErrUserNotFound)
	})
	if err != nil {
		return nil, fmt.Errorf("user %d: %w", id, err)
	}
	actual, _ := s.users.LoadOrStore(id, &u)
	return actual.(*User), nil
}

// UserByName returns the account with this username.
func (s *Store) UserByName(username string) (*User, error) {
	var id []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketUsersByName).Get([]byte(username)); v != nil {
			id = append(id, v...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading user %q: %w", username, err)
	}
	if id == nil {
		return nil, fmt.Errorf("user %q: %w", username, ErrUserNotFound)
	}
	return s.User(keyrange.IDOf(id))
}

// Users lists every account in ID order.
func (s *Store) Users() ([]User, error) {
	var users []User
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("decoding user: %w", err)
			}
			users = append(users, u)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	return users, nil
}

// SetTier moves an account to another tier. The caller checks the tier exists.
func (s *Store) SetTier(id uint64, tier string) (User, error) {
	if tier == "" {
		return User{}, fmt.Errorf("%w: tier is required", ErrInvalidInput)
	}
	// Held across the write and the cache update so two changes to one user
	// reach the cache in the order they committed.
	s.tierMu.Lock()
	defer s.tierMu.Unlock()
	var u User
	err := s.db.Update(func(tx *bolt.Tx) error {
		users := tx.Bucket(bucketUsers)
		if err := getJSON(users, keyrange.ID(id), &u, ErrUserNotFound); err != nil {
			return err
		}
		u.Tier = tier
		return putJSON(users, keyrange.ID(id), u)
	})
	if err != nil {
		return User{}, fmt.Errorf("changing tier of user %d: %w", id, err)
	}
	s.users.Store(id, &u)
	return u, nil
}
