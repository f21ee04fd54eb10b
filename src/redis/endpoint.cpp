// ParseRedisUrl, ToString(Endpoint), ErrcName: the pure helpers declared in client.hpp.
#include <arpa/inet.h>

#include <charconv>

#include "redis/client.hpp"

namespace hhplus::redis {
namespace {

constexpr std::string_view kScheme = "redis://";
// Redis's own upper bound on `databases` is INT_MAX, but a URL with more than 5 digits of db
// index is a typo: the default is 16 databases and nobody configures 100000.
constexpr std::size_t kMaxDbDigits = 5;

bool IsIpv4Literal(const std::string& text) {
    in_addr addr{};
    return ::inet_pton(AF_INET, text.c_str(), &addr) == 1;
}

bool IsIpv6Literal(const std::string& text) {
    in6_addr addr{};
    return ::inet_pton(AF_INET6, text.c_str(), &addr) == 1;
}

// Parses all of `text` as a decimal number without sign; false on anything else.
template <class T>
bool ParseDecimal(std::string_view text, T& out) {
    if (text.empty() || text.front() < '0' || text.front() > '9') return false;  // no sign
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string_view ErrcName(Errc code) {
    switch (code) {
        case Errc::kUnavailable:
            return "unavailable";
        case Errc::kTimeout:
            return "timeout";
        case Errc::kProtocol:
            return "protocol";
        case Errc::kCancelled:
            return "cancelled";
        case Errc::kQueueFull:
            return "queue_full";
    }
    return "unknown";
}

std::optional<Endpoint> ParseRedisUrl(std::string_view url) {
    if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
    std::string_view rest = url.substr(kScheme.size());

    // Split off "/db" first: the authority never contains '/'.
    std::string_view authority = rest;
    std::string_view db_text;
    bool has_db_part = false;
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        authority = rest.substr(0, slash);
        db_text = rest.substr(slash + 1);
        has_db_part = true;
    }

    Endpoint endpoint;
    std::string_view port_text;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        endpoint.host = std::string(authority.substr(1, close - 1));
        if (!IsIpv6Literal(endpoint.host)) return std::nullopt;
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port_text = after.substr(1);
            has_port = true;
        }
    } else {
        const auto colon = authority.find(':');
        std::string_view host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            has_port = true;
        }
        if (host == "localhost") {
            endpoint.host = "127.0.0.1";
        } else {
            endpoint.host = std::string(host);
            if (!IsIpv4Literal(endpoint.host)) return std::nullopt;  // also rejects "user@host"
        }
    }

    if (has_port) {
        unsigned port = 0;
        if (!ParseDecimal(port_text, port) || port == 0 || port > 65535) return std::nullopt;
        endpoint.port = static_cast<std::uint16_t>(port);
    }

    if (has_db_part && !db_text.empty()) {  // "redis://h:1/" means db 0
        if (db_text.size() > kMaxDbDigits || !ParseDecimal(db_text, endpoint.db)) {
            return std::nullopt;
        }
    }
    return endpoint;
}

std::string ToString(const Endpoint& endpoint) {
    const bool v6 = endpoint.host.find(':') != std::string::npos;
    std::string out = v6 ? "[" + endpoint.host + "]" : endpoint.host;
    out += ':';
    out += std::to_string(endpoint.port);
    out += '/';
    out += std::to_string(endpoint.db);
    return out;
}

}  // namespace hhplus::redis
