#pragma once
// A VU's cookie jar (RFC 6265 subset, as Go's net/http/cookiejar that k6 uses): host-only and
// domain cookies, path matching, Max-Age/Expires, Secure. k6 empties it at the start of every
// iteration unless noCookiesReset is set, so a signup and the issue that follows share a session
// only inside one iteration.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hhplus::loadgen {

class CookieJar {
  public:
    using Clock = std::chrono::system_clock;

    // Applies one Set-Cookie header received from `host` for a request to `request_path`.
    void SetFromHeader(std::string_view set_cookie, std::string_view host,
                       std::string_view request_path, Clock::time_point now);
    // Adds a cookie directly (k6's jar.set(url, name, value)): host-only, path "/".
    void Set(std::string_view host, std::string_view name, std::string_view value);
    // The Cookie header value for a request ("a=1; b=2"), empty when nothing matches. Longer paths
    // first, then older cookies first, as RFC 6265 5.4 orders them.
    std::string HeaderFor(std::string_view host, std::string_view path, bool secure,
                          Clock::time_point now) const;
    std::optional<std::string> Get(std::string_view host, std::string_view name,
                                   Clock::time_point now) const;
    void Clear() { cookies_.clear(); }
    std::size_t Size() const { return cookies_.size(); }

  private:
    struct Cookie {
        std::string name;
        std::string value;
        std::string domain;  // lower case, no leading dot
        bool host_only = true;
        std::string path;
        bool secure = false;
        std::optional<Clock::time_point> expires;
        std::uint64_t sequence = 0;  // creation order
    };
    bool Matches(const Cookie& c, std::string_view host, std::string_view path, bool secure,
                 Clock::time_point now) const;
    void Upsert(Cookie cookie);

    std::vector<Cookie> cookies_;
    std::uint64_t next_sequence_ = 0;
};

// RFC 6265 5.1.4 default-path of a request path ("/api/auth/signup" → "/api/auth").
std::string DefaultCookiePath(std::string_view request_path);

}  // namespace hhplus::loadgen
