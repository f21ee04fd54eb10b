#pragma once
// What every handler shares: rendering an AppError (and logging its detail with the request id
// when the failure is ours), and the admin bearer-token check.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "http/message.hpp"

namespace hhplus::domain {

// The error response of api.md. 5xx details are logged at warn with the request id (S500 at
// error); 4xx details at debug: they are the client's business, not an incident.
http::Response RenderError(const http::Request& request, const AppError& error, const Clock& clock);

// Ok when `Authorization: Bearer <token>` carries `admin_token` (compared in constant time);
// A006 otherwise.
Status CheckAdminToken(const http::Request& request, const std::string& admin_token);

// Characters of valid UTF-8 text (lead bytes), for the "1–100 characters" rules of api.md.
std::size_t Utf8Chars(std::string_view text);

// A strictly positive decimal that fits in 63 bits, written as path ids are (no sign, no leading
// zero); nullopt otherwise.
std::optional<std::int64_t> PositiveInt(std::string_view text);

// `?limit=&cursor=` of the paged lists (api.md): limit 1..max_limit (default_limit when absent),
// cursor a positive id ("" or absent: the first page, 0). V001 otherwise.
struct Page {
    int limit = 0;
    std::int64_t cursor = 0;
};
Result<Page> ParsePage(const http::Request& request, int default_limit, int max_limit);

}  // namespace hhplus::domain
