-- Adds an account unless its username is taken.
-- KEYS: users, usernames, ids. ARGV: username, the account's JSON.
-- Returns its new ID, or 0 when the name is taken.
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
	return 0
end
local id = redis.call('HINCRBY', KEYS[3], 'user', 1)
local user = cjson.decode(ARGV[2])
user['user_id'] = id
redis.call('HSET', KEYS[1], id, cjson.encode(user))
redis.call('HSET', KEYS[2], ARGV[1], id)
return id
