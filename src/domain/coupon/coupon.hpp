#pragma once
// Coupon values and the pure rules of issuance (no I/O).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/error_code.hpp"

namespace hhplus::coupon {

struct Coupon {
    std::int64_t id = 0;
    std::string name;
    int discount_rate = 0;
    std::int64_t total_quantity = 0;
    std::int64_t issued_quantity = 0;
    std::int64_t expired_at_ms = 0;
};

struct IssuedCoupon {
    std::int64_t user_coupon_id = 0;
    Coupon coupon;  // as read right after the issue committed
    std::int64_t issued_at_ms = 0;
};

struct UserCoupon {
    std::int64_t user_coupon_id = 0;
    std::int64_t coupon_id = 0;
    std::string coupon_name;
    int discount_rate = 0;
    std::int64_t issued_at_ms = 0;
    std::int64_t expired_at_ms = 0;
    std::optional<std::int64_t> used_at_ms;
};

struct CouponAudit {
    std::int64_t coupon_id = 0;
    std::int64_t total_quantity = 0;
    std::int64_t issued_quantity = 0;
    std::int64_t holder_rows = 0;
    std::int64_t distinct_holders = 0;
};

// A coupon is expired from its expiredAt instant on (api.md).
inline bool IsExpired(std::int64_t expired_at_ms, std::int64_t now_ms) {
    return now_ms >= expired_at_ms;
}

// Why an issue was refused, by api.md's precedence C006 > C005 > C003 > C001: the first rule that
// applies wins. `exists` false means the coupon is unknown.
inline std::optional<ErrorCode> RefusalFor(bool exists, bool already_holds, bool expired,
                                           bool sold_out) {
    if (!exists) return ErrorCode::kCouponNotFound;
    if (already_holds) return ErrorCode::kCouponAlreadyIssued;
    if (expired) return ErrorCode::kCouponExpired;
    if (sold_out) return ErrorCode::kCouponSoldOut;
    return std::nullopt;
}

// One batch of issues decided as a serial run in the same order would decide them: per user of
// `users` (distinct, arrival order), nullopt = issued, else the refusal. `holders` are the users
// that already hold the coupon; `remaining` = total − issued when the batch started.
inline std::vector<std::optional<ErrorCode>> DecideBatch(
    const std::vector<std::int64_t>& users, const std::unordered_set<std::int64_t>& holders,
    std::int64_t remaining, bool expired) {
    std::vector<std::optional<ErrorCode>> out;
    out.reserve(users.size());
    for (const auto user : users) {
        auto refusal = RefusalFor(true, holders.count(user) > 0, expired, remaining <= 0);
        if (!refusal) --remaining;
        out.push_back(refusal);
    }
    return out;
}

// The metrics label of an outcome (hhplus_coupon_issue_total{outcome}).
inline const char* OutcomeLabel(std::optional<ErrorCode> refusal) {
    if (!refusal) return "issued";
    switch (*refusal) {
        case ErrorCode::kCouponSoldOut:
            return "sold_out";
        case ErrorCode::kCouponAlreadyIssued:
            return "duplicate";
        case ErrorCode::kCouponExpired:
            return "expired";
        case ErrorCode::kBusy:
            return "busy";
        default:
            return "error";
    }
}

// The two S001 refusals that stop a holder whose lease expired (a process paused past the lock
// TTL) from writing: its own Lost() check just before the write, and the store's compare-and-set
// on the coupon's version. Their details are fixed so the outcome label can tell them apart from
// a plain lock timeout ("busy"): the fault test (tools/reliability/faults.sh) needs that evidence.
inline constexpr std::string_view kLeaseLostDetail = "lock: lease lost before the write";
inline constexpr std::string_view kFencedDetail = "fenced: coupon version moved on (lease lost)";

// OutcomeLabel, refined for S001: "lease_lost" and "fenced" for the two refusals above.
inline const char* OutcomeLabel(std::optional<ErrorCode> refusal, std::string_view detail) {
    if (refusal == ErrorCode::kBusy) {
        if (detail == kLeaseLostDetail) return "lease_lost";
        if (detail == kFencedDetail) return "fenced";
    }
    return OutcomeLabel(refusal);
}

}  // namespace hhplus::coupon
