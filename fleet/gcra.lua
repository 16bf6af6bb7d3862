-- Counts one call against the account's rate (see rate_prelude.lua).
-- KEYS[1]: the account's TAT. ARGV: now, emission interval, window
-- (interval × rpm), in µs.
return gcra(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
