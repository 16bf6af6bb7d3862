-- The generic cell rate algorithm over one account's theoretical arrival
-- time (TAT), as metering.RateLimiter runs it in one process. Times are in
-- µs since the fleet's epoch (2026-01-01 UTC) and fractional: a double
-- holds them to 0.01 µs for years and to 0.5 µs in 2100, fine against the
-- 60 µs interval of a million calls a minute; at the billion a load test
-- sets, the interval (0.06 µs) is only roughly kept, which such a limit
-- never needs.
-- Returns {allowed (1/0), remaining, reset (µs), retry after (µs)}.
local function gcra(key, now, interval, window)
	local tat = tonumber(redis.call('GET', key)) or now
	if tat < now then
		tat = now
	end
	local next = tat + interval
	if next - now > window then
		return {0, 0, math.ceil(tat - now), math.ceil(next - window - now)}
	end
	-- %.17g keeps every digit; Lua's own conversion keeps 14.
	redis.call('SET', key, string.format('%.17g', next), 'PX', string.format('%d', math.ceil((next - now) / 1000) + 1))
	return {1, math.floor((window - (next - now)) / interval), math.ceil(next - now), 0}
end
