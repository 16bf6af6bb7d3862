-- Records when keys were last used, keeping the latest of every
-- instance's.
-- KEYS: last used. ARGV: key ID, unix seconds, key ID, unix seconds, ...
for i = 1, #ARGV, 2 do
	local seen = tonumber(redis.call('HGET', KEYS[1], ARGV[i])) or 0
	if tonumber(ARGV[i + 1]) > seen then
		redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
	end
end
return #ARGV / 2
