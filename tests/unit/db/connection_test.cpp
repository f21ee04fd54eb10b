// Error mapping and the connection-free quoting fallback (no sockets).
#include "db/connection.hpp"

#include <gtest/gtest.h>

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

TEST(QuoteWithoutConnectionTest, EscapesLikeTheConnector) {
    EXPECT_EQ(QuoteWithoutConnection(""), "''");
    EXPECT_EQ(QuoteWithoutConnection("it's"), "'it\\'s'");
    EXPECT_EQ(QuoteWithoutConnection("a\\b\"c"), "'a\\\\b\\\"c'");
    EXPECT_EQ(QuoteWithoutConnection(std::string("n\0l\n\r\x1a", 6)), "'n\\0l\\n\\r\\Z'");
    EXPECT_EQ(QuoteWithoutConnection("한글"), "'한글'");
}

}  // namespace
}  // namespace hhplus::db::detail
