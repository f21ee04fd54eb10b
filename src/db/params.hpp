#pragma once
// Parameters of prepared statements (PooledConnection::Execute), and the placeholder text of
// lists whose length varies. Pure: no connection, no I/O.
//
// A parameter travels in the binary protocol beside the statement: the server never parses it
// as SQL, so nothing is quoted and sql_mode (NO_BACKSLASH_ESCAPES) cannot change its meaning.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hhplus::db {

// std::nullptr_t is SQL NULL. An `int` converts to std::int64_t (C++20 excludes the narrowing
// alternatives std::uint64_t and double). Times are passed as numbers: the stores' SQL turns
// epoch microseconds into a DATETIME itself (domain/sql_time.hpp).
using Param = std::variant<std::nullptr_t, std::int64_t, std::uint64_t, double, std::string>;
using Params = std::vector<Param>;

// A statement text with a list of `count` items (IN (…), OR-ed conditions) is one prepared
// statement per distinct length. Rounding the length up to a power of two (1, 2, 4, …) keeps
// that to ⌈log2(longest)⌉ + 1 statements per list shape: 10 for the 512-request batches of
// domain/combining.hpp. 0 stays 0 (the caller sends no list).
std::size_t PaddedListSize(std::size_t count);

// "?, ?, ?": `count` placeholders.
std::string Placeholders(std::size_t count);

// `group` repeated `count` times, joined by `separator`: ("(?, ?)", 2, ", ") → "(?, ?), (?, ?)".
std::string RepeatGroup(std::string_view group, std::size_t count, std::string_view separator);

// Appends `values` to `params`, padded to PaddedListSize by repeating the last value (a value
// listed twice in IN (…) or OR-ed twice changes no result), and returns the placeholders for
// them. `values` must not be empty.
template <class T>
std::string AppendInList(Params& params, const std::vector<T>& values) {
    const std::size_t padded = PaddedListSize(values.size());
    params.reserve(params.size() + padded);
    for (std::size_t i = 0; i < padded; ++i) {
        params.emplace_back(values[i < values.size() ? i : values.size() - 1]);
    }
    return Placeholders(padded);
}

}  // namespace hhplus::db
