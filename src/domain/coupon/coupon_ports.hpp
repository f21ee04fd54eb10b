#pragma once
// What CouponService needs of the database, the cache and the lock, as small interfaces, so the
// issue flow (fast path → lock → fence → batch → cache) is unit-tested with fakes
// (tests/unit/domain/coupon_service_test.cpp). Production: CouponStore, CouponCache, and
// lock::LockManager through LockManagerIssueLock. Every awaitable suspends; errors are values.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "domain/coupon/coupon.hpp"
#include "lock/lock_manager.hpp"
#include "redis/client.hpp"

namespace hhplus::coupon {

struct CachedCoupon;

// The database side (CouponStore documents each call).
class CouponStoreApi {
  public:
    virtual ~CouponStoreApi() = default;
    virtual boost::asio::awaitable<Result<std::optional<Coupon>>> Find(std::int64_t coupon_id) = 0;
    virtual boost::asio::awaitable<Result<Coupon>> Create(std::string name, int discount_rate,
                                                          std::int64_t total_quantity,
                                                          std::int64_t expired_at_ms) = 0;
    virtual boost::asio::awaitable<Result<std::vector<Result<IssuedCoupon>>>> IssueBatch(
        std::vector<std::int64_t> user_ids, std::int64_t coupon_id, std::int64_t now_ms,
        std::optional<std::uint64_t> fence) = 0;
    virtual boost::asio::awaitable<Result<std::optional<std::uint64_t>>> ReadVersion(
        std::int64_t coupon_id) = 0;
    virtual boost::asio::awaitable<Result<bool>> Holds(std::int64_t user_id,
                                                       std::int64_t coupon_id) = 0;
    virtual boost::asio::awaitable<Result<std::vector<UserCoupon>>> ListForUser(
        std::int64_t user_id) = 0;
    virtual boost::asio::awaitable<Result<std::optional<CouponAudit>>> Audit(
        std::int64_t coupon_id) = 0;
};

// The cache side (CouponCache documents each call).
class CouponCacheApi {
  public:
    virtual ~CouponCacheApi() = default;
    virtual boost::asio::awaitable<redis::RedisResult<CachedCoupon>> Get(
        std::int64_t coupon_id) = 0;
    virtual boost::asio::awaitable<redis::RedisResult<Ok>> Merge(const Coupon& coupon,
                                                                 bool sold_out) = 0;
    virtual boost::asio::awaitable<redis::RedisResult<Ok>> Forget(std::int64_t coupon_id) = 0;
};

// A held coupon lock, as the service uses it (lock::Lease documents both calls).
class IssueLease {
  public:
    virtual ~IssueLease() = default;
    virtual bool Lost() const = 0;
    virtual boost::asio::awaitable<void> Release() = 0;
};

// The coupon lock (lock::LockManager::Acquire documents the call and its errors).
class IssueLock {
  public:
    virtual ~IssueLock() = default;
    virtual boost::asio::awaitable<Result<std::unique_ptr<IssueLease>, lock::LockErrc>> Acquire(
        std::string key, std::chrono::milliseconds wait_budget) = 0;
};

// Production: the distributed lock. One coroutine frame more per batch (not per request).
class LockManagerIssueLock final : public IssueLock {
  public:
    explicit LockManagerIssueLock(lock::LockManager& locks) : locks_(locks) {}
    boost::asio::awaitable<Result<std::unique_ptr<IssueLease>, lock::LockErrc>> Acquire(
        std::string key, std::chrono::milliseconds wait_budget) override;

  private:
    lock::LockManager& locks_;
};

}  // namespace hhplus::coupon
