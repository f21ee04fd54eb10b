#include "domain/handler_support.hpp"

#include "common/log.hpp"
#include "domain/crypto.hpp"
#include "http/error_table.hpp"

namespace hhplus::domain {

http::Response RenderError(const http::Request& request, const AppError& error,
                           const Clock& clock) {
    http::Response response = http::ErrorResponse(error, ToEpochMillis(clock.Now()));
    if (response.status >= 500) {
        const auto level =
            error.code == ErrorCode::kInternal ? log::Level::kError : log::Level::kWarn;
        if (log::Enabled(level)) {
            log::Write(level, "request_id=" + request.request_id + " route=" + request.route +
                                  " status=" + std::to_string(response.status) +
                                  " detail=" + error.detail);
        }
    } else if (log::Enabled(log::Level::kDebug)) {
        log::Debug("request_id=" + request.request_id + " route=" + request.route +
                   " status=" + std::to_string(response.status) + " detail=" + error.detail);
    }
    return response;
}

Status CheckAdminToken(const http::Request& request, const std::string& admin_token) {
    constexpr std::string_view kBearer = "Bearer ";
    const auto header = request.Header("authorization");
    if (!header || header->substr(0, kBearer.size()) != kBearer ||
        !SecretEquals(header->substr(kBearer.size()), admin_token)) {
        return MakeError(ErrorCode::kAdminTokenInvalid, "admin token missing or wrong");
    }
    return Ok{};
}

}  // namespace hhplus::domain
