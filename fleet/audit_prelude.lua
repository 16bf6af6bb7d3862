-- What the audit log's scripts share. An account's keys:
-- audit:                 stream, the records by write time: field r, the
--                        JSON; h, its hash; p, the hash before it (hex
--                        SHA-256 both, absent on records written before
--                        the chain), in that order
-- audit_head:            string, the hash of the account's newest record
-- audit_by_endpoint:<e>: stream, an entry with each record's ID for endpoint e
-- audit_by_key:<id>:     stream, the same for each record of key id
-- audit_by_time:         sorted set, a member per record (timeMember), its
--                        score the milliseconds of the record's timestamp
-- A double holds milliseconds exactly, not nanoseconds; equal scores order
-- by member, which starts with the nanoseconds past the millisecond, so
-- the set is in the order of the records' timestamps, then their IDs.
--
-- A record's hash is SHA-256 of the hash before it (32 bytes) and its
-- JSON, computed in Go (Lua has no SHA-256): h_n = SHA-256(p_n || r_n),
-- p_n = h_(n-1), the first record's p all zeros (auditGenesis). Each
-- record keeps its p, so what retention leaves verifies from its oldest.

-- auditGenesis is the p of an account's first chained record.
local auditGenesis = string.rep('0', 64)

local function padded(digits, width)
	return string.rep('0', width - #digits) .. digits
end

-- timeMember names a record in the time index: the nanoseconds its
-- timestamp has past its millisecond (6 digits), then its stream ID at
-- fixed width, so members compare as their records do.
local function timeMember(nanos, id)
	local ms, seq = string.match(id, '^(%d+)-(%d+)$')
	return nanos .. padded(ms, 15) .. padded(seq, 10)
end

-- idOfTimeMember is the stream ID a member of the time index names.
local function idOfTimeMember(member)
	local ms = string.match(string.sub(member, 7, 21), '^0*(%d+)$')
	local seq = string.match(string.sub(member, 22), '^0*(%d+)$')
	return ms .. '-' .. seq
end

-- nanosOf is the nanoseconds past its millisecond of an RFC 3339
-- timestamp, as timeMember takes them (auditTimeIndexed in Go): the 4th
-- to 9th digits of its fraction of a second.
local function nanosOf(timestamp)
	local fraction = (string.match(timestamp, '%.(%d+)') or '') .. '000000000'
	return string.sub(fraction, 4, 9)
end
