package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/metering"
)

// ErrNotEmpty refuses an import into a fleet that has accounts already.
var ErrNotEmpty = errors.New("the fleet already has accounts")

// importChunk is how many writes go to Redis in one pipeline.
const importChunk = 1000

// Import moves a single instance's users, keys (their hashes; secrets are
// never stored) and usage window into an empty fleet, keeping their IDs
// so the instance's audit records and business data still match. It runs
// once: a fleet with any user, or imported into before, is refused with
// ErrNotEmpty.
func (s *Store) Import(users []accounts.User, keys []accounts.StoredKey, days map[uint64][]metering.DaySpend) error {
	ctx := context.Background()
	marker := s.accountsKey("imported")
	first, err := s.client.SetNX(ctx, marker, s.now().UTC().Format(time.RFC3339), 0).Result()
	if err != nil {
		return unavailable("importing", err)
	}
	if !first {
		return fmt.Errorf("%w: it was imported into before (%s)", ErrNotEmpty, marker)
	}
	written := false
	defer func() {
		if !written { // nothing was written: a later import may run
			s.client.Del(ctx, marker)
		}
	}()
	if n, err := s.client.HLen(ctx, s.accountsKey("users")).Result(); err != nil || n > 0 {
		if err != nil {
			return unavailable("importing", err)
		}
		return fmt.Errorf("%w: %d users", ErrNotEmpty, n)
	}
	var writes []func(p redis.Pipeliner)
	var lastUser, lastKey uint64
	for _, u := range users {
		data, err := json.Marshal(u)
		if err != nil {
			return fmt.Errorf("encoding user %d: %w", u.ID, err)
		}
		writes = append(writes, func(p redis.Pipeliner) {
			p.HSet(ctx, s.accountsKey("users"), u.ID, data)
			p.HSet(ctx, s.accountsKey("usernames"), u.Username, u.ID)
		})
		lastUser = max(lastUser, u.ID)
	}
	for _, k := range keys {
		used := k.LastUsedAt
		k.LastUsedAt = nil // kept apart, as every instance writes it
		data, err := json.Marshal(k)
		if err != nil {
			return fmt.Errorf("encoding key %d: %w", k.ID, err)
		}
		writes = append(writes, func(p redis.Pipeliner) {
			p.HSet(ctx, s.accountsKey("key_records"), k.ID, data)
			p.HSet(ctx, s.accountsKey("keys"), k.SHA256, k.ID)
			if used != nil {
				p.HSet(ctx, s.accountsKey("last_used"), k.ID, used.Unix())
			}
		})
		lastKey = max(lastKey, k.ID)
	}
	for account, window := range days {
		for _, d := range window {
			if d.Spent > 0 {
				writes = append(writes, func(p redis.Pipeliner) {
					p.HIncrBy(ctx, s.accountKey(account, "days"), strconv.FormatInt(d.Day.Unix()/86400, 10), int64(d.Spent))
				})
			}
		}
	}
	writes = append(writes, func(p redis.Pipeliner) { p.HSet(ctx, s.accountsKey("ids"), "user", lastUser, "key", lastKey) })
	written = true
	for start := 0; start < len(writes); start += importChunk {
		pipe := s.client.TxPipeline()
		for _, w := range writes[start:min(start+importChunk, len(writes))] {
			w(pipe)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return unavailable(fmt.Sprintf("importing (%d of %d writes done; delete the fleet's keys, %s:*, before trying again)", start, len(writes), s.prefix), err)
		}
	}
	return nil
}
