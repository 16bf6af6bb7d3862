-- Adds one batch of an account's audit records, once: a batch resent after
-- a lost answer finds its token and adds nothing.
-- KEYS[1]: the batch's token, KEYS[2]: the account's stream, KEYS[3...]:
-- its endpoint indexes (streams whose entries carry a record's ID).
-- ARGV[1]: the oldest ID to keep (ms, for MINID), ARGV[2]: retention (ms),
-- ARGV[3]: how long the token is kept (ms), then for each record the
-- position of its index in KEYS and its JSON.
-- Returns 1 when added, 0 when the batch was added before.
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then
	return 0
end
for i = 4, #ARGV, 2 do
	local id = redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[1], '*', 'r', ARGV[i + 1])
	local index = KEYS[tonumber(ARGV[i])]
	redis.call('XADD', index, 'MINID', '~', ARGV[1], id, 'r', '')
	redis.call('PEXPIRE', index, ARGV[2])
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
