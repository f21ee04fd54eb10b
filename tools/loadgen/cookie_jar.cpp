#include "loadgen/cookie_jar.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>

namespace hhplus::loadgen {
namespace {

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string Lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool IEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool IsIpLiteral(std::string_view host) {
    if (host.find(':') != std::string_view::npos) return true;  // IPv6
    return !host.empty() && std::all_of(host.begin(), host.end(),
                                        [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// "Wed, 21 Oct 2015 07:28:00 GMT" (RFC 1123, the form servers send).
std::optional<CookieJar::Clock::time_point> ParseHttpDate(std::string_view text) {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::string s(Trim(text));
    char month[4] = {};
    int day = 0, year = 0, hour = 0, minute = 0, second = 0;
    const char* comma = std::strchr(s.c_str(), ',');
    const char* rest = comma != nullptr ? comma + 1 : s.c_str();
    if (std::sscanf(rest, " %d%*[ -]%3s%*[ -]%d %d:%d:%d", &day, month, &year, &hour, &minute,
                    &second) != 6) {
        return std::nullopt;
    }
    int mon = -1;
    for (int i = 0; i < 12; ++i) {
        if (IEquals(month, kMonths[i])) mon = i;
    }
    if (mon < 0) return std::nullopt;
    if (year < 100) year += year < 70 ? 2000 : 1900;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return CookieJar::Clock::from_time_t(timegm(&tm));
}

bool PathMatches(std::string_view cookie_path, std::string_view request_path) {
    if (cookie_path == request_path) return true;
    if (request_path.substr(0, cookie_path.size()) != cookie_path) return false;
    return cookie_path.back() == '/' || request_path[cookie_path.size()] == '/';
}

}  // namespace

std::string DefaultCookiePath(std::string_view request_path) {
    std::size_t query = request_path.find('?');
    if (query != std::string_view::npos) request_path = request_path.substr(0, query);
    if (request_path.empty() || request_path.front() != '/') return "/";
    std::size_t last = request_path.rfind('/');
    if (last == 0) return "/";
    return std::string(request_path.substr(0, last));
}

void CookieJar::SetFromHeader(std::string_view header, std::string_view host,
                              std::string_view request_path, Clock::time_point now) {
    std::size_t semi = header.find(';');
    std::string_view pair = Trim(header.substr(0, semi));
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return;
    Cookie c;
    c.name = std::string(Trim(pair.substr(0, eq)));
    if (c.name.empty()) return;
    std::string_view value = Trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
    c.value = std::string(value);
    c.domain = Lower(host);
    c.path = DefaultCookiePath(request_path);
    std::optional<Clock::time_point> expires;
    std::optional<long long> max_age;
    std::string_view attrs =
        semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!attrs.empty()) {
        std::size_t next = attrs.find(';');
        std::string_view attr = Trim(attrs.substr(0, next));
        attrs = next == std::string_view::npos ? std::string_view{} : attrs.substr(next + 1);
        std::size_t aeq = attr.find('=');
        std::string_view key = Trim(attr.substr(0, aeq));
        std::string_view val =
            aeq == std::string_view::npos ? std::string_view{} : Trim(attr.substr(aeq + 1));
        if (IEquals(key, "path")) {
            if (!val.empty() && val.front() == '/') c.path = std::string(val);
        } else if (IEquals(key, "domain")) {
            std::string domain = Lower(val);
            if (!domain.empty() && domain.front() == '.') domain.erase(domain.begin());
            if (domain.empty()) continue;
            const std::string lhost = Lower(host);
            const bool matches =
                lhost == domain ||
                (!IsIpLiteral(lhost) && lhost.size() > domain.size() &&
                 lhost.compare(lhost.size() - domain.size(), domain.size(), domain) == 0 &&
                 lhost[lhost.size() - domain.size() - 1] == '.');
            if (!matches) return;  // a cookie for another domain is rejected
            c.domain = domain;
            // With a Domain attribute the cookie also goes to subdomains; Go's cookiejar keeps
            // it host-only when the host is an IP literal.
            c.host_only = IsIpLiteral(lhost);
        } else if (IEquals(key, "max-age")) {
            long long secs = 0;
            auto [end, ec] = std::from_chars(val.data(), val.data() + val.size(), secs);
            if (ec == std::errc() && end == val.data() + val.size()) max_age = secs;
        } else if (IEquals(key, "expires")) {
            expires = ParseHttpDate(val);
        } else if (IEquals(key, "secure")) {
            c.secure = true;
        }
    }
    if (max_age) {
        if (*max_age <= 0) {
            c.expires = Clock::time_point::min();
        } else {
            c.expires = now + std::chrono::seconds(*max_age);
        }
    } else if (expires) {
        c.expires = *expires;
    }
    Upsert(std::move(c));
    // Drop what has expired (including the cookie just "deleted" by Max-Age=0).
    cookies_.erase(
        std::remove_if(cookies_.begin(), cookies_.end(),
                       [now](const Cookie& k) { return k.expires && *k.expires <= now; }),
        cookies_.end());
}

void CookieJar::Set(std::string_view host, std::string_view name, std::string_view value) {
    Cookie c;
    c.name = std::string(name);
    c.value = std::string(value);
    c.domain = Lower(host);
    c.path.push_back('/');  // not `= "/"`: g++ 12 -O3 reports a bogus -Wrestrict on that
    Upsert(std::move(c));
}

void CookieJar::Upsert(Cookie cookie) {
    for (Cookie& existing : cookies_) {
        if (existing.name == cookie.name && existing.domain == cookie.domain &&
            existing.path == cookie.path) {
            cookie.sequence = existing.sequence;  // RFC 6265: keep the original creation time
            existing = std::move(cookie);
            return;
        }
    }
    cookie.sequence = next_sequence_++;
    cookies_.push_back(std::move(cookie));
}

bool CookieJar::Matches(const Cookie& c, std::string_view host, std::string_view path, bool secure,
                        Clock::time_point now) const {
    if (c.expires && *c.expires <= now) return false;
    if (c.secure && !secure) return false;
    const std::string lhost = Lower(host);
    if (c.host_only) {
        if (lhost != c.domain) return false;
    } else if (lhost != c.domain) {
        if (lhost.size() <= c.domain.size() ||
            lhost.compare(lhost.size() - c.domain.size(), c.domain.size(), c.domain) != 0 ||
            lhost[lhost.size() - c.domain.size() - 1] != '.') {
            return false;
        }
    }
    std::size_t query = path.find('?');
    return PathMatches(c.path, path.substr(0, query));
}

std::string CookieJar::HeaderFor(std::string_view host, std::string_view path, bool secure,
                                 Clock::time_point now) const {
    if (cookies_.empty()) return "";
    std::vector<const Cookie*> matching;
    for (const Cookie& c : cookies_) {
        if (Matches(c, host, path, secure, now)) matching.push_back(&c);
    }
    std::sort(matching.begin(), matching.end(), [](const Cookie* a, const Cookie* b) {
        if (a->path.size() != b->path.size()) return a->path.size() > b->path.size();
        return a->sequence < b->sequence;
    });
    std::string out;
    for (const Cookie* c : matching) {
        if (!out.empty()) out += "; ";
        out += c->name + "=" + c->value;
    }
    return out;
}

std::optional<std::string> CookieJar::Get(std::string_view host, std::string_view name,
                                          Clock::time_point now) const {
    for (const Cookie& c : cookies_) {
        if (c.name == name && Matches(c, host, c.path, true, now)) return c.value;
    }
    return std::nullopt;
}

}  // namespace hhplus::loadgen
