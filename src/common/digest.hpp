#pragma once
// Message digests as lowercase hex, from OpenSSL's EVP interface (libcrypto). Two users, neither
// security-related:
//   - SHA-1: the name Redis gives a Lua script (EVALSHA <sha1>), computed locally so the very first
//     call can be an EVALSHA without a SCRIPT LOAD round trip (redis/script.cpp);
//   - MD5: k6's --summary-export names groups and checks by the MD5 of their path (the root
//     group's id is md5("") = d41d8cd98f00b204e9800998ecf8427e), which the load generator mirrors.
#include <string>
#include <string_view>

namespace hhplus {

std::string Sha1Hex(std::string_view data);
std::string Md5Hex(std::string_view data);

}  // namespace hhplus
