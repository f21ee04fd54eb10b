// JSON body validation: http::ParseObject with the field lists of the handlers in src/domain/*,
// then the validators the handlers run on the parsed values. The field lists and bounds mirror
// the handlers' (they live in anonymous namespaces there); keep them in step.
#include <cstdint>
#include <string>

#include "common/clock.hpp"
#include "domain/auth/auth_rules.hpp"
#include "http/json.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

namespace hhplus::fuzz {
namespace {

// src/domain/auth/auth_handler.cpp
const http::Field kCredentialFields[] = {
    {"email", http::kString, http::kRequired, 1, 1024},
    {"password", http::kString, http::kRequired, 0, 1024},
};
// src/domain/balance/balance_handler.cpp
constexpr std::int64_t kMinCharge = 1;
constexpr std::int64_t kMaxCharge = 1'000'000'000;
const http::Field kChargeFields[] = {
    {"amount", http::kInt64, http::kRequired, kMinCharge, kMaxCharge}};
// src/domain/coupon/coupon_handler.cpp
const http::Field kIssueFields[] = {{"userId", http::kInt64, http::kOptional, 1}};
constexpr std::int64_t kMaxNameChars = 100;
constexpr std::int64_t kMaxNameBytes = kMaxNameChars * 4;
constexpr std::int64_t kMaxTotalQuantity = 10'000'000;
constexpr std::int64_t kMaxExpiredAtLength = 40;
const http::Field kAdminCouponFields[] = {
    {"name", http::kString, http::kRequired, 1, kMaxNameBytes},
    {"discountRate", http::kInt64, http::kRequired, 1, 100},
    {"totalQuantity", http::kInt64, http::kRequired, 1, kMaxTotalQuantity},
    {"expiredAt", http::kString, http::kRequired, 1, kMaxExpiredAtLength},
};
// Not a route: every kind, optional, unbounded, to reach the parser's paths the routes do not.
const http::Field kEveryKind[] = {
    {"s", http::kString, http::kOptional},
    {"i", http::kInt64, http::kOptional},
    {"b", http::kBool, http::kOptional},
};

// What was accepted must survive being written by JsonWriter and parsed again, unchanged.
void CheckRoundTrip(const http::JsonObject& parsed, std::span<const http::Field> fields) {
    http::JsonWriter w;
    w.StartObject();
    for (const http::Field& f : fields) {
        if (!parsed.Has(f.name)) continue;
        w.Key(f.name);
        if (f.kind == http::kString) w.String(parsed.GetString(f.name));
        if (f.kind == http::kInt64) w.Int(parsed.GetInt(f.name));
        if (f.kind == http::kBool) w.Bool(parsed.GetBool(f.name));
    }
    w.EndObject();
    const std::string text = w.Finish();
    auto again = http::ParseObject(text, fields, http::EmptyBody::kAsEmptyObject);
    FUZZ_CHECK(again.ok());
    for (const http::Field& f : fields) {
        FUZZ_CHECK(again->Has(f.name) == parsed.Has(f.name));
        if (!parsed.Has(f.name)) continue;
        if (f.kind == http::kString)
            FUZZ_CHECK(again->GetString(f.name) == parsed.GetString(f.name));
        if (f.kind == http::kInt64) FUZZ_CHECK(again->GetInt(f.name) == parsed.GetInt(f.name));
        if (f.kind == http::kBool) FUZZ_CHECK(again->GetBool(f.name) == parsed.GetBool(f.name));
    }
}

void Credentials(std::string_view body) {
    auto parsed = http::ParseObject(body, kCredentialFields);
    if (!parsed.ok()) {
        FUZZ_CHECK(parsed.error().code == ErrorCode::kInvalidRequest);
        return;
    }
    CheckRoundTrip(*parsed, kCredentialFields);
    const auto email = auth::NormalizeEmail(parsed->GetString("email"));
    if (email) {
        FUZZ_CHECK(!email->empty() && email->size() <= auth::kEmailMaxLength);
        FUZZ_CHECK(auth::NormalizeEmail(*email) == email);  // normalising is idempotent
    }
    (void)auth::IsValidPassword(parsed->GetString("password"));
}

void Charge(std::string_view body) {
    auto parsed = http::ParseObject(body, kChargeFields);
    if (!parsed.ok()) return;
    CheckRoundTrip(*parsed, kChargeFields);
    const std::int64_t amount = parsed->GetInt("amount");
    FUZZ_CHECK(amount >= kMinCharge && amount <= kMaxCharge);
}

void Issue(std::string_view body) {
    auto parsed = http::ParseObject(body, kIssueFields, http::EmptyBody::kAsEmptyObject);
    if (!parsed.ok()) return;
    CheckRoundTrip(*parsed, kIssueFields);
    if (auto id = parsed->FindInt("userId")) FUZZ_CHECK(*id >= 1);
}

void AdminCoupon(std::string_view body) {
    auto parsed = http::ParseObject(body, kAdminCouponFields);
    if (!parsed.ok()) return;
    CheckRoundTrip(*parsed, kAdminCouponFields);
    std::int64_t expired_at_ms = 0;
    if (ParseIso8601(parsed->GetString("expiredAt"), expired_at_ms)) {
        // What the coupon answer renders must read back as the same instant.
        std::int64_t again = 0;
        FUZZ_CHECK(ParseIso8601(FormatIsoMillis(expired_at_ms), again));
        FUZZ_CHECK(again == expired_at_ms);
    }
}

void EveryKind(std::string_view body) {
    auto parsed = http::ParseObject(body, kEveryKind, http::EmptyBody::kAsEmptyObject);
    if (!parsed.ok()) return;
    CheckRoundTrip(*parsed, kEveryKind);
}

}  // namespace

void ValidateBody(std::string_view route, std::string_view body) {
    if (route == "/api/auth/signup" || route == "/api/auth/login") Credentials(body);
    if (route == "/api/users/{userId}/balance") Charge(body);
    if (route == "/api/coupons/{couponId}/issue") Issue(body);
    if (route == "/api/admin/coupons") AdminCoupon(body);
}

void RunJson(std::string_view input) {
    Credentials(input);
    Charge(input);
    Issue(input);
    AdminCoupon(input);
    EveryKind(input);
    // Escaping never yields a raw control character or an unescaped quote.
    const std::string escaped = http::JsonEscape(input);
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        FUZZ_CHECK(static_cast<unsigned char>(escaped[i]) >= 0x20);
    }
}

}  // namespace hhplus::fuzz
