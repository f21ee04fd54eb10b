#include "db/params.hpp"

namespace hhplus::db {

std::size_t PaddedListSize(std::size_t count) {
    std::size_t padded = count == 0 ? 0 : 1;
    while (padded < count) padded *= 2;  // at most 64 doublings
    return padded;
}

std::string Placeholders(std::size_t count) { return RepeatGroup("?", count, ", "); }

std::string RepeatGroup(std::string_view group, std::size_t count, std::string_view separator) {
    std::string out;
    out.reserve(count * (group.size() + separator.size()));
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) out += separator;
        out += group;
    }
    return out;
}

}  // namespace hhplus::db
