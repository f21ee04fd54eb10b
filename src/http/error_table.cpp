#include "http/error_table.hpp"

#include <array>

#include "common/clock.hpp"
#include "http/json.hpp"

namespace hhplus::http {
namespace {

// Indexed by ErrorCode; the static_assert below and the unit test keep it complete and in order.
constexpr std::array<ErrorInfo, kErrorCodeCount> kTable = {{
    {"V001", 400, "invalid request"},
    {"V003", 415, "unsupported content type"},
    {"V013", 413, "request body too large"},
    {"V014", 431, "request headers too large"},
    {"V015", 414, "request line too long"},
    {"V404", 404, "route not found"},
    {"V405", 405, "method not allowed"},
    {"A001", 401, "not logged in"},
    {"A002", 403, "not your resource"},
    {"A003", 409, "email already registered"},
    {"A004", 401, "wrong email or password"},
    {"A005", 429, "too many login attempts"},
    {"A006", 401, "admin token missing or wrong"},
    {"U001", 404, "user not found"},
    {"B001", 409, "balance limit exceeded"},
    {"B002", 422, "idempotency key reused with a different request"},
    {"B003", 409, "a request with this idempotency key is still in flight"},
    {"C001", 409, "coupon sold out"},
    {"C003", 409, "coupon expired"},
    {"C005", 409, "coupon already issued to this user"},
    {"C006", 404, "coupon not found"},
    {"C007", 409, "coupon not held by this user"},
    {"C008", 409, "coupon already used"},
    {"B004", 409, "balance too low for this payment"},
    {"P001", 404, "product not found"},
    {"P002", 404, "product option not found"},
    {"P003", 409, "not enough stock available"},
    {"P004", 409, "stock change refused"},
    {"O001", 404, "order not found"},
    {"O002", 409, "order already paid"},
    {"O003", 409, "order expired"},
    {"S001", 503, "busy, retry later"},
    {"S002", 503, "a dependency is unavailable"},
    {"S500", 500, "internal error"},
}};
static_assert(kTable.back().code == "S500", "the table must end with kInternal");

// S001: the lock wait budget is ~2 s and a shed request was never started, so one second is a
// fair first back-off. A005: failures are counted per minute, so 60 s is when the window surely
// has rolled over.
constexpr std::string_view kBusyRetryAfter = "1";
constexpr std::string_view kLoginRetryAfter = "60";

}  // namespace

const ErrorInfo& Describe(ErrorCode code) {
    const auto i = static_cast<std::size_t>(code);
    return i < kTable.size() ? kTable[i] : kTable.back();
}

Response ErrorResponse(ErrorCode code, std::int64_t now_epoch_ms) {
    const ErrorInfo& info = Describe(code);
    JsonWriter w;
    w.StartObject()
        .Key("errorCode")
        .String(info.code)
        .Key("message")
        .String(info.message)
        .Key("timestamp")
        .String(FormatIsoMillis(now_epoch_ms))
        .EndObject();
    Response r = Json(info.status, w.Finish());
    if (code == ErrorCode::kBusy) {
        r.headers.emplace_back("Retry-After", kBusyRetryAfter);
    } else if (code == ErrorCode::kTooManyLoginAttempts) {
        r.headers.emplace_back("Retry-After", kLoginRetryAfter);
    }
    return r;
}

Response ErrorResponse(const AppError& error, std::int64_t now_epoch_ms) {
    return ErrorResponse(error.code, now_epoch_ms);
}

}  // namespace hhplus::http
