-- wrk script: signs up `count` fresh users through the API and writes each new session id (the
-- sid of Set-Cookie) to `out_file`, one a line. Run with ONE thread (-t1): the email counter and
-- the output file belong to that thread.
--   wrk -t1 -c32 -d60s -s signup.lua URL -- <out_file> <count> <email_prefix>
-- The thread stops itself once `count` sessions are written (the -d duration is only the bound).
local out, target, prefix
local sent, written, failed = 0, 0, 0

function init(args)
    out = assert(io.open(args[1], "w"))
    target = tonumber(args[2])
    prefix = args[3]
end

function request()
    sent = sent + 1
    local body = string.format('{"email":"%s-%d@bench.test","password":"benchpw1"}', prefix, sent)
    return wrk.format("POST", "/api/auth/signup", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
    local cookie = headers["Set-Cookie"] or headers["set-cookie"]
    local sid = cookie and cookie:match("sid=([%w_%-]+)")
    if status == 201 and sid and written < target then
        out:write(sid, "\n")
        written = written + 1
        if written == target then
            out:close()
            wrk.thread:stop()
        end
    elseif status ~= 201 then
        failed = failed + 1
    end
end

function done(summary, latency, requests)
    io.write(string.format("signup: %d requests, %d errors (non-2xx/socket)\n",
        summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read +
        summary.errors.write + summary.errors.timeout))
end
