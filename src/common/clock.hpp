#pragma once
// Time comes from an injected Clock so rules (expiry, rate limits, schedules) are testable with
// fake time. SystemClock is the production one.
#include <chrono>
#include <cstdint>
#include <string>

namespace hhplus {

class Clock {
  public:
    virtual ~Clock() = default;
    // Wall clock (UTC), for timestamps and expiry instants.
    virtual std::chrono::system_clock::time_point Now() const = 0;
    // Monotonic clock, for durations and deadlines.
    virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

class SystemClock final : public Clock {
  public:
    std::chrono::system_clock::time_point Now() const override {
        return std::chrono::system_clock::now();
    }
    std::chrono::steady_clock::time_point Steady() const override {
        return std::chrono::steady_clock::now();
    }
};

// Milliseconds since the Unix epoch <-> ISO-8601 UTC with milliseconds
// ("2026-11-25T10:00:00.123Z").
std::string FormatIsoMillis(std::int64_t epoch_ms);
std::string FormatIsoMillis(std::chrono::system_clock::time_point tp);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]" followed by "Z" or "+HH:MM"/"-HH:MM". Returns false on
// anything else (including impossible dates).
bool ParseIso8601(std::string_view text, std::int64_t& epoch_ms);
std::int64_t ToEpochMillis(std::chrono::system_clock::time_point tp);

}  // namespace hhplus
