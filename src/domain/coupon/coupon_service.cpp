#include "domain/coupon/coupon_service.hpp"

#include "common/log.hpp"

namespace hhplus::coupon {

namespace asio = boost::asio;

asio::awaitable<void> CouponService::Remember(const Coupon& coupon) {
    const bool sold_out = coupon.issued_quantity >= coupon.total_quantity;
    auto merged = co_await cache_.Merge(coupon, sold_out);
    if (merged.ok()) co_return;
    // The count could not be merged: drop the entry so no reader serves an older count. If even
    // that fails, Redis is unreachable and readers fall back to the database anyway.
    log::Warn("coupon cache merge failed (" + merged.error().detail + "), forgetting coupon " +
              std::to_string(coupon.id));
    (void)co_await cache_.Forget(coupon.id);
}

asio::awaitable<Result<Coupon>> CouponService::Get(std::int64_t coupon_id) {
    auto cached = co_await cache_.Get(coupon_id);
    if (cached.ok() && cached->coupon) co_return *cached->coupon;
    auto found = co_await store_.Find(coupon_id);
    if (!found.ok()) co_return std::move(found).error();
    if (!found.value()) co_return MakeError(ErrorCode::kCouponNotFound, "no such coupon");
    if (cached.ok()) co_await Remember(*found.value());
    co_return *found.value();
}

asio::awaitable<Result<IssuedCoupon>> CouponService::Issue(std::int64_t user_id, std::int64_t coupon_id) {
    auto result = co_await IssueUncounted(user_id, coupon_id);
    if (observe_) {
        if (result.ok()) {
            observe_(OutcomeLabel(std::nullopt));
        } else {
            observe_(OutcomeLabel(result.error().code, result.error().detail));
        }
    }
    co_return result;
}

asio::awaitable<Result<IssuedCoupon>> CouponService::IssueUncounted(std::int64_t user_id,
                                                                    std::int64_t coupon_id) {
    const std::int64_t now_ms = ToEpochMillis(clock_.Now());
    auto cached = co_await cache_.Get(coupon_id);
    if (cached.ok() && cached->has_meta) {
        const bool expired = IsExpired(cached->meta.expired_at_ms, now_ms);
        if (expired || cached->sold_out) {
            // Fast path: the outcome is a refusal, and only "does this user hold it" is open.
            auto holds = co_await store_.Holds(user_id, coupon_id);
            if (!holds.ok()) co_return std::move(holds).error();
            const auto refusal = RefusalFor(true, holds.value(), expired, cached->sold_out);
            co_return MakeError(*refusal, "refused from the cache's sold-out/expiry state");
        }
    }
    Result<IssuedCoupon> issued = MakeError(ErrorCode::kInternal, "not attempted");
    if (locks_ != nullptr) {
        issued = co_await IssueUnderLock(user_id, coupon_id, now_ms);
    } else {
        issued = co_await store_.Issue(user_id, coupon_id, now_ms);
    }
    if (issued.ok()) {
        co_await Remember(issued->coupon);  // before answering: GET must already show it
    } else if (issued.error().code == ErrorCode::kCouponSoldOut && cached.ok()) {
        // The database said sold out; refresh the entry with the flag so later requests take
        // the fast path.
        auto found = co_await store_.Find(coupon_id);
        if (found.ok() && found.value()) co_await Remember(*found.value());
    }
    co_return issued;
}

asio::awaitable<Result<IssuedCoupon>> CouponService::IssueUnderLock(std::int64_t user_id,
                                                                    std::int64_t coupon_id,
                                                                    std::int64_t now_ms) {
    auto lease = co_await locks_->Acquire("coupon:" + std::to_string(coupon_id), wait_budget_);
    if (!lease.ok()) {
        const auto code = lease.error();
        if (code == lock::LockErrc::kUnavailable) {
            co_return MakeError(ErrorCode::kDependencyUnavailable, "lock: no quorum of lock masters");
        }
        co_return MakeError(ErrorCode::kBusy, "lock: " + std::string(lock::LockErrcName(code)));
    }
    auto held = std::move(lease).value();
    // The fence: the version as of now, under the lock. Our update is a compare-and-set on it.
    auto version = co_await store_.ReadVersion(coupon_id);
    Result<IssuedCoupon> issued = MakeError(ErrorCode::kCouponNotFound, "no such coupon");
    if (!version.ok()) {
        issued = std::move(version).error();
    } else if (version.value()) {
        if (held->Lost()) {
            issued = MakeError(ErrorCode::kBusy, std::string(kLeaseLostDetail));
        } else {
            issued = co_await store_.Issue(user_id, coupon_id, now_ms, *version.value());
        }
    }
    co_await held->Release();
    co_return issued;
}

asio::awaitable<Result<std::vector<UserCoupon>>> CouponService::ListForUser(std::int64_t user_id) {
    co_return co_await store_.ListForUser(user_id);
}

asio::awaitable<Result<Coupon>> CouponService::Create(std::string name, int discount_rate,
                                                      std::int64_t total_quantity,
                                                      std::int64_t expired_at_ms) {
    co_return co_await store_.Create(std::move(name), discount_rate, total_quantity, expired_at_ms);
}

asio::awaitable<Result<CouponAudit>> CouponService::Audit(std::int64_t coupon_id) {
    auto audit = co_await store_.Audit(coupon_id);
    if (!audit.ok()) co_return std::move(audit).error();
    if (!audit.value()) co_return MakeError(ErrorCode::kCouponNotFound, "no such coupon");
    co_return *audit.value();
}

}  // namespace hhplus::coupon
