package fleet

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keinetech/kaine/accounts"
)

var (
	//go:embed create_user.lua
	createUserSource string
	//go:embed create_key.lua
	createKeySource string
	//go:embed revoke_key.lua
	revokeKeySource string
	//go:embed set_tier.lua
	setTierSource string
	//go:embed find_key.lua
	findKeySource string
	//go:embed touch_keys.lua
	touchKeysSource string

	createUserScript = redis.NewScript(createUserSource)
	createKeyScript  = redis.NewScript(createKeySource)
	revokeKeyScript  = redis.NewScript(revokeKeySource)
	setTierScript    = redis.NewScript(setTierSource)
	findKeyScript    = redis.NewScript(findKeySource)
	touchKeysScript  = redis.NewScript(touchKeysSource)
)

// accountsKey names one of the fleet's account indexes. They share one hash
// tag: a script that creates a key checks the account in the same slot.
func (s *Store) accountsKey(name string) string { return s.prefix + ":{accounts}:" + name }

// CreateUser adds an account. The caller checks that tier exists.
func (a *Accounts) CreateUser(username, email, tier string) (accounts.User, error) {
	u, err := accounts.NewUser(username, email, tier, a.store.now())
	if err != nil {
		return accounts.User{}, err
	}
	raw, err := json.Marshal(u)
	if err != nil {
		return accounts.User{}, fmt.Errorf("encoding user: %w", err)
	}
	ctx, cancel := a.store.context()
	defer cancel()
	id, err := createUserScript.Run(ctx, a.store.client, []string{a.users, a.usernames, a.ids}, username, raw).Uint64()
	switch {
	case err != nil:
		return accounts.User{}, unavailable("creating user", err)
	case id == 0:
		return accounts.User{}, fmt.Errorf("creating user: %w: %q", accounts.ErrUsernameTaken, username)
	}
	u.ID = id
	return u, nil
}

// User returns the account with this ID, from this instance's memory when
// it read it lately and heard of no change since.
func (a *Accounts) User(id uint64) (*accounts.User, error) {
	if c, ok := a.cachedUser(id); ok {
		return c, nil
	}
	gen := a.generation.Load()
	ctx, cancel := a.store.context()
	defer cancel()
	raw, err := a.store.client.HGet(ctx, a.users, strconv.FormatUint(id, 10)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("user %d: %w", id, accounts.ErrUserNotFound)
	}
	if err != nil {
		if stale, ok := a.staleUser(id); ok {
			return stale, nil // what the instance knows, while Redis is away
		}
		return nil, unavailable("reading user", err)
	}
	var u accounts.User
	if err := json.Unmarshal([]byte(raw), &u); err != nil {
		return nil, fmt.Errorf("decoding user %d: %w", id, err)
	}
	a.rememberUser(&u, gen)
	return &u, nil
}

// UserByName returns the account with this username.
func (a *Accounts) UserByName(username string) (*accounts.User, error) {
	ctx, cancel := a.store.context()
	defer cancel()
	id, err := a.store.client.HGet(ctx, a.usernames, username).Uint64()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("user %q: %w", username, accounts.ErrUserNotFound)
	}
	if err != nil {
		return nil, unavailable("reading user", err)
	}
	return a.User(id)
}

// Users lists every account in ID order.
func (a *Accounts) Users() ([]accounts.User, error) {
	ctx, cancel := a.store.context()
	defer cancel()
	all, err := a.store.client.HVals(ctx, a.users).Result()
	if err != nil {
		return nil, unavailable("listing users", err)
	}
	users := make([]accounts.User, len(all))
	for i, raw := range all {
		if err := json.Unmarshal([]byte(raw), &users[i]); err != nil {
			return nil, fmt.Errorf("decoding user: %w", err)
		}
	}
	slices.SortFunc(users, func(x, y accounts.User) int { return cmp.Compare(x.ID, y.ID) })
	return users, nil
}

