-- What the ledger's scripts share. An account's keys:
-- days:      hash, UTC day number → micro-USD settled that day
-- leases:    sorted set, lease → when its hold expires (ms)
-- holds:     hash, lease → the hold's estimate; field "total" their sum
-- reclaimed: sorted set, lease → when its expired hold was taken back (ms)

local function int(x)
	return string.format('%d', x) -- Lua would write a large number as 1.7e+15
end

-- reclaim takes back the holds whose lease has ended (their instance died
-- or lost Redis), remembering them for a while so a late settle of one
-- still counts its cost once. Returns how many it took back.
local function reclaim(leases, holds, reclaimed, now, memory)
	local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', now)
	for _, lease in ipairs(expired) do
		local amount = redis.call('HGET', holds, lease)
		if amount then
			redis.call('HDEL', holds, lease)
			redis.call('HINCRBY', holds, 'total', int(-tonumber(amount)))
		end
		redis.call('ZADD', reclaimed, now, lease)
	end
	if #expired > 0 then
		redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
	end
	redis.call('ZREMRANGEBYSCORE', reclaimed, '-inf', now - memory)
	return #expired
end

-- spent sums the days of the rolling window ending today, and forgets
-- older ones.
local function spent(days, today, window)
	local sum = 0
	local all = redis.call('HGETALL', days)
	for i = 1, #all, 2 do
		if tonumber(all[i]) > today - window then
			sum = sum + tonumber(all[i + 1])
		else
			redis.call('HDEL', days, all[i])
		end
	end
	return sum
end

local function held(holds)
	return tonumber(redis.call('HGET', holds, 'total')) or 0
end

-- hold holds estimate against the cap under lease until expiry, unless the
-- usage settled in the window, the open holds and this one would pass it.
-- Returns 1 when held, 0 when the cap refuses.
local function hold(days, leases, holds, today, window, cap, estimate, lease, expiry)
	local used = spent(days, today, window)
	if used >= cap or used + held(holds) + tonumber(estimate) > cap then
		return 0
	end
	if redis.call('HEXISTS', holds, lease) == 1 then
		return redis.error_reply('a hold of this name is open already')
	end
	redis.call('ZADD', leases, expiry, lease)
	redis.call('HSET', holds, lease, estimate)
	redis.call('HINCRBY', holds, 'total', estimate)
	return 1
end
