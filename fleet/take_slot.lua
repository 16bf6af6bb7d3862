-- Takes one of an account's slots for an agent run under way, unless max
-- are taken; a slot whose lease ended (its instance died) is free again.
-- KEYS: slots (sorted set, slot → when its lease ends, ms).
-- ARGV: now (ms), max, slot, expiry (ms).
-- Returns 1 when taken, 0 when all are.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
	return 0
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
return 1
