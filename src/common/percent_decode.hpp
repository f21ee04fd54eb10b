#pragma once
// Percent-decoding of a URL component ("%40" → '@'), shared by the HTTP query parser and the
// database URL parser. `plus_is_space` for query strings (form encoding). nullopt on a truncated
// or non-hex escape.
#include <optional>
#include <string>
#include <string_view>

namespace hhplus {

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace hhplus
