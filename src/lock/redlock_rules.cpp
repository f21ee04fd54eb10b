#include "lock/redlock_rules.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <stdexcept>

namespace hhplus::lock {

std::size_t Quorum(std::size_t masters) { return masters / 2 + 1; }

Millis Validity(Millis ttl, Millis elapsed, Millis drift) { return ttl - elapsed - drift; }

bool RedlockSucceeded(std::size_t acquired, std::size_t masters, Millis validity) {
    return masters > 0 && acquired >= Quorum(masters) && validity > Millis::zero();
}

Millis HeadRetryDelay(std::optional<Millis> holder_pttl, Millis remaining_budget, Millis floor) {
    Millis delay = floor;
    if (holder_pttl && *holder_pttl > floor) delay = *holder_pttl;
    return std::max(Millis::zero(), std::min(delay, remaining_budget));
}

Millis PollingDelay(Millis interval, double unit_random, Millis remaining_budget) {
    const double factor = 0.5 + std::clamp(unit_random, 0.0, 1.0);
    const auto jittered =
        Millis(static_cast<Millis::rep>(static_cast<double>(interval.count()) * factor));
    return std::max(Millis::zero(), std::min(jittered, remaining_budget));
}

bool HandOffAllowed(int hand_offs, int max_hand_offs, Millis since_acquired, Millis window,
                    Millis remaining_validity, Millis ttl) {
    return hand_offs < max_hand_offs && since_acquired <= window && remaining_validity >= ttl / 2;
}

std::string TokenHex(const std::array<std::uint8_t, 16>& bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t b : bytes) {
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 0x0f]);
    }
    return out;
}

std::string RandomToken() {
    std::array<std::uint8_t, 16> bytes{};
    std::size_t filled = 0;
    // getrandom(2) for ≤ 256 bytes never returns short once the pool is initialised; the loop only
    // covers EINTR. Bounded: a kernel without entropy would be a broken machine, not a retry case.
    for (int attempt = 0; filled < bytes.size() && attempt < 8; ++attempt) {
        const ssize_t n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
        if (n > 0)
            filled += static_cast<std::size_t>(n);
        else if (errno != EINTR)
            break;
    }
    if (filled < bytes.size()) throw std::runtime_error("getrandom failed");  // a bug/broken host
    return TokenHex(bytes);
}

}  // namespace hhplus::lock
