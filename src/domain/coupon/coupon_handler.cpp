#include "domain/coupon/coupon_handler.hpp"

#include <string_view>

#include "domain/handler_support.hpp"
#include "http/json.hpp"

namespace hhplus::coupon {

namespace asio = boost::asio;

namespace {

constexpr std::int64_t kMaxNameChars = 100;
constexpr std::int64_t kMaxNameBytes = kMaxNameChars * 4;  // UTF-8: at most 4 bytes a character
constexpr std::int64_t kMaxTotalQuantity = 10'000'000;
constexpr std::int64_t kMinLifetimeMs = 1000;     // expiredAt at least 1 s in the future
constexpr std::int64_t kMaxExpiredAtLength = 40;  // "2029-12-31T23:59:59.123456789+09:00" fits

// FormatIsoMillis goes through snprintf: ~3,500 instructions, a tenth of a cached
// GET /api/coupons/{id} (callgrind). A coupon's expiry hardly ever changes and issuedAt repeats
// within a millisecond, so each field keeps its last text (per thread: handlers may run on any
// thread that runs the io_context).
class IsoMillisMemo {
  public:
    std::string_view Format(std::int64_t epoch_ms) {
        if (!valid_ || epoch_ms != epoch_ms_) {
            text_ = FormatIsoMillis(epoch_ms);
            epoch_ms_ = epoch_ms;
            valid_ = true;
        }
        return text_;
    }

