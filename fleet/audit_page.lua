-- An account's records for one endpoint, newest first, read through the
-- endpoint's index in one round trip.
-- KEYS[1]: the account's stream, KEYS[2]: the endpoint's index.
-- ARGV[1]: where to start ('+', or '(' and the ID below which to go on),
-- ARGV[2]: how many.
-- Returns ID, JSON, ID, JSON, ...
local out = {}
for _, ref in ipairs(redis.call('XREVRANGE', KEYS[2], ARGV[1], '-', 'COUNT', ARGV[2])) do
	local record = redis.call('XRANGE', KEYS[1], ref[1], ref[1])
	if #record > 0 then -- else trimmed from the stream first
		out[#out + 1] = ref[1]
		out[#out + 1] = record[1][2][2]
	end
end
return out
