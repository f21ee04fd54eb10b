#pragma once
// Small wrappers over libsodium (the library made for these jobs): random ids, SHA-256, base64url
// and constant-time comparison. sodium_init() must have run (the app does it at start).
#include <string>
#include <string_view>

namespace hhplus::domain {

// 32 random bytes as 43 chars of unpadded base64url: a session id.
std::string RandomToken();
// Lower-case hex SHA-256 of `data` (64 chars).
std::string Sha256Hex(std::string_view data);
// Constant-time equality of two secrets of any lengths (compares their SHA-256 digests, so the
// time depends on neither content nor length).
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace hhplus::domain
