// JSON body validation: http::ParseObject with the field lists of the handlers in src/domain/*,
// then the validators the handlers run on the parsed values. The field lists and bounds mirror
// the handlers' (they live in anonymous namespaces there); keep them in step.
#include <cstdint>
#include <string>

#include "common/clock.hpp"
#include "domain/auth/auth_rules.hpp"
#include "domain/catalog/catalog.hpp"
#include "domain/order/order.hpp"
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
// src/domain/cart/cart_handler.cpp (cart_store.hpp's kMaxCartQuantity: that header needs the
// DB pool)
constexpr std::int64_t kMaxCartQuantity = 100;
const http::Field kCartFields[] = {
    {"productOptionId", http::kInt64, http::kRequired, 1},
    {"quantity", http::kInt64, http::kRequired, 1, kMaxCartQuantity},
};
// src/domain/order/order_handler.cpp: the one body with an object array a user sends.
const http::Field kLineFields[] = {
    {"productOptionId", http::kInt64, http::kRequired, 1},
    {"quantity", http::kInt64, http::kRequired, 1, order::kMaxLineQuantity},
};
const http::Field kOrderFields[] = {
    {"items", http::kObjectArray, http::kRequired, 1, order::kMaxOrderLines, kLineFields},
    {"couponId", http::kInt64, http::kOptional, 1},
};
// src/domain/catalog/catalog_handler.cpp
constexpr std::int64_t kMaxUtf8Bytes = 4;  // bytes a character at most
const http::Field kOptionFields[] = {
    {"color", http::kString, http::kRequired, 1, catalog::kMaxVariantChars* kMaxUtf8Bytes},
    {"size", http::kString, http::kRequired, 1, catalog::kMaxVariantChars* kMaxUtf8Bytes},
    {"price", http::kInt64, http::kRequired, 1, catalog::kMaxPrice},
    {"stock", http::kInt64, http::kRequired, 0, catalog::kMaxInitialStock},
};
const http::Field kAdminProductFields[] = {
    {"name", http::kString, http::kRequired, 1, catalog::kMaxNameChars* kMaxUtf8Bytes},
    {"options", http::kObjectArray, http::kRequired, 1, catalog::kMaxOptions, kOptionFields},
};
const http::Field kStockFields[] = {
    {"operation", http::kString, http::kRequired, 1, 16},
    {"quantity", http::kInt64, http::kRequired, 0, catalog::kMaxStockChange},
};
// Not a route: every kind, optional, unbounded, to reach the parser's paths the routes do not.
const http::Field kEveryKind[] = {
    {"s", http::kString, http::kOptional},
    {"i", http::kInt64, http::kOptional},
    {"b", http::kBool, http::kOptional},
};

// Writes the accepted fields of `parsed` (object arrays one level deep, as ParseObject allows).
void Write(http::JsonWriter& w, const http::JsonObject& parsed,
           std::span<const http::Field> fields) {
    w.StartObject();
    for (const http::Field& f : fields) {
        if (!parsed.Has(f.name)) continue;
        w.Key(f.name);
        if (f.kind == http::kString) w.String(parsed.GetString(f.name));
        if (f.kind == http::kInt64) w.Int(parsed.GetInt(f.name));
        if (f.kind == http::kBool) w.Bool(parsed.GetBool(f.name));
        if (f.kind == http::kObjectArray) {
            w.StartArray();
            for (const http::JsonObject& element : parsed.GetList(f.name))
                Write(w, element, f.members);
            w.EndArray();
        }
    }
    w.EndObject();
}

// The same fields with the same values; object arrays element by element, within their bounds.
void CheckSame(const http::JsonObject& a, const http::JsonObject& b,
               std::span<const http::Field> fields) {
    for (const http::Field& f : fields) {
        FUZZ_CHECK(a.Has(f.name) == b.Has(f.name));
        if (!a.Has(f.name)) continue;
        if (f.kind == http::kString) FUZZ_CHECK(a.GetString(f.name) == b.GetString(f.name));
        if (f.kind == http::kInt64) FUZZ_CHECK(a.GetInt(f.name) == b.GetInt(f.name));
        if (f.kind == http::kBool) FUZZ_CHECK(a.GetBool(f.name) == b.GetBool(f.name));
        if (f.kind == http::kObjectArray) {
            const auto list_a = a.GetList(f.name);
            const auto list_b = b.GetList(f.name);
            const auto size = static_cast<std::int64_t>(list_a.size());
            FUZZ_CHECK(list_b.size() == list_a.size() && size >= f.min && size <= f.max);
            for (std::size_t i = 0; i < list_a.size(); ++i)
                CheckSame(list_a[i], list_b[i], f.members);
        }
    }
}

// What was accepted must survive being written by JsonWriter and parsed again, unchanged.
void CheckRoundTrip(const http::JsonObject& parsed, std::span<const http::Field> fields) {
    http::JsonWriter w;
    Write(w, parsed, fields);
    const std::string text = w.Finish();
    auto again = http::ParseObject(text, fields, http::EmptyBody::kAsEmptyObject);
    FUZZ_CHECK(again.ok());
    CheckSame(parsed, *again, fields);
}

// A body with only the field-list checks (no rule of its own to run on the values).
void Fields(std::string_view body, std::span<const http::Field> fields,
            http::EmptyBody empty = http::EmptyBody::kInvalid) {
    auto parsed = http::ParseObject(body, fields, empty);
    if (!parsed.ok()) {
        FUZZ_CHECK(parsed.error().code == ErrorCode::kInvalidRequest);
        return;
    }
    CheckRoundTrip(*parsed, fields);
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

}  // namespace

void ValidateBody(std::string_view route, std::string_view body) {
    if (route == "/api/auth/signup" || route == "/api/auth/login") Credentials(body);
    if (route == "/api/users/{userId}/balance") Charge(body);
    if (route == "/api/coupons/{couponId}/issue") Issue(body);
    if (route == "/api/admin/coupons") AdminCoupon(body);
    if (route == "/api/users/{userId}/cart") Fields(body, kCartFields);
    if (route == "/api/orders") Fields(body, kOrderFields);
    if (route == "/api/orders/{orderId}/payment")  // no fields: {} or nothing
        Fields(body, std::span<const http::Field>(), http::EmptyBody::kAsEmptyObject);
    if (route == "/api/admin/products") Fields(body, kAdminProductFields);
    if (route == "/api/admin/product-options/{optionId}/stock") Fields(body, kStockFields);
}

void RunJson(std::string_view input) {
    Credentials(input);
    Charge(input);
    Issue(input);
    AdminCoupon(input);
    Fields(input, kCartFields);
    Fields(input, kOrderFields);
    Fields(input, kAdminProductFields);
    Fields(input, kStockFields);
    Fields(input, kEveryKind, http::EmptyBody::kAsEmptyObject);
    // Escaping never yields a raw control character or an unescaped quote.
    const std::string escaped = http::JsonEscape(input);
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        FUZZ_CHECK(static_cast<unsigned char>(escaped[i]) >= 0x20);
    }
}

}  // namespace hhplus::fuzz
