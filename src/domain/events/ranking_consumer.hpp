#pragma once
// RankingApplier: the `ranking` group's handler. Each paid order is counted exactly once into
// the per-day sorted sets that GET /api/products/top reads, however often the stream delivers it
// (relay resends, reclaims): one Lua script sets the order's dedupe key with NX and only when it
// was newly set adds the units, so the check and the increments are one atomic step.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>

#include "common/clock.hpp"
#include "domain/events/paid_order.hpp"
#include "domain/events/stream_consumer.hpp"
#include "redis/client.hpp"
#include "redis/script.hpp"

namespace hhplus::events {

// Life of hhplus:rank:applied:<orderId>: 8 days (691,200 s). Duplicates come from a relay resend
// (seconds) or a reclaim (≥ min idle, 30 s); 8 days covers any outage we would ride out, and
// events older than kMaxEventAge are never applied, so a key only expires once its order can no
// longer be counted. Memory: one key per paid order for 8 days, ~70 B each: 1 M paid orders a
// day keep ~8 M keys ≈ 0.6 GB on the events Redis (docs/events.md).
inline constexpr std::chrono::seconds kAppliedKeyTtl{691'200};
// Life of a day's sorted set: the widest window asked for is 30 days (api.md); 40 leaves ten
// days of slack for clock skew and late events, then the set expires on its own.
inline constexpr std::chrono::seconds kDayKeyTtl{40 * 24 * 60 * 60};
// An event paid longer ago than this is acknowledged without being counted: its dedupe key may
// have expired (kAppliedKeyTtl), so counting could count it twice. Only a replay of old history
// gets here (a consumer group created on a stream holding week-old entries); a live event is
// relayed within a second of its payment.
inline constexpr std::chrono::milliseconds kMaxEventAge{7LL * 24 * 60 * 60 * 1000};

// KEYS[1] dedupe key, KEYS[2] day key; ARGV[1] dedupe TTL (s), ARGV[2] day TTL (s), then
// productId, quantity pairs. Returns 1 when counted, 0 when the order was counted before.
inline constexpr std::string_view kApplyPaidOrderLua = R"lua(
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
for i = 3, #ARGV, 2 do
  redis.call('ZINCRBY', KEYS[2], ARGV[i + 1], ARGV[i])
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
)lua";

class RankingApplier {
  public:
    // `events` is the shared client on the events Redis (non-blocking commands only).
    RankingApplier(redis::Client& events, const Clock& clock)
        : events_(events), clock_(clock), script_(kApplyPaidOrderLua) {}

    // The consumer's handler: kDone when counted or already counted, kPoison for a payload that
    // does not parse, kRetry when Redis failed.
    boost::asio::awaitable<Handled> Handle(StreamEntry entry);

    // Metrics hook: "applied", "duplicate", "too_old", "poison", "failed".
    void SetObserver(std::function<void(const char* outcome)> observer) {
        observe_ = std::move(observer);
    }

    // As StreamConsumer wants it (a lambda that only forwards: not a coroutine itself).
    EntryHandler AsHandler() {
        return [this](StreamEntry e) { return Handle(std::move(e)); };
    }

  private:
    void Observe(const char* outcome) {
        if (observe_) observe_(outcome);
    }

    redis::Client& events_;
    const Clock& clock_;
    redis::Script script_;
    std::function<void(const char*)> observe_;
};

}  // namespace hhplus::events
