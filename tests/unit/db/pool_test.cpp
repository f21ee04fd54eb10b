// Pure parts of db/pool.hpp: Row accessors, error names, the empty handle.
#include "db/pool.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace hhplus::db {
namespace {

Row MakeRow(std::vector<std::optional<std::string>> cells) { return Row{std::move(cells)}; }

TEST(RowTest, ParsesIntegersAndTreatsNullAsZero) {
    const Row row = MakeRow(
        {"42", "-9223372036854775808", std::nullopt, "18446744073709551615", "12.5", "abc", ""});
    EXPECT_EQ(row.size(), 7u);
    EXPECT_EQ(row.Int(0), 42);
    EXPECT_EQ(row.Int(1), std::numeric_limits<std::int64_t>::min());
    EXPECT_TRUE(row.IsNull(2));
    EXPECT_EQ(row.Int(2), 0);
    EXPECT_EQ(row.UInt(3), std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(row.Int(3), 0);  // out of range for int64: not a silent wrap
    EXPECT_EQ(row.Int(4), 0);
    EXPECT_EQ(row.Int(5), 0);
    EXPECT_EQ(row.Int(6), 0);
}

TEST(RowTest, StringsAndNulls) {
    const Row row = MakeRow({"", std::nullopt, std::string("a\0b", 3)});
    EXPECT_FALSE(row.IsNull(0));
    EXPECT_EQ(row.Str(0), "");
    EXPECT_TRUE(row.IsNull(1));
    EXPECT_EQ(row.Str(1), "");
    EXPECT_EQ(row.Str(2).size(), 3u);
    EXPECT_TRUE(row.IsNull(3));  // past the end reads as NULL
}

TEST(ErrcNameTest, NamesEveryCode) {
    EXPECT_STREQ(ErrcName(Errc::kUnavailable), "Unavailable");
    EXPECT_STREQ(ErrcName(Errc::kTimeout), "Timeout");
    EXPECT_STREQ(ErrcName(Errc::kPoolExhausted), "PoolExhausted");
    EXPECT_STREQ(ErrcName(Errc::kDuplicateKey), "DuplicateKey");
    EXPECT_STREQ(ErrcName(Errc::kDeadlock), "Deadlock");
    EXPECT_STREQ(ErrcName(Errc::kQueryFailed), "QueryFailed");
    EXPECT_STREQ(ErrcName(Errc::kCancelled), "Cancelled");
}

TEST(PooledConnectionTest, EmptyHandleHoldsNoStatements) {
    PooledConnection empty;
    EXPECT_FALSE(empty.valid());
    EXPECT_EQ(empty.CachedStatements(), 0u);
    empty.MarkBroken();  // no-op, no crash
}

}  // namespace
}  // namespace hhplus::db
