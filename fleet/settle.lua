-- Ends a hold with its call's real cost, counted on today's date, exactly
-- once: a settle retried after a lost answer finds its hold gone and
-- counts nothing; one that comes after its expired hold was taken back
-- still counts its cost, once.
-- KEYS: days, leases, holds, reclaimed.
-- ARGV: lease, cost, today, window (days).
-- Returns 1 when it counted, 0 when the lease was settled before.
local amount = redis.call('HGET', KEYS[3], ARGV[1])
if amount then
	redis.call('HDEL', KEYS[3], ARGV[1])
	redis.call('ZREM', KEYS[2], ARGV[1])
	redis.call('HINCRBY', KEYS[3], 'total', int(-tonumber(amount)))
elseif redis.call('ZREM', KEYS[4], ARGV[1]) == 0 then
	return 0
end
if tonumber(ARGV[2]) > 0 then
	count(KEYS[1], ARGV[3], ARGV[2], tonumber(ARGV[4]))
end
return 1
