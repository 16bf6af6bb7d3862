-- The generic cell rate algorithm over one account's theoretical arrival
-- time (TAT), as metering.RateLimiter runs it in one process.
-- KEYS[1]: the TAT, microseconds since the epoch.
-- ARGV: now (µs), emission interval (µs), window (interval × rpm, µs).
-- Returns {allowed (1/0), remaining, reset (µs), retry after (µs)}.
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
	tat = now
end
local next = tat + interval
if next - now > window then
	return {0, 0, tat - now, next - window - now}
end
-- Numbers go to Redis as %d: Lua would write 1.7e+15.
redis.call('SET', KEYS[1], string.format('%d', next), 'PX', string.format('%d', math.ceil((next - now) / 1000) + 1))
return {1, math.floor((window - (next - now)) / interval), next - now, 0}
