#pragma once
// The lock's Lua scripts, one named constant each. Every check-then-act on a lock key runs as one
// script, so nothing can slip in between the check and the act (another holder's SET after our
// GET, say). They run through redis::Script (EVALSHA; EVAL only after NOSCRIPT).
#include <string>
#include <string_view>

namespace hhplus::lock {

// KEYS[1] lock key, ARGV[1] token, ARGV[2] TTL in ms.
// → status "OK" when acquired, else the integer PTTL of the current holder's key (one round trip
//   tells the waiter both "no" and how long its safety-net timer may sleep).
inline constexpr std::string_view kAcquireLua = R"lua(
local ok = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if ok then return ok end
return redis.call('PTTL', KEYS[1])
)lua";

// KEYS[1] lock key, ARGV[1] token, ARGV[2] release channel.
// Delete only our own key (an expired lease must not delete its successor's), then announce the
// release to the waiters of every process. → 0 not ours (any more), else 1 + the number of
// subscribed processes that heard it (the releaser then knows whether anyone else waits).
inline constexpr std::string_view kReleasePublishLua = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1 + redis.call('PUBLISH', ARGV[2], ARGV[1])
end
return 0
)lua";

// Polling mode's release: nobody listens, so no PUBLISH. → 1 released, 0 not ours.
inline constexpr std::string_view kReleaseLua = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua";

// KEYS[1] lock key, ARGV[1] token, ARGV[2] TTL in ms. The watchdog's compare-and-PEXPIRE.
// → 1 renewed, 0 the key is gone or someone else's (the lease is lost).
inline constexpr std::string_view kRenewLua = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
)lua";

}  // namespace hhplus::lock
