#include "http/request_id.hpp"

#include <atomic>
#include <cstdint>
#include <random>

namespace hhplus::http {
namespace {

std::uint64_t SplitMix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::uint64_t ProcessSeed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace

bool IsSaneRequestId(std::string_view id) {
    if (id.empty() || id.size() > kMaxRequestIdLength) return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string GenerateRequestId() {
    static const std::uint64_t seed = ProcessSeed();
    static std::atomic<std::uint64_t> counter{0};
    // SplitMix64 is a bijection, so distinct counters give distinct ids within a process.
    std::uint64_t v = SplitMix64(seed + counter.fetch_add(1, std::memory_order_relaxed));
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(16, '0');
    for (int i = 15; i >= 0; --i) {
        id[static_cast<std::size_t>(i)] = kHex[v & 0xf];
        v >>= 4;
    }
    return id;
}

}  // namespace hhplus::http
