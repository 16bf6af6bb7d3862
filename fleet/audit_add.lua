-- Adds one batch of an account's audit records and their index entries,
-- once, onto the account's hash chain: a batch resent after a lost answer
-- finds its token and adds nothing; a batch hashed against another head
-- than the chain's (another instance appended meanwhile, or the sender
-- did not know it) adds nothing and learns the head, to be hashed again.
-- The token is checked first: a batch added whose answer was lost is
-- resent hashed against the head it made, or one older, and must not be
-- taken for a stale batch and added twice.
-- KEYS[1]: the batch's token, KEYS[2]: the account's stream, KEYS[3]: its
-- time index, KEYS[4]: its chain's head, KEYS[5...]: its endpoint and key
-- indexes.
-- ARGV[1]: the oldest ID to keep (ms, for MINID; the oldest timestamp the
-- time index keeps), ARGV[2]: retention (ms), ARGV[3]: how long the token
-- is kept (ms), ARGV[4]: the head the batch was hashed against ('' when
-- the sender does not know it, and sends no records), then for each
-- record: the positions in KEYS of its endpoint's and its key's index,
-- its timestamp's milliseconds and the nanoseconds past them (6 digits),
-- its JSON and its hash.
-- Returns {1, head} when added, {0, head} when the batch was added
-- before, {-1, head} when it was hashed against another head; head is the
-- chain's head after the call.
if redis.call('EXISTS', KEYS[1]) == 1 then
	return {0, redis.call('GET', KEYS[4]) or auditGenesis}
end
local head = redis.call('GET', KEYS[4]) or auditGenesis
if head ~= ARGV[4] then
	return {-1, head}
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[3])
for i = 5, #ARGV, 6 do
	local hash = ARGV[i + 5]
	local id = redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[1], '*', 'r', ARGV[i + 4], 'h', hash, 'p', head)
	redis.call('XADD', KEYS[tonumber(ARGV[i])], 'MINID', '~', ARGV[1], id, 'r', '')
	redis.call('XADD', KEYS[tonumber(ARGV[i + 1])], 'MINID', '~', ARGV[1], id, 'r', '')
	redis.call('ZADD', KEYS[3], ARGV[i + 2], timeMember(ARGV[i + 3], id))
	head = hash
end
redis.call('SET', KEYS[4], head)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1])
for i = 2, #KEYS do
	redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return {1, head}
