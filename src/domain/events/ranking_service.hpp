#pragma once
// RankingService: the best sellers of GET /api/products/top, read from the per-day sorted sets
// the `ranking` consumers maintain (docs/events.md), named from MariaDB, rendered, and cached.
//
// Cache: the rendered answer per (count, days) for 1 s, in this process's memory. The answer is
// a projection already ~1 s behind the payments (relay interval + consumers), so 1 s more is
// within api.md's "cached for 1 s". In process rather than in the cache Redis: a hit then costs
// no round trip at all, and the price — each of 10 instances recomputes each (count, days) at
// most once a second, one ZUNION and one indexed SELECT — is ~10 queries a second per pair in
// use. A shared cache would save 9 of those and cost a Redis round trip on every hit. When an
// entry expires, one request recomputes it while the others still get the previous answer, so
// a popular page never sends a burst of identical queries.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "db/pool.hpp"
#include "domain/events/paid_order.hpp"
#include "redis/client.hpp"

namespace hhplus::events {

// api.md: count 1–50 (default 5), days 1–30 (default 3).
inline constexpr int kTopDefaultCount = 5;
inline constexpr int kTopMaxCount = 50;
inline constexpr int kTopDefaultDays = 3;
inline constexpr int kTopMaxDays = 30;
// api.md "answers are cached for 1 s".
inline constexpr std::chrono::milliseconds kTopCacheTtl{1000};
// Every (count, days) pair can be cached at once: 50 × 30 = 1,500 entries of ≤ ~5 KB (50
// products × ~100 B) ≤ 7.5 MB in the worst case, so the cache needs no eviction.
inline constexpr std::size_t kTopCacheMaxEntries =
    static_cast<std::size_t>(kTopMaxCount) * kTopMaxDays;

struct TopProduct {
    int rank = 0;
    std::int64_t product_id = 0;
    std::string name;
    std::int64_t sold_units = 0;
};

// {"days":3,"products":[{"rank":1,"productId":..,"name":..,"soldUnits":..}]}
std::string RenderTopProducts(int days, const std::vector<TopProduct>& products);

// Flat [member, score, member, score, …] of ZUNION … WITHSCORES: members that are not positive
// ids (never written by the consumer) are skipped; scores are rounded to whole units.
std::vector<ProductUnits> ParseUnionWithScores(const redis::Reply& reply);

class RankingService {
  public:
    RankingService(redis::Client& events, db::Pool& pool, const Clock& clock)
        : events_(events), pool_(pool), clock_(clock) {}

    // The rendered answer (count and days already validated). S002/S001/S500 on failures.
    boost::asio::awaitable<Result<std::string>> TopJson(int count, int days);

  private:
    boost::asio::awaitable<Result<std::string>> Compute(int count, int days);

    struct Cached {
        std::string body;
        std::chrono::steady_clock::time_point expires{};
        bool refreshing = false;
    };

    redis::Client& events_;
    db::Pool& pool_;
    const Clock& clock_;
    std::map<std::pair<int, int>, Cached> cache_;
};

}  // namespace hhplus::events
