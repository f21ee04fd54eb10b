#include <gtest/gtest.h>

#include "db/pool.hpp"

namespace hhplus::db {
namespace {

TEST(ParseDatabaseUrlTest, ParsesEveryPart) {
    const auto url = ParseDatabaseUrl("mysql://hhplus:secret@127.0.0.1:3110/hhplus");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->user, "hhplus");
    EXPECT_EQ(url->password, "secret");
    EXPECT_EQ(url->host, "127.0.0.1");
    EXPECT_EQ(url->port, 3110);
    EXPECT_EQ(url->database, "hhplus");
}

TEST(ParseDatabaseUrlTest, AcceptsMariadbSchemeAndDefaultsPort) {
    const auto url = ParseDatabaseUrl("mariadb://u:p@10.0.0.7/shop");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->host, "10.0.0.7");
    EXPECT_EQ(url->port, 3306);
    EXPECT_EQ(url->database, "shop");
}

TEST(ParseDatabaseUrlTest, LocalhostBecomesLoopbackLiteral) {
    // Connector/C would take "localhost" to mean its Unix socket.
    const auto url = ParseDatabaseUrl("mysql://u:p@LocalHost:3307/db");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->host, "127.0.0.1");
    EXPECT_EQ(url->port, 3307);
}

TEST(ParseDatabaseUrlTest, OptionalUserPasswordAndDatabase) {
    auto url = ParseDatabaseUrl("mysql://127.0.0.1");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->user, "");
    EXPECT_EQ(url->password, "");
    EXPECT_EQ(url->database, "");
    url = ParseDatabaseUrl("mysql://root@127.0.0.1:3306/");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->user, "root");
    EXPECT_EQ(url->password, "");
    EXPECT_EQ(url->database, "");
}

TEST(ParseDatabaseUrlTest, DecodesPercentEscapesAndAllowsEmptyPassword) {
    const auto url = ParseDatabaseUrl("mysql://us%65r:p%40ss%3Aw%2Fd@127.0.0.1/d%62");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->user, "user");
    EXPECT_EQ(url->password, "p@ss:w/d");
    EXPECT_EQ(url->database, "db");
    const auto empty = ParseDatabaseUrl("mysql://user:@127.0.0.1/db");
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(empty->password, "");
}

TEST(ParseDatabaseUrlTest, LastAtSignEndsUserInfo) {
    const auto url = ParseDatabaseUrl("mysql://user:p@ss@127.0.0.1/db");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->password, "p@ss");
    EXPECT_EQ(url->host, "127.0.0.1");
}

TEST(ParseDatabaseUrlTest, Ipv6LiteralInBrackets) {
    const auto url = ParseDatabaseUrl("mysql://u:p@[::1]:3310/db");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->host, "::1");
    EXPECT_EQ(url->port, 3310);
    EXPECT_FALSE(ParseDatabaseUrl("mysql://u:p@::1:3310/db").has_value());
    EXPECT_FALSE(ParseDatabaseUrl("mysql://u:p@[nothex]:3310/db").has_value());
}

TEST(ParseDatabaseUrlTest, KeepsHostNamesForResolutionOffTheLoop) {
    const auto url = ParseDatabaseUrl("mysql://hhplus:hhplus@scale-mysql:3306/hhplus");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->host, "scale-mysql");
}

TEST(ParseDatabaseUrlTest, RejectsMalformedUrls) {
    for (const char* bad : {
             "",
             "127.0.0.1:3306/db",
             "http://u:p@127.0.0.1/db",
             "postgres://u:p@127.0.0.1/db",
             "mysql://",
             "mysql://u:p@/db",
             "mysql://u:p@127.0.0.1:/db",
             "mysql://u:p@127.0.0.1:0/db",
             "mysql://u:p@127.0.0.1:65536/db",
             "mysql://u:p@127.0.0.1:33a/db",
             "mysql://u:p@127.0.0.1:-1/db",
             "mysql://u:p@127.0.0.1/db?ssl=true",
             "mysql://u:p@127.0.0.1/db#frag",
             "mysql://u:p@127.0.0.1/db/extra",
             "mysql://u:p%zz@127.0.0.1/db",
             "mysql://u:p%4@127.0.0.1/db",
             "mysql://u:p@bad host/db",
             "mysql://u:p@-leadingdash/db",
         }) {
        EXPECT_FALSE(ParseDatabaseUrl(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace hhplus::db
