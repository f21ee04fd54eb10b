#pragma once
// The one URL parser of the server and the tools: redis://, mysql:// (mariadb://) and http://,
// split by liburiparser (RFC 3986), then checked per scheme here. REDIS_*_URL(S), DATABASE_URL
// and DATA_PLATFORM_URL are checked by LoadConfig with these parsers (a wrong one stops the
// server at start with the variable's name), the Redis client and the DB pool connect to what
// they return, and hhplus-load reads its target and its --redis URLs with them.
// Pure: no sockets, no DNS. A host may be an IP literal or a name (Compose and Kubernetes
// service names); names are resolved off the event loop before each connect (common/resolve.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hhplus {

// Why a URL was refused; UrlErrorText names it for a message.
enum class UrlError {
    kSyntax,    // not an RFC 3986 URI (spaces, unbalanced brackets, a sign in the port...)
    kScheme,    // not the scheme the caller reads (https, rediss, ftp, none)
    kUserInfo,  // credentials where none are allowed, or a bad %-escape in them
    kHost,      // empty, not an IP literal nor an RFC 1123 host name, IPvFuture
    kPort,      // empty, 0 or above 65535
    kPath,      // redis: not a db index; mysql: more than a database name; http: too long
    kQuery,     // a query where none is allowed
    kFragment,  // a fragment ("#...")
};
std::string_view UrlErrorText(UrlError error);

// A URL split into its parts, before any per-scheme rule.
struct UrlParts {
    std::string scheme;  // lower-cased
    bool has_user_info = false;
    std::string user, password;  // %-decoded
    std::string host;            // lower-cased; an IPv6 literal without its brackets
    bool ipv6 = false;           // the host was a bracketed IPv6 literal
    std::optional<std::uint16_t> port;
    std::string path;                  // as written ("", "/", "/a/b"), not decoded
    std::optional<std::string> query;  // as written, without the '?'
};
// Any absolute URL with an authority ("scheme://host..."); a fragment is refused. The host is
// checked (IPv4, bracketed IPv6 or an RFC 1123 name) and the port range, nothing per scheme.
std::optional<UrlParts> ParseUrl(std::string_view url, UrlError* error = nullptr);

struct RedisUrl {
    std::string host;  // IP literal or host name; "localhost" is returned as "127.0.0.1"
    std::uint16_t port = 6379;
    int db = 0;
};

// Credentials of a redis:// URL ("redis://[user]:password@host", %-decoded).
struct RedisCredentials {
    std::string user;  // empty: AUTH password (the default user)
    std::string password;
};

// "redis://[[user]:password@]host[:port][/db]": host an IPv4 literal, a bracketed IPv6 literal
// ("[::1]") or a host name. Credentials are accepted only when `credentials` is given (the
// service's client has no AUTH, so its configuration refuses them); no query, no TLS scheme.
// nullopt on anything else, with the reason in `error` when given.
std::optional<RedisUrl> ParseRedisUrl(std::string_view url, UrlError* error = nullptr,
                                      RedisCredentials* credentials = nullptr);

struct DatabaseUrl {
    std::string user, password, host;
    std::uint16_t port = 3306;
    std::string database;
};

// mysql://user:pass@host:port/db (also mariadb://). user, password and database may be
// %-encoded; an unencoded '@' in the password is taken as part of it (the last '@' ends the user
// info). "localhost" becomes 127.0.0.1 (Connector/C would otherwise use the Unix socket); an
// IPv6 literal is written in brackets. Port defaults to 3306. nullopt for anything else
// (unknown scheme, query string, bad port, empty host).
std::optional<DatabaseUrl> ParseDatabaseUrl(std::string_view url, UrlError* error = nullptr);

struct HttpUrl {
    std::string host;  // IP literal or host name; "localhost" is returned as "127.0.0.1"
    std::uint16_t port = 80;
    std::string target = "/";  // path (and query) as sent in the request line; "/" when absent
};

// "http://host[:port][/path[?query]]" (DATA_PLATFORM_URL): host as for Redis URLs. No https (the
// sink is on the same network; TLS would need a library we do not link), no user info, no
// fragment, a query only after a path. nullopt on anything else.
std::optional<HttpUrl> ParseHttpUrl(std::string_view url, UrlError* error = nullptr);

// An IPv4 or IPv6 literal (what needs no lookup).
bool IsIpLiteral(const std::string& host);

}  // namespace hhplus
