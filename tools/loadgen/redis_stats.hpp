#pragma once
// Redis command counts around a run (`--redis ROLE=redis://host:port[,redis://...]`): INFO
// commandstats before and after, the per-command delta summed over a role's instances.
//
// hiredis's blocking API on purpose: it runs twice per test, before the executors start and after
// they stop, never on the event loop while load is generated, and the tool must not depend on the
// service's own Redis library (src/redis is the system under test). URLs are read by the
// service's URL parser (common/urls.hpp), credentials included.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace hhplus::loadgen {

struct RedisRole {
    std::string role;               // "lock", "session", "cache", ...
    std::vector<std::string> urls;  // redis://[[user]:password@]host[:port][/db]
};

// "lock=redis://127.0.0.1:3102,redis://127.0.0.1:3103"
Result<RedisRole, std::string> ParseRedisRole(std::string_view spec);

using CommandCounts = std::map<std::string, std::int64_t>;  // command → calls

// The "cmdstat_<name>:calls=N,..." lines of an INFO commandstats reply.
CommandCounts ParseCommandStats(std::string_view info);

// Connects, authenticates if the URL has a password, sends INFO commandstats, returns the counts.
// Bounded by `timeout` for connect and for each read.
Result<CommandCounts, std::string> FetchCommandStats(const std::string& url,
                                                     std::chrono::milliseconds timeout);

}  // namespace hhplus::loadgen