  private:
    bool valid_ = false;
    std::int64_t epoch_ms_ = 0;
    std::string text_;
};

thread_local IsoMillisMemo expiry_text;
thread_local IsoMillisMemo issued_text;

std::string RenderCoupon(const Coupon& c) {
    http::JsonWriter w(192);
    w.StartObject()
        .Key("couponId")
        .Int(c.id)
        .Key("name")
        .String(c.name)
        .Key("discountRate")
        .Int(c.discount_rate)
        .Key("totalQuantity")
        .Int(c.total_quantity)
        .Key("issuedQuantity")
        .Int(c.issued_quantity)
        .Key("expiredAt")
        .String(expiry_text.Format(c.expired_at_ms))
        .EndObject();
    return w.Finish();
}

}  // namespace

asio::awaitable<http::Response> CouponHandler::Get(http::Request request) {
    auto coupon = co_await service_.Get(request.PathId("couponId"));
    if (!coupon.ok()) co_return domain::RenderError(request, coupon.error(), clock_);
    co_return http::Json(200, RenderCoupon(coupon.value()));
}

asio::awaitable<http::Response> CouponHandler::Issue(http::Request request) {
    auto session = co_await auth_.Authenticate(request.Cookie("sid"));
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    // The body is optional: {} or {"userId": <own id>} (clients of the original NestJS service
    // send it); the user always comes from the session.
    const http::Field fields[] = {{"userId", http::kInt64, http::kOptional, 1}};
    auto body = http::ParseObject(request.body, fields, http::EmptyBody::kAsEmptyObject);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    if (auto claimed = body->FindInt("userId"); claimed && *claimed != session->user_id) {
        co_return domain::RenderError(
            request, MakeError(ErrorCode::kForbidden, "body userId is not the session user"),
            clock_);
    }
    auto issued = co_await service_.Issue(session->user_id, request.PathId("couponId"));
    if (!issued.ok()) co_return domain::RenderError(request, issued.error(), clock_);
    http::JsonWriter w(224);
    w.StartObject()
        .Key("userCouponId")
        .Int(issued->user_coupon_id)
        .Key("couponId")
        .Int(issued->coupon.id)
        .Key("couponName")
        .String(issued->coupon.name)
        .Key("discountRate")
        .Int(issued->coupon.discount_rate)
        .Key("issuedAt")
        .String(issued_text.Format(issued->issued_at_ms))
        .Key("expiredAt")
        .String(expiry_text.Format(issued->coupon.expired_at_ms))
        .EndObject();
    co_return http::Json(201, w.Finish());
}

asio::awaitable<http::Response> CouponHandler::ListMine(http::Request request) {
    const std::int64_t user_id = request.PathId("userId");
    auto session = co_await auth_.Authorize(request.Cookie("sid"), user_id);
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    auto coupons = co_await service_.ListForUser(user_id);
    if (!coupons.ok()) co_return domain::RenderError(request, coupons.error(), clock_);
    http::JsonWriter w(32 + coupons->size() * 224);
    w.StartObject().Key("coupons").StartArray();
    for (const auto& c : coupons.value()) {
        w.StartObject()
            .Key("userCouponId")
            .Int(c.user_coupon_id)
            .Key("couponId")
            .Int(c.coupon_id)
            .Key("couponName")
            .String(c.coupon_name)
            .Key("discountRate")
            .Int(c.discount_rate)
            .Key("issuedAt")
            .String(FormatIsoMillis(c.issued_at_ms))
            .Key("expiredAt")
            .String(FormatIsoMillis(c.expired_at_ms))
            .Key("usedAt");
        if (c.used_at_ms) {
            w.String(FormatIsoMillis(*c.used_at_ms));
        } else {
            w.Null();
        }
        w.EndObject();
    }
    w.EndArray().EndObject();
    co_return http::Json(200, w.Finish());
}

asio::awaitable<http::Response> CouponHandler::AdminCreate(http::Request request) {
    auto admitted = domain::CheckAdminToken(request, admin_token_);
    if (!admitted.ok()) co_return domain::RenderError(request, admitted.error(), clock_);
    const http::Field fields[] = {
        {"name", http::kString, http::kRequired, 1, kMaxNameBytes},
        {"discountRate", http::kInt64, http::kRequired, 1, 100},
        {"totalQuantity", http::kInt64, http::kRequired, 1, kMaxTotalQuantity},
        {"expiredAt", http::kString, http::kRequired, 1, kMaxExpiredAtLength},
    };
    auto body = http::ParseObject(request.body, fields);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    const std::string name(body->GetString("name"));
    std::int64_t expired_at_ms = 0;
    const std::int64_t now_ms = ToEpochMillis(clock_.Now());
    const auto chars = domain::Utf8Chars(name);
    if (chars < 1 || chars > static_cast<std::size_t>(kMaxNameChars) ||
        !ParseIso8601(body->GetString("expiredAt"), expired_at_ms) ||
        expired_at_ms < now_ms + kMinLifetimeMs) {
        co_return domain::RenderError(
            request, MakeError(ErrorCode::kInvalidRequest, "bad coupon fields"), clock_);
    }
    auto created = co_await service_.Create(name, static_cast<int>(body->GetInt("discountRate")),
                                            body->GetInt("totalQuantity"), expired_at_ms);
    if (!created.ok()) co_return domain::RenderError(request, created.error(), clock_);
    co_return http::Json(201, RenderCoupon(created.value()));
}

asio::awaitable<http::Response> CouponHandler::AdminAudit(http::Request request) {
    auto admitted = domain::CheckAdminToken(request, admin_token_);
    if (!admitted.ok()) co_return domain::RenderError(request, admitted.error(), clock_);
    auto audit = co_await service_.Audit(request.PathId("couponId"));
    if (!audit.ok()) co_return domain::RenderError(request, audit.error(), clock_);
    http::JsonWriter w(160);
    w.StartObject()
        .Key("couponId")
        .Int(audit->coupon_id)
        .Key("totalQuantity")
        .Int(audit->total_quantity)
        .Key("issuedQuantity")
        .Int(audit->issued_quantity)
        .Key("holderRows")
        .Int(audit->holder_rows)
        .Key("distinctHolders")
        .Int(audit->distinct_holders)
        .EndObject();
    co_return http::Json(200, w.Finish());
}

}  // namespace hhplus::coupon
