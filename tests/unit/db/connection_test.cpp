// Error mapping and how parameters go on the wire (no sockets).
#include "db/connection.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>

namespace hhplus::db::detail {
namespace {

TEST(ClassifyErrnoTest, DuplicateKeys) {
    EXPECT_EQ(ClassifyErrno(1062), Errc::kDuplicateKey);
    EXPECT_EQ(ClassifyErrno(1586), Errc::kDuplicateKey);
    EXPECT_EQ(ClassifyErrno(1022), Errc::kDuplicateKey);
    EXPECT_FALSE(BreaksConnection(1062));
}

TEST(ClassifyErrnoTest, DeadlockAndLockWaitTimeoutAreRetryable) {
    EXPECT_EQ(ClassifyErrno(1213), Errc::kDeadlock);
    EXPECT_EQ(ClassifyErrno(1205), Errc::kDeadlock);
    EXPECT_FALSE(BreaksConnection(1213));
    EXPECT_FALSE(BreaksConnection(1205));
}

TEST(ClassifyErrnoTest, ConnectionErrorsAreUnavailableAndBreakTheConnection) {
    for (unsigned no :
         {2002u, 2003u, 2006u, 2013u, 2014u, 2055u, 5013u, 5014u, 1040u, 1045u, 1053u, 1927u}) {
        EXPECT_EQ(ClassifyErrno(no), Errc::kUnavailable) << no;
        EXPECT_TRUE(BreaksConnection(no)) << no;
    }
}

TEST(ClassifyErrnoTest, StatementTimeoutKeepsTheConnection) {
    EXPECT_EQ(ClassifyErrno(1969), Errc::kTimeout);
    EXPECT_FALSE(BreaksConnection(1969));
}

TEST(ClassifyErrnoTest, OtherServerErrorsAreQueryFailures) {
    for (unsigned no : {1064u, 1146u, 1054u, 4025u, 1317u, 1048u}) {
        EXPECT_EQ(ClassifyErrno(no), Errc::kQueryFailed) << no;
        EXPECT_FALSE(BreaksConnection(no)) << no;
    }
}

// MYSQL_TYPE_* codes of mysql_com.h's enum_field_types, spelled out so this test needs no
// connector header (the protocol fixes them).
constexpr int kTypeDouble = 5;
constexpr int kTypeNull = 6;
constexpr int kTypeLongLong = 8;
constexpr int kTypeString = 254;

TEST(WireOfTest, NullHasNoBytes) {
    const Param null = nullptr;
    const ParamWire wire = WireOf(null);
    EXPECT_EQ(wire.type, kTypeNull);
    EXPECT_EQ(wire.length, 0u);
}

TEST(WireOfTest, IntegersAreEightBytesInPlaceWithTheirSign) {
    const Param negative = std::int64_t{-5};
    ParamWire wire = WireOf(negative);
    EXPECT_EQ(wire.type, kTypeLongLong);
    EXPECT_FALSE(wire.is_unsigned);
    EXPECT_EQ(wire.length, 8u);
    EXPECT_EQ(wire.data, &std::get<std::int64_t>(negative));
    EXPECT_EQ(*static_cast<const std::int64_t*>(wire.data), -5);

    const Param largest = std::uint64_t{18446744073709551615ull};
    wire = WireOf(largest);
    EXPECT_EQ(wire.type, kTypeLongLong);
    EXPECT_TRUE(wire.is_unsigned);
    EXPECT_EQ(*static_cast<const std::uint64_t*>(wire.data), 18446744073709551615ull);
}

TEST(WireOfTest, DoubleIsADouble) {
    const Param half = 0.5;
    const ParamWire wire = WireOf(half);
    EXPECT_EQ(wire.type, kTypeDouble);
    EXPECT_EQ(wire.length, sizeof(double));
    EXPECT_EQ(*static_cast<const double*>(wire.data), 0.5);
}

TEST(WireOfTest, StringsGoAsTheirExactBytesNulIncluded) {
    const Param text = std::string("a'\\0b\0c😀", 11);
    const ParamWire wire = WireOf(text);
    EXPECT_EQ(wire.type, kTypeString);
    EXPECT_EQ(wire.length, 11u);
    EXPECT_EQ(wire.data, std::get<std::string>(text).data());  // not copied, not escaped

    const Param empty = std::string();
    EXPECT_EQ(WireOf(empty).type, kTypeString);
    EXPECT_EQ(WireOf(empty).length, 0u);
}

}  // namespace
}  // namespace hhplus::db::detail
