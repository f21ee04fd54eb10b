#pragma once
// MD5 (RFC 1321), only because k6's --summary-export names groups and checks by the MD5 hex digest
// of their path (the root group's id is md5("") = d41d8cd98f00b204e9800998ecf8427e). Not used for
// anything security related.
#include <string>
#include <string_view>

namespace hhplus::loadgen {

std::string Md5Hex(std::string_view data);

}  // namespace hhplus::loadgen
