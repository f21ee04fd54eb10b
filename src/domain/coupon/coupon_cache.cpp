#include "domain/coupon/coupon_cache.hpp"

#include <charconv>

namespace hhplus::coupon {

namespace asio = boost::asio;

namespace {

// KEYS[1] coupon hash; ARGV[1] issued count, ARGV[2] metadata, ARGV[3] "1" to mark sold out.
constexpr std::string_view kMergeScript = R"lua(
local current = tonumber(redis.call('HGET', KEYS[1], 'issued') or '-1')
if tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[1], 'issued', ARGV[1]) end
redis.call('HSET', KEYS[1], 'meta', ARGV[2])
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'soldout', '1') end
return 1
)lua";

std::string Key(std::int64_t id) { return "coupon:" + std::to_string(id); }

std::int64_t ToInt(std::string_view s) {
    std::int64_t v = -1;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

// "rate|total|expiredMs|name": the name goes last because it may contain '|'.
std::string EncodeMeta(const Coupon& c) {
    return std::to_string(c.discount_rate) + "|" + std::to_string(c.total_quantity) + "|" +
           std::to_string(c.expired_at_ms) + "|" + c.name;
}

bool DecodeMeta(std::string_view text, Coupon& c) {
    std::string_view fields[3];
    for (auto& f : fields) {
        const auto bar = text.find('|');
        if (bar == std::string_view::npos) return false;
        f = text.substr(0, bar);
        text.remove_prefix(bar + 1);
    }
    c.discount_rate = static_cast<int>(ToInt(fields[0]));
    c.total_quantity = ToInt(fields[1]);
    c.expired_at_ms = ToInt(fields[2]);
    c.name = std::string(text);
    return c.total_quantity >= 0;
}

}  // namespace

CouponCache::CouponCache(redis::Client& cache) : cache_(cache), merge_script_(kMergeScript) {}

asio::awaitable<redis::RedisResult<CachedCoupon>> CouponCache::Get(std::int64_t coupon_id) {
    std::vector<std::string> cmd{"HMGET", Key(coupon_id), "meta", "issued", "soldout"};
    auto r = co_await cache_.Command(std::move(cmd));
    if (!r.ok()) co_return std::move(r).error();
    CachedCoupon out;
    if (r->type != redis::Reply::Type::kArray || r->elements.size() != 3) co_return out;
    const auto& meta = r->elements[0];
    const auto& issued = r->elements[1];
    out.meta.id = coupon_id;
    out.has_meta = !meta.IsNil() && DecodeMeta(meta.str, out.meta);
    out.sold_out = !r->elements[2].IsNil();
    if (out.has_meta && !issued.IsNil()) {
        Coupon full = out.meta;
        full.issued_quantity = ToInt(issued.str);
        if (full.issued_quantity >= 0) out.coupon = std::move(full);
    }
    co_return out;
}

asio::awaitable<redis::RedisResult<Ok>> CouponCache::Merge(const Coupon& coupon, bool sold_out) {
    // Named locals, not braced lists inside the co_await: g++ 12 destroys those twice.
    std::vector<std::string> keys{Key(coupon.id)};
    std::string flag = "0";
    if (sold_out) flag = "1";
    std::vector<std::string> args{std::to_string(coupon.issued_quantity), EncodeMeta(coupon),
                                  std::move(flag)};
    auto r = co_await merge_script_.Run(cache_, std::move(keys), std::move(args));
    if (!r.ok()) co_return std::move(r).error();
    if (r->IsError()) {
        redis::Error error{redis::Errc::kProtocol, r->str};
        co_return error;
    }
    co_return Ok{};
}

asio::awaitable<redis::RedisResult<Ok>> CouponCache::Forget(std::int64_t coupon_id) {
    std::vector<std::string> cmd{"DEL", Key(coupon_id)};
    auto r = co_await cache_.Command(std::move(cmd));
    if (!r.ok()) co_return std::move(r).error();
    co_return Ok{};
}

}  // namespace hhplus::coupon
