#pragma once
// SHA-1 as lowercase hex: the name Redis gives a Lua script (EVALSHA <sha1>). Computed locally so
// the very first call can be an EVALSHA, without a SCRIPT LOAD round trip. Not for security.
#include <string>
#include <string_view>

namespace hhplus::redis {

std::string Sha1Hex(std::string_view data);

}  // namespace hhplus::redis
