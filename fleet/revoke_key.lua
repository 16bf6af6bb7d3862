-- Revokes a key for good and tells every instance to forget it.
-- KEYS: key records. ARGV: key ID, the time (RFC 3339), the changes channel,
-- the publishing instance.
-- Returns the key's record, or nil when there is no such key.
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then
	return false
end
local record = cjson.decode(raw)
if record['revoked_at'] == nil or record['revoked_at'] == cjson.null then
	record['revoked_at'] = ARGV[2]
	raw = cjson.encode(record)
	redis.call('HSET', KEYS[1], ARGV[1], raw)
end
redis.call('PUBLISH', ARGV[3], 'key:' .. record['sha256'] .. ' ' .. ARGV[4])
return raw
