#pragma once
// The `order.paid` event as the payment writes it to the outbox (docs/events.md), and the pure
// rules the consumers apply to it: which UTC day a payment counts for, and how best sellers are
// ordered. No I/O here: every function is unit-tested without sockets.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hhplus::events {

// Redis names shared by the relay, the consumers and the reader of the ranking.
inline constexpr std::string_view kOrderPaidTopic = "order.paid";  // outbox.topic
inline constexpr std::string_view kOrderPaidStream = "hhplus:events:order-paid";
inline constexpr std::string_view kRankingGroup = "ranking";
inline constexpr std::string_view kDataPlatformGroup = "data-platform";
// hhplus:rank:units:<yyyymmdd>: ZSET productId → units paid that UTC day.
inline constexpr std::string_view kRankDayKeyPrefix = "hhplus:rank:units:";
// hhplus:rank:applied:<orderId>: set once the ranking has counted that order (the dedupe key).
inline constexpr std::string_view kRankAppliedKeyPrefix = "hhplus:rank:applied:";

struct PaidItem {
    std::int64_t product_id = 0;
    std::int64_t product_option_id = 0;
    std::int64_t quantity = 0;
    std::int64_t unit_price = 0;
};

struct PaidOrder {
    std::int64_t order_id = 0;
    std::int64_t user_id = 0;
    std::int64_t paid_at_ms = 0;  // epoch milliseconds (UTC)
    std::int64_t final_amount = 0;
    std::vector<PaidItem> items;
};

// At most this many items per event: an order has 1..20 lines (api.md); anything larger is not
// one of ours and is refused rather than looped over.
inline constexpr std::size_t kMaxPaidItems = 100;

// Parses {"orderId":1,"userId":2,"paidAt":"2026-12-06T10:00:00.123Z","finalAmount":9000,
// "items":[{"productId":1,"productOptionId":3,"quantity":2,"unitPrice":5000}]}. Unknown members
// are ignored (a later payload version may add some); ids and quantities must be positive
// integers, items 1..kMaxPaidItems. nullopt on anything else: the event is then a poison entry.
std::optional<PaidOrder> ParsePaidOrder(std::string_view json);

// "20261206": the UTC calendar day of an instant, as used in the day keys.
std::string UtcDay(std::int64_t epoch_ms);
// kRankDayKeyPrefix + UtcDay(epoch_ms).
std::string RankDayKey(std::int64_t epoch_ms);
// The day keys of the `days` UTC days ending with the day of `now_ms` (today first).
std::vector<std::string> RankDayKeys(std::int64_t now_ms, int days);

struct ProductUnits {
    std::int64_t product_id = 0;
    std::int64_t units = 0;
};

// Sorts by units descending, ties by product id ascending (api.md "Best sellers"), and keeps the
// first `count`.
std::vector<ProductUnits> TopByUnits(std::vector<ProductUnits> all, std::size_t count);

}  // namespace hhplus::events
