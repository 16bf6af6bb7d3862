-- A key's record by the SHA-256 of its secret, in one round trip.
-- KEYS: keys, key records. ARGV: SHA-256 (hex).
-- Returns the record, or nil when no key has this hash.
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then
	return false
end
return redis.call('HGET', KEYS[2], id)
