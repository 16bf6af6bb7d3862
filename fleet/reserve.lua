-- Holds a call's worst case against the account's cap (see hold).
-- KEYS: days, leases, holds, reclaimed.
-- ARGV: now (ms), today, window (days), cap, estimate, lease, expiry (ms),
-- reclaimed memory (ms).
-- Returns {admitted (1/0), holds reclaimed}.
local taken = reclaim(KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]), tonumber(ARGV[8]))
local admitted = hold(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7])
if type(admitted) == 'table' then
	return admitted -- an error reply
end
return {admitted, taken}
