-- wrk script: POST /api/coupons/<id>/issue, each request with the NEXT pre-created session (one
-- session, i.e. one user, per request: never reused), counting the answers by status.
--   wrk -tT -c64 -d<window+drain>s --latency -s issue.lua URL -- <coupon_id> <sid_file> <window_s> [T]
-- Requests are sent only during the first <window_s> seconds (or until the sessions run out);
-- then delay() parks every connection, so all requests in flight are answered before wrk stops
-- (-d must leave room for that drain). wrk forgets requests still in flight when it stops, and
-- the audit of the coupon could then not agree with the 201s counted here.
-- With T threads (pass the same T as the last argument) thread i takes every T-th session from
-- line i, so no session serves twice; done() adds up every thread's counters.
-- done() prints machine-readable lines for run.sh: HH <name> <value>, and HH status_<code> <n>.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } hh_timespec;
int clock_gettime(int clock_id, hh_timespec *tp);
]]
local kClockMonotonic = 1
local kParkMs = 3600 * 1000 -- longer than any run: a parked connection sends nothing more
local ts = ffi.new("hh_timespec")
local function now_us()
    ffi.C.clock_gettime(kClockMonotonic, ts)
    return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local path, sids, n_sids, window_us
-- Per-thread results, read by done() through thread:get (globals on purpose).
counts = {}        -- status -> answers
sent = 0           -- requests built (each with its own session)
granted = 0        -- sessions reserved by delay()
answered = 0
first_us = 0       -- first request built
last_us = 0        -- last answer received
ran_out = 0        -- 1 when the sessions ran out before the window closed

local threads = {}
function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_index", #threads) -- 1-based; setup() runs before the thread's init()
end

function init(args)
    path = "/api/coupons/" .. args[1] .. "/issue"
    window_us = tonumber(args[3]) * 1000000
    local thread_count = tonumber(args[4] or "1")
    local index = thread_index or 1
    sids = {}
    local line_no = 0
    for line in io.lines(args[2]) do
        if #line > 0 then
            line_no = line_no + 1
            if (line_no - index) % thread_count == 0 then sids[#sids + 1] = line end
        end
    end
    n_sids = #sids
end

-- wrk calls delay() before EVERY request (a connection's first too, since the script defines
-- it); 0 = send now. A session is reserved here, not in request(): two connections granted in
-- the same turn must not both take the last session.
function delay()
    if granted >= n_sids then
        ran_out = 1
        return kParkMs
    end
    if first_us > 0 and now_us() - first_us >= window_us then return kParkMs end
    granted = granted + 1
    return 0
end

function request()
    if granted == 0 then
        -- wrk calls request() once before the run to check the script (script_verify_request);
        -- that request is never sent: don't spend a session or start the clock on it.
        return wrk.format("POST", path, { ["Cookie"] = "sid=verify" }, nil)
    end
    if first_us == 0 then first_us = now_us() end
    sent = sent + 1
    if sent > n_sids then
        -- Only if wrk ever skipped delay() (it does not in 4.1): never reuse a session; this
        -- harmless request shows up as status 200 in the counts instead.
        return wrk.format("GET", "/health")
    end
    return wrk.format("POST", path, { ["Cookie"] = "sid=" .. sids[sent] }, nil)
end

function response(status, headers, body)
    counts[status] = (counts[status] or 0) + 1
    answered = answered + 1
    last_us = now_us()
end

function done(summary, latency, requests)
    local merged, total = {}, { sent = 0, answered = 0, ran_out = 0 }
    local first, last = math.huge, 0
    for _, t in ipairs(threads) do
        for status, n in pairs(t:get("counts")) do merged[status] = (merged[status] or 0) + n end
        for k in pairs(total) do total[k] = total[k] + t:get(k) end
        local f, l = t:get("first_us"), t:get("last_us")
        if f > 0 and f < first then first = f end
        if l > last then last = l end
    end
    for status, n in pairs(merged) do io.write(string.format("HH status_%d %d\n", status, n)) end
    for k, v in pairs(total) do io.write(string.format("HH %s %d\n", k, v)) end
    io.write(string.format("HH active_us %d\n", last > first and (last - first) or 0))
    local e = summary.errors
    io.write(string.format("HH socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
    for _, p in ipairs({ 50, 90, 99 }) do
        io.write(string.format("HH p%d_us %d\n", p, latency:percentile(p)))
    end
end
