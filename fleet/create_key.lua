-- Adds a key for an existing account, and tells every instance (one may
-- have remembered its hash as unknown).
-- KEYS: users, keys, key records, ids. ARGV: user ID, SHA-256 (hex), the
-- key's record as JSON, the changes channel, the publishing instance.
-- Returns the key's new ID, or 0 when the account does not exist.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
	return 0
end
local id = redis.call('HINCRBY', KEYS[4], 'key', 1)
local record = cjson.decode(ARGV[3])
record['key_id'] = id
redis.call('HSET', KEYS[3], id, cjson.encode(record))
redis.call('HSET', KEYS[2], ARGV[2], id)
redis.call('PUBLISH', ARGV[4], 'key:' .. ARGV[2] .. ' ' .. ARGV[5])
return id
