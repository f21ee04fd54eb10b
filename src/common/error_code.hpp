#pragma once
// Every outcome the API can answer with. The mapping to business code ("C001"), HTTP status and
// client message lives in exactly one place: src/http/error_table.cpp (a unit test fails on any
// enumerator without a row there).
#include <cstdint>

namespace hhplus {

enum class ErrorCode : std::uint8_t {
    kInvalidRequest,          // V001 400
    kUnsupportedMediaType,    // V003 415
    kBodyTooLarge,            // V013 413
    kHeadersTooLarge,         // V014 431
    kRequestLineTooLong,      // V015 414
    kRouteNotFound,           // V404 404
    kMethodNotAllowed,        // V405 405
    kNotLoggedIn,             // A001 401
    kForbidden,               // A002 403
    kEmailTaken,              // A003 409
    kBadCredentials,          // A004 401
    kTooManyLoginAttempts,    // A005 429
    kAdminTokenInvalid,       // A006 401
    kUserNotFound,            // U001 404
    kBalanceLimitExceeded,    // B001 409
    kIdempotencyKeyMismatch,  // B002 422
    kIdempotencyKeyInFlight,  // B003 409
    kCouponSoldOut,           // C001 409
    kCouponExpired,           // C003 409
    kCouponAlreadyIssued,     // C005 409
    kCouponNotFound,          // C006 404
    // Added with orders. Stored idempotent answers keep an ErrorCode's number, so new codes go
    // here, after every code a stored answer may hold, and before the 5xx ones (never stored).
    kCouponNotHeld,          // C007 409
    kCouponAlreadyUsed,      // C008 409
    kBalanceTooLow,          // B004 409
    kProductNotFound,        // P001 404
    kOptionNotFound,         // P002 404
    kOutOfStock,             // P003 409
    kStockChangeRefused,     // P004 409
    kOrderNotFound,          // O001 404
    kOrderAlreadyPaid,       // O002 409
    kOrderExpired,           // O003 409
    kBusy,                   // S001 503
    kDependencyUnavailable,  // S002 503
    kInternal,               // S500 500
};

// One past the last enumerator: the error table's test walks 0..kErrorCodeCount-1.
inline constexpr int kErrorCodeCount = static_cast<int>(ErrorCode::kInternal) + 1;

}  // namespace hhplus
