-- Admits a call in one step: counts it against the account's rate, and,
-- when the rate allows it, holds its worst case against the cap. A call
-- past the cap still counts against the rate, as in one instance.
-- KEYS: days, leases, holds, reclaimed, the account's TAT.
-- ARGV: now (ms), today, window (days), cap, estimate, lease, expiry (ms),
-- reclaimed memory (ms), now (µs since the epoch), emission interval (µs),
-- rate window (µs).
-- Returns {allowed, remaining, reset, retry after, held (1/0), holds
-- reclaimed}.
local rate = gcra(KEYS[5], tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]))
if rate[1] == 0 then
	return {0, rate[2], rate[3], rate[4], 0, 0}
end
local taken = reclaim(KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]), tonumber(ARGV[8]))
local admitted = hold(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7])
if type(admitted) == 'table' then
	return admitted
end
return {1, rate[2], rate[3], rate[4], admitted, taken}
