#pragma once
// CouponStore: coupons and user_coupons in the database, which alone guarantees the invariants
// (never more than total_quantity, never twice per user) whatever the issue strategy.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <vector>

#include "common/result.hpp"
#include "db/pool.hpp"
#include "domain/coupon/coupon.hpp"

namespace hhplus::coupon {

class CouponStore {
public:
    explicit CouponStore(db::Pool& pool) : pool_(pool) {}

    boost::asio::awaitable<Result<std::optional<Coupon>>> Find(std::int64_t coupon_id);
    boost::asio::awaitable<Result<Coupon>> Create(std::string name, int discount_rate,
                                                  std::int64_t total_quantity, std::int64_t expired_at_ms);
    // One transaction: insert the holder row (unique user+coupon), then the conditional
    // `issued < total` update. Refusals follow api.md's precedence: C006, C005, C003, C001.
    // On MariaDB it is sent as one compound statement (one round trip; the coupon row's lock is
    // never held across the network); MySQL 8 has no compound statements outside stored
    // programs, so there it runs statement by statement (same rules, more round trips).
    // With `fence` (the coupon row's version read when the lock was acquired) the counter update
    // is also a compare-and-set on that version: a lock holder paused past its lease finds the
    // version moved on and its write is refused (kBusy, nothing issued).
    boost::asio::awaitable<Result<IssuedCoupon>> Issue(std::int64_t user_id, std::int64_t coupon_id,
                                                       std::int64_t now_ms,
                                                       std::optional<std::uint64_t> fence = std::nullopt);
    // The coupon row's version (the fence); nullopt for an unknown coupon.
    boost::asio::awaitable<Result<std::optional<std::uint64_t>>> ReadVersion(std::int64_t coupon_id);
    boost::asio::awaitable<Result<bool>> Holds(std::int64_t user_id, std::int64_t coupon_id);
    boost::asio::awaitable<Result<std::vector<UserCoupon>>> ListForUser(std::int64_t user_id);
    // One statement, so one consistent read.
    boost::asio::awaitable<Result<std::optional<CouponAudit>>> Audit(std::int64_t coupon_id);
    // Creates coupon 1 on an empty database; safe when many instances run it at once.
    boost::asio::awaitable<Status> SeedIfEmpty(std::int64_t quantity);
    // Asks the server what it is (SELECT VERSION()): compound statements on MariaDB only.
    boost::asio::awaitable<Status> DetectServer();
    void UseCompoundStatements(bool on) { compound_ = on; }  // tests run both paths

private:
    boost::asio::awaitable<Result<IssuedCoupon>> IssueCompound(std::int64_t user_id, std::int64_t coupon_id,
                                                               std::int64_t now_ms, std::optional<std::uint64_t> fence);
    boost::asio::awaitable<Result<IssuedCoupon>> IssueStepwise(std::int64_t user_id, std::int64_t coupon_id,
                                                               std::int64_t now_ms, std::optional<std::uint64_t> fence);

    db::Pool& pool_;
    bool compound_ = false;  // until DetectServer() saw MariaDB: the portable path
};

}  // namespace hhplus::coupon
