-- What the ledger's scripts share. An account's keys:
-- days:      hash, UTC day number → micro-USD settled that day; and
--            window_end, window_sum: the window's sum as of that day
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
		-- Only here does reclaimed grow, so only here need it be trimmed.
		redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
		redis.call('ZREMRANGEBYSCORE', reclaimed, '-inf', now - memory)
	end
	return #expired
end

-- spent sums the days of the rolling window ending today, and forgets
-- older ones. The sum is kept in the days hash (window_end, window_sum)
-- and settles add to it, so only the first call of an account's day
-- reads every day: 30 days of history cost a third of an admission's CPU.
local function spent(days, today, window)
	local cached = redis.call('HMGET', days, 'window_end', 'window_sum')
	if tonumber(cached[1]) == today and cached[2] then
		return tonumber(cached[2])
	end
	local sum = 0
	local all = redis.call('HGETALL', days)
	for i = 1, #all, 2 do
		local day = tonumber(all[i])
		if day == nil then -- window_end, window_sum
		elseif day > today - window then
			sum = sum + tonumber(all[i + 1])
		else
			redis.call('HDEL', days, all[i])
		end
	end
	redis.call('HSET', days, 'window_end', today, 'window_sum', int(sum))
	return sum
end

-- count adds cost to day's spending, and to the kept window sum when the
-- window it is of holds that day.
local function count(days, day, cost, window)
	redis.call('HINCRBY', days, day, cost)
	local window_end = tonumber(redis.call('HGET', days, 'window_end'))
	if window_end and tonumber(day) > window_end - window then
		redis.call('HINCRBY', days, 'window_sum', cost)
	end
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
	if redis.call('HSETNX', holds, lease, estimate) == 0 then
		return redis.error_reply('a hold of this name is open already')
	end
	redis.call('ZADD', leases, expiry, lease)
	redis.call('HINCRBY', holds, 'total', estimate)
	return 1
end
