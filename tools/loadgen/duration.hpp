#pragma once
// Durations as k6 reads and prints them. All times in the load generator are signed nanosecond
// counts (Nanos), offsets from an origin that the caller owns; k6 uses Go's time.Duration, which
// is the same representation, so arithmetic such as "timeUnit / rate" truncates exactly as in k6.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hhplus::loadgen {

using Nanos = std::int64_t;

constexpr Nanos kMicrosecond = 1'000;
constexpr Nanos kMillisecond = 1'000'000;
constexpr Nanos kSecond = 1'000'000'000;
constexpr Nanos kMinute = 60 * kSecond;
constexpr Nanos kHour = 60 * kMinute;
// "No event scheduled": later than any run (about 292 years).
constexpr Nanos kNever = INT64_MAX;

// k6's duration strings: Go's time.ParseDuration ("1h2m3.5s", "250ms", "1.5us") extended with
// days ("2d12h") and, as in k6, a bare number meaning milliseconds ("1500"). Nullopt on anything
// else, including overflow.
std::optional<Nanos> ParseDuration(std::string_view text);

// Go's time.Duration.String(): "0s", "1.5ms", "40ms", "5s", "1m30s", "1h0m0s". k6 prints scenario
// descriptions ("25.00 iterations/s for 5s") with it.
std::string FormatGoDuration(Nanos d);

// k6's pb.GetFixedLengthDuration: a progress-bar time whose width depends only on `max`
// ("5.0s" under 10 s, "05.0s" under a minute, "0m05.0s" under 10 minutes, ...), rounded to 100 ms.
std::string FormatFixedLengthDuration(Nanos d, Nanos max);

inline double ToMillis(Nanos d) {
    return static_cast<double>(d) / static_cast<double>(kMillisecond);
}
inline double ToSeconds(Nanos d) { return static_cast<double>(d) / static_cast<double>(kSecond); }

}  // namespace hhplus::loadgen
