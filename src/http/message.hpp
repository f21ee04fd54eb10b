#pragma once
// The request a handler sees and the response it returns: plain values, no Beast or Asio types,
// so handlers and their unit tests never touch the transport.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/percent_decode.hpp"

namespace hhplus::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

// "GET", "PATCH", ... ("OTHER" for kOther): the metrics label and the text of an Allow header.
std::string_view MethodName(Method method);
// Exact, case-sensitive token match (RFC 9110 methods are case-sensitive); anything else kOther.
Method ParseMethod(std::string_view token);

struct Request {
    Method method = Method::kGet;
    std::string path;                                          // decoded path without query
    std::string query;                                         // raw query string without '?'
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;
    std::string request_id;  // echoed if sane (<=64 of [A-Za-z0-9._-]) else generated
    std::string route;       // the matched route pattern, e.g. "/api/users/{userId}/balance"
    std::vector<std::pair<std::string, std::int64_t>> path_ids;  // validated path ids

    // First header with that (lower-case) name.
    std::optional<std::string_view> Header(std::string_view lower_name) const;
    // The id bound to {name} in the route; the router guarantees presence (0 if a handler asks
    // for a name its route does not have: a wiring bug, asserted in debug builds).
    std::int64_t PathId(std::string_view name) const;
    // First `name=value` pair of the query, both percent-decoded ('+' is a space). A name without
    // '=' yields "". nullopt when absent or when its encoding is broken (the caller answers V001
    // either way when the parameter is required).
    std::optional<std::string> QueryParam(std::string_view name) const;
    // Value of the first cookie with that name over all Cookie headers, surrounding double quotes
    // removed (RFC 6265 cookie-value).
    std::optional<std::string> Cookie(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::string body;  // JSON unless content_type says otherwise
    std::string content_type = "application/json; charset=utf-8";
    // Extra headers (Set-Cookie, Retry-After, Allow...). A name or value holding CR or LF is
    // dropped by the server (header injection) and logged.
    std::vector<std::pair<std::string, std::string>> headers;
};

Response Json(int status, std::string body);
Response NoContent();  // 204

// Percent-decoding lives in common (the database URL parser needs it too).
using ::hhplus::PercentDecode;

}  // namespace hhplus::http
