#pragma once
// THE mapping of ErrorCode to business code, HTTP status and client message (api.md "Error codes
// and HTTP status"). Nothing else in the code base spells "C001" or picks an error status.
#include <cstdint>
#include <string_view>

#include "common/error_code.hpp"
#include "common/result.hpp"
#include "http/message.hpp"

namespace hhplus::http {

struct ErrorInfo {
    std::string_view code;     // "C001"
    int status;                // 409
    std::string_view message;  // "coupon sold out": safe to show a client
};

// Row of `code`; an out-of-range value (a cast bug) gets the S500 row.
const ErrorInfo& Describe(ErrorCode code);

// {"errorCode":"C001","message":"coupon sold out","timestamp":"2026-11-25T10:00:00.123Z"}.
// S001 (503) carries `Retry-After: 1`; A005 (429) carries `Retry-After: 60`, the length of the
// login-failure window, an upper bound a handler may lower by editing that header.
Response ErrorResponse(ErrorCode code, std::int64_t now_epoch_ms);
// Same; `error.detail` is for the log and is never rendered.
Response ErrorResponse(const AppError& error, std::int64_t now_epoch_ms);

}  // namespace hhplus::http
