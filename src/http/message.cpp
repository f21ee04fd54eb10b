#include "http/message.hpp"

#include <cassert>

namespace hhplus::http {
namespace {

constexpr std::string_view kMethodNames[] = {"GET",   "HEAD",   "POST",    "PUT",
                                             "PATCH", "DELETE", "OPTIONS", "OTHER"};

// Splits the next "name=value" item off `rest`, where items are separated by `separator`.
struct Item {
    std::string_view name;
    std::string_view value;
    bool has_equals;
};
Item NextItem(std::string_view& rest, char separator) {
    const auto end = rest.find(separator);
    const std::string_view item = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return Item{item, {}, false};
    return Item{item.substr(0, eq), item.substr(eq + 1), true};
}

bool IsCookieSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimCookieSpace(std::string_view s) {
    while (!s.empty() && IsCookieSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && IsCookieSpace(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string_view MethodName(Method method) {
    const auto i = static_cast<std::size_t>(method);
    return i < std::size(kMethodNames) ? kMethodNames[i]
                                       : kMethodNames[std::size(kMethodNames) - 1];
}

Method ParseMethod(std::string_view token) {
    for (std::size_t i = 0; i + 1 < std::size(kMethodNames); ++i) {
        if (token == kMethodNames[i]) return static_cast<Method>(i);
    }
    return Method::kOther;
}

std::optional<std::string_view> Request::Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lower_name) return std::string_view(value);
    }
    return std::nullopt;
}

std::int64_t Request::PathId(std::string_view name) const {
    for (const auto& [param, id] : path_ids) {
        if (param == name) return id;
    }
    assert(false && "PathId: the route has no such parameter");
    return 0;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        const Item item = NextItem(rest, '&');
        // Fast path: most names need no decoding.
        if (item.name.find_first_of("%+") == std::string_view::npos) {
            if (item.name != name) continue;
        } else {
            const auto decoded = PercentDecode(item.name, true);
            if (!decoded || *decoded != name) continue;
        }
        return PercentDecode(item.value, true);
    }
    return std::nullopt;
}

std::optional<std::string> Request::Cookie(std::string_view name) const {
    for (const auto& [header, value] : headers) {
        if (header != "cookie") continue;
        std::string_view rest = value;
        while (!rest.empty()) {
            const Item item = NextItem(rest, ';');
            if (!item.has_equals || TrimCookieSpace(item.name) != name) continue;
            std::string_view cookie = TrimCookieSpace(item.value);
            if (cookie.size() >= 2 && cookie.front() == '"' && cookie.back() == '"') {
                cookie = cookie.substr(1, cookie.size() - 2);
            }
            return std::string(cookie);
        }
    }
    return std::nullopt;
}

Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Response NoContent() {
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
}

}  // namespace hhplus::http
