#include "common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>

#include "common/clock.hpp"

namespace hhplus::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::string g_instance = "-";  // set once at start-up, before any thread logs
constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};
}  // namespace

bool ParseLevel(std::string_view text, Level& out) {
    for (int i = 0; i < 4; ++i) {
        if (text == kNames[i]) {
            out = static_cast<Level>(i);
            return true;
        }
    }
    return false;
}

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }
void SetInstance(std::string instance) { g_instance = std::move(instance); }
bool Enabled(Level level) {
    return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void Write(Level level, std::string_view message) {
    std::string line = FormatIsoMillis(std::chrono::system_clock::now());
    line += ' ';
    line += kNames[static_cast<int>(level)];
    line += ' ';
    line += g_instance;
    line += ' ';
    line += message;
    line += '\n';
    // One write per line; a short write to stderr is not worth retrying for a log.
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace hhplus::log
