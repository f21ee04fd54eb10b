#pragma once
// Orders: what an order is, and the rules that need no database — pricing with a coupon, the
// status machine, which refusal wins. The store applies them inside its transactions; unit tests
// pin them (tests/unit/domain/order_rules_test.cpp).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error_code.hpp"

namespace hhplus::order {

// api.md: 1–20 lines per order, 1–100 units per line.
inline constexpr std::int64_t kMaxOrderLines = 20;
inline constexpr std::int64_t kMaxLineQuantity = 100;
// Default ORDER_TTL_MS: the NestJS service held stock for 10 minutes.
inline constexpr std::int64_t kDefaultOrderTtlMs = 10 * 60 * 1000;

enum class Status { kPending, kPaid, kExpired };
std::string_view StatusName(Status status);  // "PENDING", "PAID", "EXPIRED"
std::optional<Status> ParseStatus(std::string_view text);

struct Line {  // what the client asks for
    std::int64_t option_id = 0;
    std::int64_t quantity = 0;
};

struct Item {  // an order line, with what was true when it was ordered
    std::int64_t option_id = 0;
    std::int64_t product_id = 0;
    std::string product_name;
    std::string color;
    std::string size;
    std::int64_t unit_price = 0;
    std::int64_t quantity = 0;
};

struct Order {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    Status status = Status::kPending;
    std::vector<Item> items;  // by option id ascending
    std::int64_t total_amount = 0;
    std::optional<std::int64_t> coupon_id;
    int discount_rate = 0;
    std::int64_t discount_amount = 0;
    std::int64_t final_amount = 0;
    std::int64_t created_at_ms = 0;
    std::int64_t expires_at_ms = 0;
    std::optional<std::int64_t> paid_at_ms;
};

struct Amounts {
    std::int64_t total = 0;
    std::int64_t discount = 0;
    std::int64_t final = 0;
};

// total = Σ unit_price × quantity; discount = ⌊total × rate / 100⌋; final = total − discount.
// rate is 0..100. Prices ≤ 10^8 × 100 units × 20 lines = 2·10^11 and × 100 stay far inside int64.
Amounts Price(std::span<const Item> items, int discount_rate);

// True when no option id repeats (the handler answers V001 otherwise).
bool LinesAreDistinct(std::span<const Line> lines);

// The coupon named by an order, as the store read it (nullopt fields: no such row).
struct CouponState {
    bool coupon_exists = false;
    bool held = false;  // the user holds it
    bool used = false;  // a paid order used it
    bool expired = false;
};
// api.md: C006 > C007 > C008 > C003, or nullopt when the coupon may be used.
std::optional<ErrorCode> CouponRefusal(const CouponState& coupon);

// Payment of an order in `status` expiring at `expires_at_ms`, at `now_ms`: O002 when already
// paid, O003 when expired (by status, or by time although the sweeper has not run yet).
std::optional<ErrorCode> PaymentRefusal(Status status, std::int64_t expires_at_ms,
                                        std::int64_t now_ms);

}  // namespace hhplus::order
