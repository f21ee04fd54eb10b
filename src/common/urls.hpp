#pragma once
// The service's connection URLs, parsed in one place: REDIS_*_URL(S) and DATABASE_URL are
// checked by LoadConfig with these parsers (a wrong one stops the server at start with the
// variable's name), and the Redis client and the DB pool connect to what they return.
// Pure: no sockets, no DNS. A host may be an IP literal or a name (Compose and Kubernetes
// service names); names are resolved off the event loop before each connect (common/resolve.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hhplus {

struct RedisUrl {
    std::string host;  // IP literal or host name; "localhost" is returned as "127.0.0.1"
    std::uint16_t port = 6379;
    int db = 0;
};

// "redis://host[:port][/db]": host an IPv4 literal, a bracketed IPv6 literal ("[::1]") or a host
// name. No user/password, query or TLS scheme. nullopt on anything else.
std::optional<RedisUrl> ParseRedisUrl(std::string_view url);

struct DatabaseUrl {
    std::string user, password, host;
    std::uint16_t port = 3306;
    std::string database;
};

// mysql://user:pass@host:port/db (also mariadb://). user, password and database may be
// %-encoded. "localhost" becomes 127.0.0.1 (Connector/C would otherwise use the Unix socket);
// an IPv6 literal is written in brackets. Port defaults to 3306. nullopt for anything else
// (unknown scheme, query string, bad port, empty host).
std::optional<DatabaseUrl> ParseDatabaseUrl(std::string_view url);

struct HttpUrl {
    std::string host;  // IP literal or host name; "localhost" is returned as "127.0.0.1"
    std::uint16_t port = 80;
    std::string target = "/";  // path (and query) as sent in the request line; "/" when absent
};

// "http://host[:port][/path[?query]]" (DATA_PLATFORM_URL): host as for Redis URLs. No https (the
// sink is on the same network; TLS would need a library we do not link), no user info, no
// fragment, no spaces or control characters in the target. nullopt on anything else.
std::optional<HttpUrl> ParseHttpUrl(std::string_view url);

// An IPv4 or IPv6 literal (what needs no lookup).
bool IsIpLiteral(const std::string& host);

}  // namespace hhplus