// SetTier moves an account to another tier, on every instance at once.
// The caller checks the tier exists.
func (a *Accounts) SetTier(id uint64, tier string) (accounts.User, error) {
	if tier == "" {
		return accounts.User{}, fmt.Errorf("%w: tier is required", accounts.ErrInvalidInput)
	}
	ctx, cancel := a.store.context()
	defer cancel()
	raw, err := setTierScript.Run(ctx, a.store.client, []string{a.users}, id, tier, a.changes, a.origin).Text()
	a.forgetUser(id) // its answer lost, the change may still have been made
	if errors.Is(err, redis.Nil) {
		return accounts.User{}, fmt.Errorf("changing tier of user %d: %w", id, accounts.ErrUserNotFound)
	}
	if err != nil {
		return accounts.User{}, unavailable("changing tier", err)
	}
	var u accounts.User
	if err := json.Unmarshal([]byte(raw), &u); err != nil {
		return accounts.User{}, fmt.Errorf("decoding user %d: %w", id, err)
	}
	return u, nil
}

// CreateKey makes a key for a user. The returned secret is the only copy:
// the fleet keeps its SHA-256 and a short display prefix.
func (a *Accounts) CreateKey(userID uint64, name string, scopes accounts.Scopes) (string, accounts.Key, error) {
	secret, key, hash, err := accounts.MintKey(userID, name, scopes, a.store.now())
	if err != nil {
		return "", accounts.Key{}, err
	}
	raw, err := json.Marshal(accounts.StoredKey{Key: key, SHA256: hash.String()})
	if err != nil {
		return "", accounts.Key{}, fmt.Errorf("encoding key: %w", err)
	}
	ctx, cancel := a.store.context()
	defer cancel()
	id, err := createKeyScript.Run(ctx, a.store.client, []string{a.users, a.keys, a.keyRecords, a.ids},
		userID, hash.String(), raw, a.changes, a.origin).Uint64()
	switch {
	case err != nil:
		return "", accounts.Key{}, unavailable("creating key", err)
	case id == 0:
		return "", accounts.Key{}, fmt.Errorf("creating key: user %d: %w", userID, accounts.ErrUserNotFound)
	}
	key.ID = id
	a.forgetKey(hash)
	return secret, key, nil
}

// Keys lists keys in ID order: all of them when userID is 0, else that
// user's. This instance's pending last-used times are written first.
func (a *Accounts) Keys(userID uint64) ([]accounts.Key, error) {
	if err := a.FlushLastUsed(); err != nil {
		return nil, err
	}
	ctx, cancel := a.store.context()
	defer cancel()
	pipe := a.store.client.Pipeline()
	records := pipe.HVals(ctx, a.keyRecords)
	used := pipe.HGetAll(ctx, a.lastUsed)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, unavailable("listing keys", err)
	}
	var keys []accounts.Key
	for _, raw := range records.Val() {
		var rec accounts.StoredKey
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			return nil, fmt.Errorf("decoding key: %w", err)
		}
		if userID != 0 && rec.UserID != userID {
			continue
		}
		if unix, err := strconv.ParseInt(used.Val()[strconv.FormatUint(rec.ID, 10)], 10, 64); err == nil {
			t := time.Unix(unix, 0).UTC()
			rec.LastUsedAt = &t
		}
		keys = append(keys, rec.Key)
	}
	slices.SortFunc(keys, func(x, y accounts.Key) int { return cmp.Compare(x.ID, y.ID) })
	return keys, nil
}

// RevokeKey revokes a key for good. It takes effect on this instance
// before RevokeKey returns and on the others as soon as they hear of it.
// Revoking a revoked key changes nothing.
func (a *Accounts) RevokeKey(id uint64) (accounts.Key, error) {
	ctx, cancel := a.store.context()
	defer cancel()
	raw, err := revokeKeyScript.Run(ctx, a.store.client, []string{a.keyRecords},
		id, a.store.now().UTC().Truncate(time.Second).Format(time.RFC3339), a.changes, a.origin).Text()
	if errors.Is(err, redis.Nil) {
		return accounts.Key{}, fmt.Errorf("revoking key %d: %w", id, accounts.ErrKeyNotFound)
	}
	if err != nil {
		// The answer lost, the key may be revoked already: read every key
		// again before trusting it.
		a.doubtAll()
		return accounts.Key{}, unavailable("revoking key", err)
	}
	var rec accounts.StoredKey
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return accounts.Key{}, fmt.Errorf("decoding key %d: %w", id, err)
	}
	hash, err := rec.Hash()
	if err != nil {
		return accounts.Key{}, err
	}
	a.forgetKey(hash)
	return rec.Key, nil
}
