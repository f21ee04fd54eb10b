#pragma once
// CouponService: first-come, limited-quantity issuance and coupon reads.
//
// Issue, top to bottom:
//   1. fast path from the cache: a coupon known to be sold out or expired needs no contended
//      transaction — one indexed read decides C005 (holder) against C003 / C001;
//   2. with a lock strategy (pubsub / polling), the coupon's distributed lock, then the
//      coupon's version as a fence; without (none), straight on;
//   3. the transaction of CouponStore::Issue (the database guarantees the invariants whatever
//      the strategy; under the lock its update is also a compare-and-set on the fence);
//   4. before answering, the new count goes to the cache (read-your-writes for GET), and a
//      sold-out discovery sets the flag that powers step 1.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>

#include "common/clock.hpp"
#include "domain/coupon/coupon_cache.hpp"
#include "domain/coupon/coupon_store.hpp"
#include "lock/lock_manager.hpp"

namespace hhplus::coupon {

class CouponService {
public:
    using OutcomeObserver = std::function<void(const char* outcome)>;  // metrics hook

    CouponService(CouponStore& store, CouponCache& cache, const Clock& clock)
        : store_(store), cache_(cache), clock_(clock) {}

    void SetOutcomeObserver(OutcomeObserver observer) { observe_ = std::move(observer); }
    // Issue under the coupon's distributed lock (strategies pubsub / polling), waiting at most
    // `wait_budget` for it (then 503 S001). Without a call: strategy none, the database alone.
    void UseLock(lock::LockManager* locks, std::chrono::milliseconds wait_budget) {
        locks_ = locks;
        wait_budget_ = wait_budget;
    }

    boost::asio::awaitable<Result<Coupon>> Get(std::int64_t coupon_id);
    boost::asio::awaitable<Result<IssuedCoupon>> Issue(std::int64_t user_id, std::int64_t coupon_id);
    boost::asio::awaitable<Result<std::vector<UserCoupon>>> ListForUser(std::int64_t user_id);
    boost::asio::awaitable<Result<Coupon>> Create(std::string name, int discount_rate,
                                                  std::int64_t total_quantity, std::int64_t expired_at_ms);
    boost::asio::awaitable<Result<CouponAudit>> Audit(std::int64_t coupon_id);

private:
    boost::asio::awaitable<Result<IssuedCoupon>> IssueUncounted(std::int64_t user_id, std::int64_t coupon_id);
    boost::asio::awaitable<void> Remember(const Coupon& coupon);
    boost::asio::awaitable<Result<IssuedCoupon>> IssueUnderLock(std::int64_t user_id, std::int64_t coupon_id,
                                                                std::int64_t now_ms);

    CouponStore& store_;
    CouponCache& cache_;
    const Clock& clock_;
    OutcomeObserver observe_;
    lock::LockManager* locks_ = nullptr;
    std::chrono::milliseconds wait_budget_{2000};
};

}  // namespace hhplus::coupon
