-- Moves an account to another tier and tells every instance.
-- KEYS: users. ARGV: user ID, tier, the changes channel, the publishing
-- instance.
-- Returns the account, or nil when there is no such account.
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then
	return false
end
local user = cjson.decode(raw)
user['tier'] = ARGV[2]
raw = cjson.encode(user)
redis.call('HSET', KEYS[1], ARGV[1], raw)
redis.call('PUBLISH', ARGV[3], 'user:' .. ARGV[1] .. ' ' .. ARGV[4])
return raw
