#include "common/urls.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

#include "common/percent_decode.hpp"

namespace hhplus {
namespace {

// Redis's own upper bound on `databases` is INT_MAX, but a URL with more than 5 digits of db
// index is a typo: the default is 16 databases and nobody configures 100000.
constexpr std::size_t kMaxDbDigits = 5;
// RFC 1035: a full domain name is at most 253 characters in text form.
constexpr std::size_t kMaxHostNameLength = 253;

bool IsIpv4(const std::string& text) {
    in_addr addr{};
    return ::inet_pton(AF_INET, text.c_str(), &addr) == 1;
}

bool IsIpv6(const std::string& text) {
    in6_addr addr{};
    return ::inet_pton(AF_INET6, text.c_str(), &addr) == 1;
}

// RFC 1123 host name: labels of 1..63 letters, digits and '-' (plus '_', which container
// runtimes allow in service names), separated by single dots, a trailing dot allowed. A name
// of digits and dots only is a mistyped IPv4 address, not a name (RFC 1123 §2.1: the top-level
// label is never all-numeric).
bool IsHostName(std::string_view host) {
    constexpr std::size_t kMaxLabelLength = 63;
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (host.empty() || host.size() > kMaxHostNameLength) return false;
    std::size_t label = 0;
    bool only_digits_and_dots = true;
    for (const char c : host) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
        if (label == 0 && c == '-') return false;
        if (++label > kMaxLabelLength) return false;
        only_digits_and_dots = only_digits_and_dots && std::isdigit(static_cast<unsigned char>(c));
    }
    return label > 0 && !only_digits_and_dots;
}

bool StartsWithNoCase(std::string_view text, std::string_view lower_prefix) {
    if (text.size() < lower_prefix.size()) return false;
    for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != lower_prefix[i]) return false;
    }
    return true;
}

// Parses all of `text` as a decimal number without sign; false on anything else.
template <class T>
bool ParseDecimal(std::string_view text, T& out) {
    if (text.empty() || text.front() < '0' || text.front() > '9') return false;  // no sign
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

struct HostPort {
    std::string host;  // lower-cased; "localhost" → "127.0.0.1"
    std::optional<std::uint16_t> port;
};

// "host[:port]" or "[v6]:port" (the authority without user info), shared by both schemes.
std::optional<HostPort> ParseHostPort(std::string_view authority) {
    HostPort out;
    std::string_view host;
    std::string_view port_text;
    bool has_port = false;
    bool bracketed = false;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        bracketed = true;
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port_text = after.substr(1);
            has_port = true;
        }
    } else {
        const std::size_t colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            has_port = true;
        }
    }
    if (has_port) {
        unsigned value = 0;
        if (!ParseDecimal(port_text, value) || value == 0 || value > 65535) return std::nullopt;
        out.port = static_cast<std::uint16_t>(value);
    }
    out.host.assign(host);
    for (auto& c : out.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (bracketed) return IsIpv6(out.host) ? std::optional(out) : std::nullopt;
    if (out.host == "localhost") {
        // A literal: no lookup, and never ::1 first (our servers bind 127.0.0.1). For MariaDB it
        // also keeps Connector/C from taking "localhost" to mean its Unix socket.
        out.host = "127.0.0.1";
    }
    if (!IsIpv4(out.host) && !IsHostName(out.host)) return std::nullopt;
    return out;
}

}  // namespace

bool IsIpLiteral(const std::string& host) { return IsIpv4(host) || IsIpv6(host); }

std::optional<RedisUrl> ParseRedisUrl(std::string_view url) {
    constexpr std::string_view kScheme = "redis://";
    if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
    const std::string_view rest = url.substr(kScheme.size());
    // Split off "/db" first: the authority never contains '/'.
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials
    auto host_port = ParseHostPort(authority);
    if (!host_port) return std::nullopt;
    RedisUrl out;
    out.host = std::move(host_port->host);
    if (host_port->port) out.port = *host_port->port;
    if (slash != std::string_view::npos) {
        const std::string_view db_text = rest.substr(slash + 1);
        // "redis://h:1/" means db 0
        if (!db_text.empty() && (db_text.size() > kMaxDbDigits || !ParseDecimal(db_text, out.db))) {
            return std::nullopt;
        }
    }
    return out;
}

std::optional<DatabaseUrl> ParseDatabaseUrl(std::string_view url) {
    std::string_view rest;
    if (StartsWithNoCase(url, "mysql://")) {
        rest = url.substr(8);
    } else if (StartsWithNoCase(url, "mariadb://")) {
        rest = url.substr(10);
    } else {
        return std::nullopt;
    }
    if (rest.find_first_of("?#") != std::string_view::npos) return std::nullopt;

    DatabaseUrl out;
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        // %XX decoding: names with '@' or ':' must be written %40, %3A.
        auto database = PercentDecode(rest.substr(slash + 1), false);
        if (!database || database->find('/') != std::string::npos) return std::nullopt;
        out.database = std::move(*database);
    }
    // The last '@' ends the user info, so an unencoded '@' in a password still parses.
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        const std::size_t colon = userinfo.find(':');
        auto user = PercentDecode(userinfo.substr(0, colon), false);
        if (!user) return std::nullopt;
        out.user = std::move(*user);
        if (colon != std::string_view::npos) {
            auto password = PercentDecode(userinfo.substr(colon + 1), false);
            if (!password) return std::nullopt;
            out.password = std::move(*password);
        }
        authority = authority.substr(at + 1);
    }
    auto host_port = ParseHostPort(authority);
    if (!host_port) return std::nullopt;
    out.host = std::move(host_port->host);
    if (host_port->port) out.port = *host_port->port;
    return out;
}

std::optional<HttpUrl> ParseHttpUrl(std::string_view url) {
    // A request target longer than this is a typo: the server's own request-line limit is 8 KiB
    // and a sink path is a few dozen bytes.
    constexpr std::size_t kMaxTargetLength = 2048;
    if (!StartsWithNoCase(url, "http://")) return std::nullopt;
    const std::string_view rest = url.substr(7);
    const std::size_t slash = rest.find_first_of("/?#");
    const std::string_view authority = rest.substr(0, slash);
    if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials
    auto host_port = ParseHostPort(authority);
    if (!host_port) return std::nullopt;
    HttpUrl out;
    out.host = std::move(host_port->host);
    if (host_port->port) out.port = *host_port->port;
    if (slash != std::string_view::npos) {
        const std::string_view target = rest.substr(slash);
        if (target.front() != '/' || target.size() > kMaxTargetLength) return std::nullopt;
        for (const char c : target) {
            const auto u = static_cast<unsigned char>(c);
            if (u <= 0x20 || u == 0x7F || c == '#') return std::nullopt;  // breaks the request line
        }
        out.target.assign(target);
    }
    return out;
}

}  // namespace hhplus
