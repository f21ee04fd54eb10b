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
#include "domain/coupon/coupon_ports.hpp"

namespace hhplus::coupon {

class CouponStore : public CouponStoreApi {
  public:
    explicit CouponStore(db::Pool& pool) : pool_(pool) {}

    boost::asio::awaitable<Result<std::optional<Coupon>>> Find(std::int64_t coupon_id) override;
    boost::asio::awaitable<Result<Coupon>> Create(std::string name, int discount_rate,
                                                  std::int64_t total_quantity,
                                                  std::int64_t expired_at_ms) override;
    // Issues to a batch of distinct users in ONE transaction (group commit), the way a serial
    // run of single issues in the same order would answer each of them:
    //   1. the coupon row locked (SELECT … FOR UPDATE) together with which of the users already
    //      hold it: every issuer of this coupon, in every process, queues on that row lock, so
    //      what it reads stays true until COMMIT;
    //   2. refusals by api.md's precedence (C006, C005, C003, C001) decided per user, the first
    //      `total − issued` non-holders in batch order win;
    //   3. one multi-row insert of the winners' holder rows, one `issued += k` update (still
    //      conditional on `issued + k <= total`, belt and braces under the row lock), COMMIT.
    // Round trips: 6 with winners (BEGIN, SELECT, INSERT, UPDATE, SELECT ids, COMMIT), 3 without
    // (BEGIN, SELECT, ROLLBACK), whatever the batch size — that is what amortises the database.
    // Portable SQL, the same on MariaDB and MySQL 8.
    // With `fence` (the coupon row's version read when the lock was acquired) a version that moved
    // on refuses the WHOLE batch, nothing written (kBusy, kFencedDetail): a lock holder paused
    // past its lease must not write, and the caller may serve the same batch again under a new
    // lease. The outer error is a whole-batch failure (database, fence, unknown coupon); the
    // inner results answer each user in the order given.
    boost::asio::awaitable<Result<std::vector<Result<IssuedCoupon>>>> IssueBatch(
        std::vector<std::int64_t> user_ids, std::int64_t coupon_id, std::int64_t now_ms,
        std::optional<std::uint64_t> fence = std::nullopt) override;
    // A batch of one (tools and tests).
    boost::asio::awaitable<Result<IssuedCoupon>> Issue(
        std::int64_t user_id, std::int64_t coupon_id, std::int64_t now_ms,
        std::optional<std::uint64_t> fence = std::nullopt);
    // The coupon row's version (the fence); nullopt for an unknown coupon.
    boost::asio::awaitable<Result<std::optional<std::uint64_t>>> ReadVersion(
        std::int64_t coupon_id) override;
    boost::asio::awaitable<Result<bool>> Holds(std::int64_t user_id,
                                               std::int64_t coupon_id) override;
    boost::asio::awaitable<Result<std::vector<UserCoupon>>> ListForUser(
        std::int64_t user_id) override;
    // One statement, so one consistent read.
    boost::asio::awaitable<Result<std::optional<CouponAudit>>> Audit(
        std::int64_t coupon_id) override;
    // Creates coupon 1 on an empty database; safe when many instances run it at once.
    boost::asio::awaitable<Status> SeedIfEmpty(std::int64_t quantity);

  private:
    db::Pool& pool_;
};

}  // namespace hhplus::coupon
