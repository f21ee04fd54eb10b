#include "domain/auth/auth_rules.hpp"

#include <algorithm>

namespace hhplus::auth {

std::optional<std::string> NormalizeEmail(std::string_view raw) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!raw.empty() && is_space(raw.front())) raw.remove_prefix(1);
    while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
    if (raw.empty() || raw.size() > kEmailMaxLength) return std::nullopt;
    std::string email;
    email.reserve(raw.size());
    for (char c : raw) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return std::nullopt;  // whitespace and control characters
        email.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    const auto at = email.find('@');
    if (at == std::string::npos || email.find('@', at + 1) != std::string::npos)
        return std::nullopt;
    if (at == 0 || at > 64 || at + 1 == email.size()) return std::nullopt;
    return email;
}

bool IsValidPassword(std::string_view password) {
    return password.size() >= kPasswordMinBytes && password.size() <= kPasswordMaxBytes;
}

bool IsWellFormedSessionId(std::string_view sid) {
    if (sid.size() != 43) return false;
    return std::all_of(sid.begin(), sid.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

std::string SessionCookie(std::string_view sid, bool secure) {
    std::string c = "sid=";
    c += sid;
    c += "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(kSessionTtl.count());
    if (secure) c += "; Secure";
    return c;
}

std::string ExpiredSessionCookie(bool secure) {
    std::string c = "sid=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0";
    if (secure) c += "; Secure";
    return c;
}

}  // namespace hhplus::auth
