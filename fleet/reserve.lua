-- Holds a call's worst case against the account's cap, unless the usage
-- settled in the window, the open holds and this one would pass it.
-- KEYS: days, leases, holds, reclaimed.
-- ARGV: now (ms), today, window (days), cap, estimate, lease, expiry (ms),
-- reclaimed memory (ms).
-- Returns {admitted (1/0), holds reclaimed}.
local now, today, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cap, estimate = tonumber(ARGV[4]), tonumber(ARGV[5])
local taken = reclaim(KEYS[2], KEYS[3], KEYS[4], now, tonumber(ARGV[8]))
local used = spent(KEYS[1], today, window)
if used >= cap or used + held(KEYS[3]) + estimate > cap then
	return {0, taken}
end
if redis.call('HEXISTS', KEYS[3], ARGV[6]) == 1 then
	return redis.error_reply('a hold of this name is open already')
end
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[6])
redis.call('HSET', KEYS[3], ARGV[6], ARGV[5])
redis.call('HINCRBY', KEYS[3], 'total', ARGV[5])
return {1, taken}
