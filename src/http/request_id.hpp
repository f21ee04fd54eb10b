#pragma once
// X-Request-Id: a client's id is echoed only when it is harmless in a header and a log line;
// otherwise the server makes one. Ids are for correlation, not security: they need to be unique
// across instances and cheap, not unpredictable.
#include <cstddef>
#include <string>
#include <string_view>

namespace hhplus::http {

// 64 characters hold a UUID (36) or a W3C trace id (32) with room to spare; longer ids only
// bloat every log line.
inline constexpr std::size_t kMaxRequestIdLength = 64;

// 1..kMaxRequestIdLength characters of [A-Za-z0-9._-].
bool IsSaneRequestId(std::string_view id);

// 16 lower-case hex characters: a per-process random 64-bit seed plus a counter, mixed by
// SplitMix64, so two instances (or restarts) do not repeat each other's ids. Thread-safe.
std::string GenerateRequestId();

}  // namespace hhplus::http
