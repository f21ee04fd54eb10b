#include "domain/handler_support.hpp"

#include "common/log.hpp"
#include "domain/crypto.hpp"
#include "http/error_table.hpp"
#include "http/json.hpp"

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

std::size_t Utf8Chars(std::string_view text) {
    std::size_t n = 0;
    for (unsigned char c : text) n += (c & 0xC0) != 0x80;  // count lead bytes only
    return n;
}

std::optional<std::int64_t> PositiveInt(std::string_view text) {
    if (text.empty() || text.size() > 19 || text[0] == '0') return std::nullopt;
    auto v = http::ParseJsonInteger(text);
    if (!v || *v <= 0) return std::nullopt;
    return v;
}

Result<Page> ParsePage(const http::Request& request, int default_limit, int max_limit) {
    Page page{default_limit, 0};
    if (auto text = request.QueryParam("limit")) {
        auto parsed = PositiveInt(*text);
        if (!parsed || *parsed > max_limit) {
            return MakeError(ErrorCode::kInvalidRequest, "limit out of range");
        }
        page.limit = static_cast<int>(*parsed);
    }
    if (auto cursor = request.QueryParam("cursor"); cursor && !cursor->empty()) {
        auto parsed = PositiveInt(*cursor);
        if (!parsed) return MakeError(ErrorCode::kInvalidRequest, "bad cursor");
        page.cursor = *parsed;
    }
    return page;
}

}  // namespace hhplus::domain
