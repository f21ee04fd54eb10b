// ParseDatabaseUrl (declared in db/pool.hpp). Pure: no sockets, no DNS.
#include <arpa/inet.h>

#include <cctype>
#include <charconv>

#include "db/pool.hpp"
#include "common/percent_decode.hpp"

namespace hhplus::db {
namespace {

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    }
    return true;
}

// %XX decoding: passwords with '@' or ':' must be written %40, %3A.
std::optional<std::string> PercentDecode(std::string_view text) { return hhplus::PercentDecode(text, false); }

bool IsIpv4(const std::string& host) {
    in_addr addr{};
    return ::inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool IsIpv6(const std::string& host) {
    in6_addr addr{};
    return ::inet_pton(AF_INET6, host.c_str(), &addr) == 1;
}

// RFC 1123 host name: labels of letters, digits and '-', separated by dots (plus '_', which
// container runtimes allow in service names).
bool IsHostName(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    for (const char c : host) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
            return false;
        }
    }
    return host.front() != '.' && host.front() != '-';
}

}  // namespace

std::optional<DbUrl> ParseDatabaseUrl(std::string_view url) {
    std::string_view rest;
    if (StartsWithNoCase(url, "mysql://")) {
        rest = url.substr(8);
    } else if (StartsWithNoCase(url, "mariadb://")) {
        rest = url.substr(10);
    } else {
        return std::nullopt;
    }
    if (rest.find_first_of("?#") != std::string_view::npos) return std::nullopt;

    DbUrl out;
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        auto database = PercentDecode(rest.substr(slash + 1));
        if (!database || database->find('/') != std::string::npos) return std::nullopt;
        out.database = std::move(*database);
    }

    // The last '@' ends the user info, so an unencoded '@' in a password still parses.
    const std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        const std::size_t colon = userinfo.find(':');
        auto user = PercentDecode(userinfo.substr(0, colon));
        if (!user) return std::nullopt;
        out.user = std::move(*user);
        if (colon != std::string_view::npos) {
            auto password = PercentDecode(userinfo.substr(colon + 1));
            if (!password) return std::nullopt;
            out.password = std::move(*password);
        }
        authority = authority.substr(at + 1);
    }

    std::string_view host;
    std::string_view port_text;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port_text = after.substr(1);
            has_port = true;
        }
        if (!IsIpv6(std::string(host))) return std::nullopt;
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
        const auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
            value == 0 || value > 65535) {
            return std::nullopt;
        }
        out.port = static_cast<std::uint16_t>(value);
    }

    std::string host_text(host);
    for (auto& c : host_text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (host_text == "localhost") {
        // Connector/C takes "localhost" to mean the Unix socket; we always speak TCP.
        host_text = "127.0.0.1";
    }
    if (!IsIpv4(host_text) && !IsIpv6(host_text) && !IsHostName(host_text)) return std::nullopt;
    out.host = std::move(host_text);
    return out;
}

}  // namespace hhplus::db
