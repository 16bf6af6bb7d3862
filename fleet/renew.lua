-- Keeps one hold open for another lease: a hold kept past its call (a
-- video job's) is renewed while its job runs. A hold whose lease ended
-- meanwhile is held again, past the cap: its job was admitted under it
-- and still runs. A settled hold stays settled, unless resume says it
-- cannot be (a restart resumes holds before anything settles them), and
-- so a hold Redis forgot is held again too.
-- KEYS: days, leases, holds, reclaimed.
-- ARGV: lease, estimate, expiry (ms), resume (1/0).
-- Returns 1 when renewed, 2 when held again, 0 when left settled.
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then
	redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
	return 1
end
if redis.call('ZREM', KEYS[4], ARGV[1]) == 0 and ARGV[4] ~= '1' then
	return 0
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'total', ARGV[2])
return 2
