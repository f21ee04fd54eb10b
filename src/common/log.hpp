#pragma once
// Minimal structured logging to stderr: one line per event, "ts level instance msg key=value...".
// Lines are written with one write(2) each so concurrent processes sharing a log file interleave
// whole lines only.
#include <string>
#include <string_view>

namespace hhplus::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

bool ParseLevel(std::string_view text, Level& out);
void SetLevel(Level level);
void SetInstance(std::string instance);
bool Enabled(Level level);
void Write(Level level, std::string_view message);

inline void Debug(std::string_view m) {
    if (Enabled(Level::kDebug)) Write(Level::kDebug, m);
}
inline void Info(std::string_view m) {
    if (Enabled(Level::kInfo)) Write(Level::kInfo, m);
}
inline void Warn(std::string_view m) {
    if (Enabled(Level::kWarn)) Write(Level::kWarn, m);
}
inline void Error(std::string_view m) {
    if (Enabled(Level::kError)) Write(Level::kError, m);
}

}  // namespace hhplus::log
