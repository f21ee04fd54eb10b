#pragma once
// The target's base URL (BASE_URL / K6_TARGET_URL): "http://host[:port][/prefix]", split by the
// service's URL parser (common/urls.hpp). Plain HTTP only: the stage and the tests speak HTTP/1.1
// on loopback; TLS is out of scope (README). No user info, query or fragment.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace hhplus::loadgen {

struct BaseUrl {
    std::string host;  // as written, lower-cased ("127.0.0.1", "localhost", "::1" without brackets)
    std::uint16_t port = 80;
    std::string prefix;  // path prefix without a trailing slash ("" or "/v1")

    // Host header value: "host" or "host:port" (brackets for IPv6).
    std::string HostHeader() const;
    // Absolute request target for `path` ("/api/x" → "/v1/api/x").
    std::string Target(std::string_view path) const { return prefix + std::string(path); }
    // Full URL for tags and messages: "http://127.0.0.1:3000/api/x".
    std::string Url(std::string_view path) const;
};

Result<BaseUrl, std::string> ParseBaseUrl(std::string_view url);

}  // namespace hhplus::loadgen
