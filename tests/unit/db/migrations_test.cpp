#include "db/migrations.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace hhplus::db {
namespace {

TEST(SplitSqlStatementsTest, SplitsAtSemicolonsAndTrims) {
    const auto parts =
        SplitSqlStatements("CREATE TABLE a (id INT);\n\n  INSERT INTO a VALUES (1) ;\n");
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0], "CREATE TABLE a (id INT)");
    EXPECT_EQ(parts[1], "INSERT INTO a VALUES (1)");
}

TEST(SplitSqlStatementsTest, LastStatementNeedsNoSemicolon) {
    const auto parts = SplitSqlStatements("SELECT 1;\nSELECT 2");
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[1], "SELECT 2");
}

TEST(SplitSqlStatementsTest, DropsCommentOnlyPiecesAndKeepsCommentsInStatements) {
    const auto parts = SplitSqlStatements(
        "-- header; with a semicolon\n"
        "# another; comment\n"
        "/* block; comment */\n"
        "CREATE TABLE a (\n"
        "  id INT -- trailing; comment\n"
        ");\n"
        "-- only a comment after the last statement;\n");
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].rfind("-- header", 0), 0u);
    EXPECT_NE(parts[0].find("CREATE TABLE a ("), std::string::npos);
    EXPECT_NE(parts[0].find("id INT -- trailing; comment\n)"), std::string::npos);
}

TEST(SplitSqlStatementsTest, IgnoresSemicolonsInQuotesAndIdentifiers) {
    const auto parts = SplitSqlStatements(
        "INSERT INTO t VALUES ('a;b', \"c;d\", 'it''s;', 'back\\';slash');\n"
        "CREATE TABLE `odd;name` (`x``;` INT);\n");
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0], "INSERT INTO t VALUES ('a;b', \"c;d\", 'it''s;', 'back\\';slash')");
    EXPECT_EQ(parts[1], "CREATE TABLE `odd;name` (`x``;` INT)");
}

TEST(SplitSqlStatementsTest, DoubleDashWithoutBlankIsNotAComment) {
    // MariaDB reads "1--1" as 1 - (-1).
    const auto parts = SplitSqlStatements("SELECT 1--1;SELECT 2");
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0], "SELECT 1--1");
}

TEST(SplitSqlStatementsTest, ExecutableCommentsCountAsCode) {
    const auto parts = SplitSqlStatements("/*!40101 SET NAMES utf8mb4 */;\n/* plain */;\n");
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0], "/*!40101 SET NAMES utf8mb4 */");
}

TEST(SplitSqlStatementsTest, EmptyAndBlankScripts) {
    EXPECT_TRUE(SplitSqlStatements("").empty());
    EXPECT_TRUE(SplitSqlStatements(" ;\n ; -- nothing\n").empty());
}

std::string ReadSource(const std::string& relative) {
    const char* root = std::getenv("HHPLUS_SOURCE_DIR");
    const std::filesystem::path path =
        std::filesystem::path(root != nullptr ? root : HHPLUS_TEST_SOURCE_DIR) / relative;
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(EmbeddedMigrationsTest, EmbedsEveryFileVerbatimInVersionOrder) {
    const auto& migrations = EmbeddedMigrations();
    ASSERT_FALSE(migrations.empty());
    EXPECT_EQ(migrations[0].version, 1);
    EXPECT_EQ(migrations[0].name, "init");
    const std::string init = ReadSource("migrations/0001_init.sql");
    ASSERT_FALSE(init.empty());
    EXPECT_EQ(migrations[0].sql, init);
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        EXPECT_LT(migrations[i - 1].version, migrations[i].version);
    }
}

TEST(EmbeddedMigrationsTest, InitialSchemaSplitsIntoItsFiveTables) {
    const auto statements = SplitSqlStatements(EmbeddedMigrations().at(0).sql);
    ASSERT_EQ(statements.size(), 5u);
    const char* tables[] = {"users", "balance_logs", "coupons", "user_coupons", "idempotency_keys"};
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_NE(statements[i].find(std::string("CREATE TABLE ") + tables[i] + " ("),
                  std::string::npos)
            << statements[i];
    }
}

}  // namespace
}  // namespace hhplus::db
