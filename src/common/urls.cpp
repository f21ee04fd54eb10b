#include "common/urls.hpp"

#include <arpa/inet.h>
#include <uriparser/Uri.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>

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

// Parses all of `text` as a decimal number without sign; false on anything else.
template <class T>
bool ParseDecimal(std::string_view text, T& out) {
    if (text.empty() || text.front() < '0' || text.front() > '9') return false;  // no sign
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

std::string_view Text(const UriTextRangeA& range) {
    if (range.first == nullptr || range.afterLast == nullptr) return {};
    return std::string_view(range.first, static_cast<std::size_t>(range.afterLast - range.first));
}

std::string Lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

template <class T>
std::optional<T> Fail(UrlError* error, UrlError reason) {
    if (error != nullptr) *error = reason;
    return std::nullopt;
}

// uriparser's parse result, freed on scope exit.
struct UriDeleter {
    void operator()(UriUriA* uri) const {
        uriFreeUriMembersA(uri);
        delete uri;
    }
};

// "user:password" → both %-decoded; false on a bad escape.
bool SplitUserInfo(std::string_view user_info, UrlParts& out) {
    const std::size_t colon = user_info.find(':');
    auto user = PercentDecode(user_info.substr(0, colon), false);
    if (!user) return false;
    out.user = std::move(*user);
    if (colon != std::string_view::npos) {
        auto password = PercentDecode(user_info.substr(colon + 1), false);
        if (!password) return false;
        out.password = std::move(*password);
    }
    return true;
}

// "localhost" as a literal: no lookup, and never ::1 first (our servers bind 127.0.0.1). For
// MariaDB it also keeps Connector/C from taking "localhost" to mean its Unix socket.
void MapLocalhostToLoopback(std::string& host) {
    if (host == "localhost") host = "127.0.0.1";
}

}  // namespace

std::string_view UrlErrorText(UrlError error) {
    switch (error) {
        case UrlError::kSyntax:
            return "not a URL";
        case UrlError::kScheme:
            return "unsupported scheme";
        case UrlError::kUserInfo:
            return "user info not allowed or badly %-encoded";
        case UrlError::kHost:
            return "invalid or missing host";
        case UrlError::kPort:
            return "invalid port";
        case UrlError::kPath:
            return "invalid path";
        case UrlError::kQuery:
            return "query not allowed";
        case UrlError::kFragment:
            return "fragment not allowed";
    }
    return "invalid URL";
}

bool IsIpLiteral(const std::string& host) { return IsIpv4(host) || IsIpv6(host); }

std::optional<UrlParts> ParseUrl(std::string_view url, UrlError* error) {
    std::unique_ptr<UriUriA, UriDeleter> uri(new UriUriA{});
    const char* error_pos = nullptr;
    if (uriParseSingleUriExA(uri.get(), url.data(), url.data() + url.size(), &error_pos) !=
        URI_SUCCESS) {
        return Fail<UrlParts>(error, UrlError::kSyntax);
    }
    UrlParts out;
    out.scheme = Lower(Text(uri->scheme));
    // "scheme://..." only: an authority is what every caller connects to.
    if (out.scheme.empty() || uri->hostText.first == nullptr) {
        return Fail<UrlParts>(error, UrlError::kScheme);
    }
    if (uri->fragment.first != nullptr) return Fail<UrlParts>(error, UrlError::kFragment);
    if (uri->userInfo.first != nullptr) {
        out.has_user_info = true;
        if (!SplitUserInfo(Text(uri->userInfo), out)) {
            return Fail<UrlParts>(error, UrlError::kUserInfo);
        }
    }
    out.host = Lower(Text(uri->hostText));
    // A bracketed literal must be IPv6 (IPvFuture "[v1.x]" is refused); otherwise IPv4 or a name.
    out.ipv6 = uri->hostData.ip6 != nullptr;
    const bool bracketed = out.ipv6 || uri->hostData.ipFuture.first != nullptr;
    const bool host_ok =
        bracketed ? out.ipv6 && IsIpv6(out.host) : IsIpv4(out.host) || IsHostName(out.host);
    if (!host_ok) return Fail<UrlParts>(error, UrlError::kHost);
    if (uri->portText.first != nullptr) {
        unsigned value = 0;
        if (!ParseDecimal(Text(uri->portText), value) || value == 0 || value > 65535) {
            return Fail<UrlParts>(error, UrlError::kPort);
        }
        out.port = static_cast<std::uint16_t>(value);
    }
    // With an authority the path is empty or starts with '/': the segments joined back.
    for (const UriPathSegmentA* seg = uri->pathHead; seg != nullptr; seg = seg->next) {
        out.path += '/';
        out.path += Text(seg->text);
    }
    if (uri->query.first != nullptr) out.query = std::string(Text(uri->query));
    return out;
}

