#pragma once
// Pure rules of authentication: input normalisation, cookie text, limits. No I/O.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hhplus::auth {

// Sessions live 12 h (api.md); the cookie's Max-Age and the Redis TTL use the same figure.
inline constexpr std::chrono::seconds kSessionTtl{12 * 60 * 60};
// Login failures per email within one window before 429 A005 (api.md: 10 per minute).
inline constexpr int kLoginFailureLimit = 10;
inline constexpr std::chrono::seconds kLoginFailureWindow{60};
inline constexpr std::size_t kPasswordMinBytes = 4;    // the seed's own example is "1234"
inline constexpr std::size_t kPasswordMaxBytes = 128;  // bounds hashing input
inline constexpr std::size_t kEmailMaxLength = 254;    // RFC 5321 path limit

// Trimmed and lower-cased email, or nullopt when it breaks the rules of api.md: ≤ 254 chars,
// exactly one '@' with a non-empty local part (≤ 64) and domain, no whitespace or control chars.
std::optional<std::string> NormalizeEmail(std::string_view raw);
bool IsValidPassword(std::string_view password);

// A well-formed session id: 43 chars of base64url (32 random bytes). Anything else is rejected
// before touching Redis, so unknown or forged ids are never adopted.
bool IsWellFormedSessionId(std::string_view sid);

std::string SessionCookie(std::string_view sid, bool secure);
std::string ExpiredSessionCookie(bool secure);

}  // namespace hhplus::auth
