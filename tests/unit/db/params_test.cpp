// Parameter typing and the placeholder text of variable-length lists (db/params.hpp).
#include "db/params.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hhplus::db {
namespace {

TEST(ParamTest, EachValueTakesItsOwnType) {
    // int → int64 (the narrowing alternatives uint64 and double are not candidates in C++20).
    const Param small = 5;
    EXPECT_TRUE(std::holds_alternative<std::int64_t>(small));
    const Param big = std::int64_t{-9'000'000'000};
    EXPECT_EQ(std::get<std::int64_t>(big), -9'000'000'000);
    const Param count = std::size_t{7};
    EXPECT_TRUE(std::holds_alternative<std::uint64_t>(count));
    const Param text = "it's";
    EXPECT_EQ(std::get<std::string>(text), "it's");
    const Param null = nullptr;
    EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(null));
    const Param ratio = 0.25;
    EXPECT_TRUE(std::holds_alternative<double>(ratio));
}

TEST(PaddedListSizeTest, RoundsUpToPowersOfTwo) {
    EXPECT_EQ(PaddedListSize(0), 0u);
    EXPECT_EQ(PaddedListSize(1), 1u);
    EXPECT_EQ(PaddedListSize(2), 2u);
    EXPECT_EQ(PaddedListSize(3), 4u);
    EXPECT_EQ(PaddedListSize(5), 8u);
    EXPECT_EQ(PaddedListSize(512), 512u);
    EXPECT_EQ(PaddedListSize(513), 1024u);
}

TEST(PaddedListSizeTest, ABatchOf512HasTenShapes) {
    std::vector<std::size_t> shapes;
    for (std::size_t n = 1; n <= 512; ++n) {
        const std::size_t padded = PaddedListSize(n);
        if (shapes.empty() || shapes.back() != padded) shapes.push_back(padded);
    }
    EXPECT_EQ(shapes.size(), 10u);
}

TEST(PlaceholdersTest, JoinsGroups) {
    EXPECT_EQ(Placeholders(0), "");
    EXPECT_EQ(Placeholders(1), "?");
    EXPECT_EQ(Placeholders(3), "?, ?, ?");
    EXPECT_EQ(RepeatGroup("(?, ?)", 2, ", "), "(?, ?), (?, ?)");
    EXPECT_EQ(RepeatGroup("(a = ?)", 3, " OR "), "(a = ?) OR (a = ?) OR (a = ?)");
}

TEST(AppendInListTest, PadsWithTheLastValue) {
    Params params{std::int64_t{99}};
    const std::vector<std::int64_t> ids{4, 5, 6};
    EXPECT_EQ(AppendInList(params, ids), "?, ?, ?, ?");
    ASSERT_EQ(params.size(), 5u);
    EXPECT_EQ(std::get<std::int64_t>(params[0]), 99);
    EXPECT_EQ(std::get<std::int64_t>(params[1]), 4);
    EXPECT_EQ(std::get<std::int64_t>(params[3]), 6);
    EXPECT_EQ(std::get<std::int64_t>(params[4]), 6);

    Params keys;
    const std::vector<std::string> texts{"a'b"};
    EXPECT_EQ(AppendInList(keys, texts), "?");
    EXPECT_EQ(std::get<std::string>(keys.at(0)), "a'b");
}

}  // namespace
}  // namespace hhplus::db