std::optional<RedisUrl> ParseRedisUrl(std::string_view url, UrlError* error,
                                      RedisCredentials* credentials) {
    auto parts = ParseUrl(url, error);
    if (!parts) return std::nullopt;
    if (parts->scheme != "redis") return Fail<RedisUrl>(error, UrlError::kScheme);
    if (parts->has_user_info && credentials == nullptr) {
        return Fail<RedisUrl>(error, UrlError::kUserInfo);
    }
    if (parts->query) return Fail<RedisUrl>(error, UrlError::kQuery);
    RedisUrl out;
    out.host = std::move(parts->host);
    MapLocalhostToLoopback(out.host);
    out.port = parts->port.value_or(out.port);
    // "" and "/" mean db 0.
    const std::string_view db_text =
        std::string_view(parts->path).substr(parts->path.empty() ? 0 : 1);
    if (!db_text.empty() && (db_text.size() > kMaxDbDigits || !ParseDecimal(db_text, out.db))) {
        return Fail<RedisUrl>(error, UrlError::kPath);
    }
    if (credentials != nullptr) {
        credentials->user = std::move(parts->user);
        credentials->password = std::move(parts->password);
    }
    return out;
}

std::optional<DatabaseUrl> ParseDatabaseUrl(std::string_view url, UrlError* error) {
    // RFC 3986 has no '@' in user info; this URL's users write passwords unencoded, so every '@'
    // of the authority but the last is read as "%40".
    std::string text(url);
    if (const std::size_t start = text.find("://"); start != std::string::npos) {
        const std::size_t end = std::min(text.find_first_of("/?#", start + 3), text.size());
        const std::string authority = text.substr(start + 3, end - start - 3);
        const std::size_t last_at = authority.rfind('@');
        if (last_at != std::string::npos && last_at != authority.find('@')) {
            std::string encoded;
            for (const char c : std::string_view(authority).substr(0, last_at)) {
                if (c == '@') {
                    encoded += "%40";
                } else {
                    encoded += c;
                }
            }
            text.replace(start + 3, last_at, encoded);
        }
    }
    auto parts = ParseUrl(text, error);
    if (!parts) return std::nullopt;
    if (parts->scheme != "mysql" && parts->scheme != "mariadb") {
        return Fail<DatabaseUrl>(error, UrlError::kScheme);
    }
    if (parts->query) return Fail<DatabaseUrl>(error, UrlError::kQuery);
    DatabaseUrl out;
    out.user = std::move(parts->user);
    out.password = std::move(parts->password);
    out.host = std::move(parts->host);
    MapLocalhostToLoopback(out.host);
    out.port = parts->port.value_or(out.port);
    if (!parts->path.empty()) {
        // One segment, the database name; %XX decoded (names with '/' must be written %2F).
        auto database = PercentDecode(std::string_view(parts->path).substr(1), false);
        if (!database || parts->path.find('/', 1) != std::string::npos) {
            return Fail<DatabaseUrl>(error, UrlError::kPath);
        }
        out.database = std::move(*database);
    }
    return out;
}

std::optional<HttpUrl> ParseHttpUrl(std::string_view url, UrlError* error) {
    // A request target longer than this is a typo: the server's own request-line limit is 8 KiB
    // and a sink path is a few dozen bytes.
    constexpr std::size_t kMaxTargetLength = 2048;
    auto parts = ParseUrl(url, error);
    if (!parts) return std::nullopt;
    if (parts->scheme != "http") return Fail<HttpUrl>(error, UrlError::kScheme);
    if (parts->has_user_info) return Fail<HttpUrl>(error, UrlError::kUserInfo);
    // "http://h?x": RFC 3986 allows it, a request line needs the '/'; refused as a likely typo.
    if (parts->query && parts->path.empty()) return Fail<HttpUrl>(error, UrlError::kQuery);
    HttpUrl out;
    out.host = std::move(parts->host);
    MapLocalhostToLoopback(out.host);
    out.port = parts->port.value_or(out.port);
    if (!parts->path.empty()) {
        out.target = std::move(parts->path);
        if (parts->query) {
            out.target += '?';
            out.target += *parts->query;
        }
        if (out.target.size() > kMaxTargetLength) return Fail<HttpUrl>(error, UrlError::kPath);
    }
    return out;
}

}  // namespace hhplus
