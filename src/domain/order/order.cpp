#include "domain/order/order.hpp"

#include <unordered_set>

namespace hhplus::order {

std::string_view StatusName(Status status) {
    switch (status) {
        case Status::kPending:
            return "PENDING";
        case Status::kPaid:
            return "PAID";
        case Status::kExpired:
            return "EXPIRED";
    }
    return "PENDING";
}

std::optional<Status> ParseStatus(std::string_view text) {
    if (text == "PENDING") return Status::kPending;
    if (text == "PAID") return Status::kPaid;
    if (text == "EXPIRED") return Status::kExpired;
    return std::nullopt;
}

Amounts Price(std::span<const Item> items, int discount_rate) {
    Amounts a;
    for (const Item& item : items) a.total += item.unit_price * item.quantity;
    a.discount = a.total * discount_rate / 100;  // non-negative operands: division floors
    a.final = a.total - a.discount;
    return a;
}

bool LinesAreDistinct(std::span<const Line> lines) {
    std::unordered_set<std::int64_t> seen;
    for (const Line& line : lines) {
        if (!seen.insert(line.option_id).second) return false;
    }
    return true;
}

std::optional<ErrorCode> CouponRefusal(const CouponState& coupon) {
    if (!coupon.coupon_exists) return ErrorCode::kCouponNotFound;
    if (!coupon.held) return ErrorCode::kCouponNotHeld;
    if (coupon.used) return ErrorCode::kCouponAlreadyUsed;
    if (coupon.expired) return ErrorCode::kCouponExpired;
    return std::nullopt;
}

std::optional<ErrorCode> PaymentRefusal(Status status, std::int64_t expires_at_ms,
                                        std::int64_t now_ms) {
    if (status == Status::kPaid) return ErrorCode::kOrderAlreadyPaid;
    if (status == Status::kExpired || now_ms >= expires_at_ms) return ErrorCode::kOrderExpired;
    return std::nullopt;
}

}  // namespace hhplus::order
