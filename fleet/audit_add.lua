-- Adds one batch of an account's audit records and their index entries,
-- once: a batch resent after a lost answer finds its token and adds
-- nothing.
-- KEYS[1]: the batch's token, KEYS[2]: the account's stream, KEYS[3]: its
-- time index, KEYS[4...]: its endpoint and key indexes.
-- ARGV[1]: the oldest ID to keep (ms, for MINID; the oldest timestamp the
-- time index keeps), ARGV[2]: retention (ms), ARGV[3]: how long the token
-- is kept (ms), then for each record: the positions in KEYS of its
-- endpoint's and its key's index, its timestamp's milliseconds and the
-- nanoseconds past them (6 digits), and its JSON.
-- Returns 1 when added, 0 when the batch was added before.
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then
	return 0
end
for i = 4, #ARGV, 5 do
	local id = redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[1], '*', 'r', ARGV[i + 4])
	redis.call('XADD', KEYS[tonumber(ARGV[i])], 'MINID', '~', ARGV[1], id, 'r', '')
	redis.call('XADD', KEYS[tonumber(ARGV[i + 1])], 'MINID', '~', ARGV[1], id, 'r', '')
	redis.call('ZADD', KEYS[3], ARGV[i + 2], timeMember(ARGV[i + 3], id))
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1])
for i = 2, #KEYS do
	redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return 1
