-- wrk script for GET benchmarks: adds nothing to the requests and defines no response()
-- (that would make wrk hand every response to Lua, costing it more CPU than the server spends);
-- it only prints machine-readable figures for run.sh in done():
--   HH requests N / HH non2xx N / HH socket_errors N / HH elapsed_us N / HH p50_us … p99_us N
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("HH requests %d\n", summary.requests))
    io.write(string.format("HH non2xx %d\n", e.status))
    io.write(string.format("HH socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
    io.write(string.format("HH elapsed_us %d\n", summary.duration))
    for _, p in ipairs({ 50, 90, 99 }) do
        io.write(string.format("HH p%d_us %d\n", p, latency:percentile(p)))
    end
end
