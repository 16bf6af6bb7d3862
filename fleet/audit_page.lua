-- A page of an account's records matching a filter, newest first, in one
-- round trip: the walk of one index from a cursor, reading at most a
-- budget of records, as metering.AuditLog.Page does in bbolt.
-- KEYS[1]: the account's stream, KEYS[2]: the index to walk: the stream
-- itself, a key's or an endpoint's index, or the time index.
-- ARGV[1]: which ('stream', 'refs' or 'time'), ARGV[2]: the stream ID of
-- the record to page below ('' from the newest), ARGV[3]: how many
-- records, ARGV[4]: how many to read at most, ARGV[5], ARGV[6]: the end of
-- the time range (not in it) as the time index's score and nanoseconds,
-- ARGV[7], ARGV[8]: its start (in it), each '' when open, ARGV[9]: what
-- the index does not narrow to, as pieces of JSON a passing record holds
-- (a JSON array; auditChecks.needles in Go), ARGV[10], ARGV[11]: the time
-- of the record to page below, as score and nanoseconds, when the caller
-- knows it ('' else), so a trimmed one still places the walk.
-- Returns the stream ID to page below next ('' when the listing is done),
-- then ID, JSON, hash ('' for a record written before the chain), ID,
-- JSON, hash, ...; an UNKNOWNCURSOR error when the walk is by time and the
-- record to page below is not indexed.
local stream, index = KEYS[1], KEYS[2]
local walk, before, limit, budget = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local untilScore, untilNanos = tonumber(ARGV[5]), ARGV[6]
local sinceScore, sinceNanos = tonumber(ARGV[7]), ARGV[8]
local needles = cjson.decode(ARGV[9])
local checking = #needles > 0

local out = {''}
local matched, scanned = 0, 0

-- visit lists a record when it passes the checks; false once the page is
-- full or the budget spent, out[1] then the record to go on below.
local function visit(id, json, hash)
	if not json then
		return true -- trimmed between the index and the record
	end
	scanned = scanned + 1
	local passes = true
	if checking then
		for _, needle in ipairs(needles) do
			if not string.find(json, needle, 1, true) then
				passes = false
				break
			end
		end
	end
	if passes then
		out[#out + 1] = id
		out[#out + 1] = json
		out[#out + 1] = hash or ''
		matched = matched + 1
	end
	if matched == limit or scanned == budget then
		out[1] = id
		return false
	end
	return true
end

-- chunk is how many index entries to read next: what the page lacks, more
-- when some may not pass, never past the budget.
local function chunk()
	local n = limit - matched
	if checking then
		n = math.max(n, 100)
	end
	return math.min(n, budget - scanned)
end

-- fields is a stream entry's JSON and hash: fields r and h, which
-- audit_add.lua writes first and second.
local function fields(entry)
	return entry[2][2], entry[2][4]
end

local function record(id)
	local entry = redis.call('XRANGE', stream, id, id)[1]
	if entry then
		return fields(entry)
	end
end

if walk ~= 'time' then
	local start = before == '' and '+' or '(' .. before
	while true do
		local n = chunk()
		local entries = redis.call('XREVRANGE', index, start, '-', 'COUNT', n)
		for _, entry in ipairs(entries) do
			local json, hash
			if walk == 'stream' then
				json, hash = fields(entry)
			else
				json, hash = record(entry[1])
			end
			if not visit(entry[1], json, hash) then
				return out
			end
		end
		if #entries < n then
			return out
		end
		start = '(' .. entries[#entries][1]
	end
end

-- By time: from the first rank below the range's end and the cursor.
local rank = 0
if untilScore then
	rank = redis.call('ZCOUNT', index, '(' .. ARGV[5], '+inf')
end
if before ~= '' then
	local json = record(before)
	local cursor
	if json then
		cursor = redis.call('ZREVRANK', index, timeMember(nanosOf(cjson.decode(json).timestamp), before))
	elseif ARGV[10] ~= '' then
		-- The record is trimmed, its time known: it would rank below every
		-- member greater than its own.
		local member = timeMember(ARGV[11], before)
		local above = redis.call('ZCOUNT', index, '(' .. ARGV[10], '+inf')
		for _, m in ipairs(redis.call('ZRANGEBYSCORE', index, ARGV[10], ARGV[10])) do
			if m > member then
				above = above + 1
			end
		end
		cursor = above - 1
	end
	if not cursor then
		return redis.error_reply('UNKNOWNCURSOR the record to page below is not in the audit log')
	end
	rank = math.max(rank, cursor + 1)
end
while true do
	local n = chunk()
	local entries = redis.call('ZREVRANGE', index, rank, rank + n - 1, 'WITHSCORES')
	for i = 1, #entries, 2 do
		local member, score = entries[i], tonumber(entries[i + 1])
		local nanos = string.sub(member, 1, 6)
		if sinceScore and (score < sinceScore or score == sinceScore and nanos < sinceNanos) then
			return out
		end
		-- The range's end may fall within a millisecond: skip what of it
		-- is not before the end.
		if not (untilScore and score == untilScore and nanos >= untilNanos) then
			local id = idOfTimeMember(member)
			if not visit(id, record(id)) then
				return out
			end
		end
	end
	if #entries < 2 * n then
		return out
	end
	rank = rank + n
end
