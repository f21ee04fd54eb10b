#pragma once
// CouponCache: coupon metadata, issued counts and sold-out flags in the cache Redis, one hash per
// coupon ("coupon:<id>": meta, issued, soldout). The database stays the truth; this cache only
// saves it work, under two rules:
//  - issued counts merge by maximum (a Lua script), so a slow reader can never write back an
//    older count over a newer one: GET reflects every issue that was answered;
//  - soldout is written only after the database said the coupon is sold out (totals never grow),
//    so a fast "sold out" answer is never premature.
// Every call suspends for one Redis round trip; failures are returned, and callers fall back to
// the database.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "domain/coupon/coupon.hpp"
#include "domain/coupon/coupon_ports.hpp"
#include "redis/client.hpp"
#include "redis/script.hpp"

namespace hhplus::coupon {

struct CachedCoupon {
    std::optional<Coupon> coupon;  // set when both meta and the issued count are cached
    bool has_meta = false;
    Coupon meta;  // id, name, rate, total, expiry (issued_quantity unset)
    bool sold_out = false;
};

class CouponCache : public CouponCacheApi {
  public:
    explicit CouponCache(redis::Client& cache);

    boost::asio::awaitable<redis::RedisResult<CachedCoupon>> Get(std::int64_t coupon_id) override;
    // Merges `coupon` in: count by maximum, metadata overwritten, soldout set when `sold_out`.
    boost::asio::awaitable<redis::RedisResult<Ok>> Merge(const Coupon& coupon,
                                                         bool sold_out) override;
    boost::asio::awaitable<redis::RedisResult<Ok>> Forget(std::int64_t coupon_id) override;

  private:
    redis::Client& cache_;
    redis::Script merge_script_;
};

}  // namespace hhplus::coupon
