#include "http/router.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace hhplus::http {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; false when the path does not start with '/' or has more
// than `out.size()` segments. "/" is one empty segment, "/a/" is {"a", ""}.
template <std::size_t N>
bool SplitPath(std::string_view path, std::array<std::string_view, N>& out, std::size_t& count) {
    if (path.empty() || path[0] != '/') return false;
    count = 0;
    std::size_t start = 1;
    for (;;) {
        if (count == N) return false;
        const auto slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            out[count++] = path.substr(start);
            return true;
        }
        out[count++] = path.substr(start, slash - start);
        start = slash + 1;
    }
}

// Literal before param at the first differing position: "/a/stats" is tried before "/a/{id}".
bool MoreSpecific(const std::vector<bool>& a, const std::vector<bool>& b) {
    if (a.size() != b.size()) return a.size() < b.size();
    return a < b;  // false (literal) < true (param)
}

}  // namespace

std::optional<std::int64_t> ParsePathId(std::string_view text) {
    // 2^63-1 = 9223372036854775807 has 19 digits.
    constexpr std::size_t kMaxDigits = 19;
    if (text.empty() || text.size() > kMaxDigits || text[0] == '0') return std::nullopt;
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');  // ≤ 19 digits: no wrap
    }
    if (value > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(value);
}

void Router::Add(Method method, const std::string& pattern, Handler handler, BodyKind body) {
    std::array<std::string_view, kMaxSegments> parts;
    std::size_t count = 0;
    if (!SplitPath(pattern, parts, count)) {
        throw std::invalid_argument("route pattern must start with '/' and be short: " + pattern);
    }
    std::vector<Segment> segments;
    for (std::size_t i = 0; i < count; ++i) {
        const std::string_view part = parts[i];
        Segment s;
        if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
            s.param = true;
            s.text = std::string(part.substr(1, part.size() - 2));
            if (s.text.empty() || s.text.find_first_of("{}") != std::string::npos) {
                throw std::invalid_argument("bad parameter in route pattern: " + pattern);
            }
        } else if (part.find_first_of("{}") != std::string_view::npos) {
            throw std::invalid_argument("parameters must fill a whole segment: " + pattern);
        } else {
            s.text = std::string(part);
        }
        segments.push_back(std::move(s));
    }
    if (!handler) throw std::invalid_argument("route without a handler: " + pattern);

    // Same shape (same literals, params anywhere the same) = same resource, whatever the names.
    auto same_shape = [&](const Resource& r) {
        if (r.segments.size() != segments.size()) return false;
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (r.segments[i].param != segments[i].param) return false;
            if (!segments[i].param && r.segments[i].text != segments[i].text) return false;
        }
        return true;
    };
    auto it = std::find_if(resources_.begin(), resources_.end(), same_shape);
    if (it == resources_.end()) {
        Resource r;
        r.pattern = pattern;
        r.segments = std::move(segments);
        resources_.push_back(std::move(r));
        it = resources_.end() - 1;
    } else if (it->pattern != pattern) {
        throw std::invalid_argument("route " + pattern + " has the shape of " + it->pattern);
    }
    for (const Endpoint& e : it->endpoints) {
        if (e.method == method) {
            throw std::invalid_argument("duplicate route " + std::string(MethodName(method)) + " " +
                                        pattern);
        }
    }
    it->endpoints.push_back(Endpoint{method, std::move(handler), body});
    std::sort(it->endpoints.begin(), it->endpoints.end(),
              [](const Endpoint& a, const Endpoint& b) { return a.method < b.method; });
    it->allow.clear();
    for (const Endpoint& e : it->endpoints) {
        if (!it->allow.empty()) it->allow += ", ";
        it->allow += MethodName(e.method);
    }

    std::stable_sort(resources_.begin(), resources_.end(),
                     [](const Resource& a, const Resource& b) {
                         std::vector<bool> ka, kb;
                         for (const Segment& s : a.segments) ka.push_back(s.param);
                         for (const Segment& s : b.segments) kb.push_back(s.param);
                         return MoreSpecific(ka, kb);
                     });
}

Router::Match Router::Find(Method method, std::string_view path) const {
    Match match;
    std::array<std::string_view, kMaxSegments> parts;
    std::size_t count = 0;
    if (!SplitPath(path, parts, count)) return match;

    for (const Resource& r : resources_) {
        if (r.segments.size() < count) continue;
        if (r.segments.size() > count) break;  // sorted by segment count
        bool shape = true;
        for (std::size_t i = 0; i < count && shape; ++i) {
            const Segment& s = r.segments[i];
            shape = s.param ? !parts[i].empty() : s.text == parts[i];
        }
        if (!shape) continue;

        match.route = r.pattern;
        const Endpoint* endpoint = nullptr;
        for (const Endpoint& e : r.endpoints) {
            if (e.method == method) endpoint = &e;
        }
        if (endpoint == nullptr) {
            match.kind = Match::Kind::kMethodNotAllowed;
            match.allow = r.allow;
            return match;
        }
        match.body = endpoint->body;
        for (std::size_t i = 0; i < count; ++i) {
            if (!r.segments[i].param) continue;
            const auto id = ParsePathId(parts[i]);
            if (!id) {
                match.kind = Match::Kind::kBadPathId;
                match.path_ids.clear();
                return match;
            }
            match.path_ids.emplace_back(r.segments[i].text, *id);
        }
        match.kind = Match::Kind::kFound;
        match.handler = &endpoint->handler;
        return match;
    }
    return match;
}

}  // namespace hhplus::http
