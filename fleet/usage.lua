-- The account's usage settled in the window and what its open holds keep,
-- after taking back the expired ones.
-- KEYS: days, leases, holds, reclaimed.
-- ARGV: now (ms), today, window (days), reclaimed memory (ms).
-- Returns {used, held, holds reclaimed}.
local taken = reclaim(KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]), tonumber(ARGV[4]))
return {spent(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3])), held(KEYS[3]), taken}
