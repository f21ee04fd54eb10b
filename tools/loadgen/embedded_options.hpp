#pragma once
// The k6/options/*.json files as they were at configure time (see CMakeLists.txt): the fallback
// when no copy is found on disk.
#include <string_view>
#include <vector>

namespace hhplus::loadgen {

struct EmbeddedOptions {
    std::string_view name;  // file name without ".json", e.g. "issue-coupon"
    std::string_view json;
};

const std::vector<EmbeddedOptions>& EmbeddedOptionFiles();

}  // namespace hhplus::loadgen
