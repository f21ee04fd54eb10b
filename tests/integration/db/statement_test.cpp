// Prepared statements (PooledConnection::Execute) against a real mariadbd: parameters round-trip
// byte for byte whatever the sql_mode, rows read as Query's, errors are typed, a connection the
// server dropped is replaced and its statements prepared again, and the cache bound holds.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db/connection.hpp"
#include "db/pool.hpp"
#include "tests/integration/db/db_test_util.hpp"
#include "tests/support/mariadb_server.hpp"

namespace hhplus::db {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::RunTask;
using test::WaitFor;

// One server for the suite (each test uses its own tables and its own pool).
class StatementTest : public test::SharedServerTest {};

std::string Hex(const std::string& bytes) {
    static const char* kDigits = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : bytes) {
        out.push_back(kDigits[c >> 4]);
        out.push_back(kDigits[c & 15]);
    }
    return out;
}

const std::vector<std::string>& TrickyStrings() {
    static const std::vector<std::string> kStrings = {
        "plain",
        "",
        "it's",
        "two '' quotes",
        "back\\slash",
        "trailing backslash\\",
        "\\'",
        "\"double\"",
        std::string("nul\0byte", 8),
        std::string("\0", 1),
        "line\nbreak\r\ttab",
        "\x1a ctrl-z",
        "한글 텍스트",
        "emoji 😀🎉 (4-byte utf8mb4)",
        "café ñ ü",
        "'; DROP TABLE params; --",
        "\\'; DROP TABLE params; --",
        "%_ like wildcards",
        std::string(300, 'x') + "'\\",  // longer than a first-pass cell (db/connection.cpp)
    };
    return kStrings;
}

// ---- parameters -------------------------------------------------------------------------------

asio::awaitable<void> RoundTripTask(Pool* pool, std::string table, bool no_backslash_escapes) {
    auto acquired = co_await pool->Acquire();
    CO_ASSERT_OK(acquired);
    PooledConnection conn = std::move(acquired).value();
    if (no_backslash_escapes) {
        auto mode = co_await conn.Query(
            "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')");
        CO_ASSERT_OK(mode);
        conn.MarkBroken();  // don't hand this session's odd mode to anyone else
        auto check = co_await conn.Query("SELECT @@SESSION.sql_mode LIKE '%NO_BACKSLASH_ESCAPES%'");
        CO_ASSERT_OK(check);
        EXPECT_EQ(check->rows[0].Int(0), 1);
    }
    auto r = co_await conn.Query("CREATE TABLE " + table +
                                 " (id INT PRIMARY KEY, v TEXT) DEFAULT CHARSET=utf8mb4 "
                                 "COLLATE=utf8mb4_bin");
    CO_ASSERT_OK(r);
    const std::string insert = "INSERT INTO " + table + " (id, v) VALUES (?, ?)";
    const auto& strings = TrickyStrings();
    for (std::size_t i = 0; i < strings.size(); ++i) {
        Params row{static_cast<std::int64_t>(i), strings[i]};
        r = co_await conn.Execute(insert, std::move(row));
        CO_ASSERT_OK(r);
        EXPECT_EQ(r->affected_rows, 1u);
    }
    EXPECT_EQ(conn.CachedStatements(), 1u);  // one text, prepared once

    // What the server stored, read through the text protocol (HEX: the exact bytes)...
    r = co_await conn.Query("SELECT id, v, HEX(v) FROM " + table + " ORDER BY id");
    CO_ASSERT_OK(r);
    CO_ASSERT_TRUE(r->rows.size() == strings.size());
    for (std::size_t i = 0; i < strings.size(); ++i) {
        EXPECT_EQ(r->rows[i].Str(1), strings[i]) << "string #" << i;
        EXPECT_EQ(r->rows[i].Str(2), Hex(strings[i])) << "string #" << i;
    }
    // ... and through the binary protocol, compared where a parameter is compared.
    const std::string select = "SELECT id, v FROM " + table + " WHERE v = ?";
    for (std::size_t i = 0; i < strings.size(); ++i) {
        Params probe{strings[i]};
        r = co_await conn.Execute(select, std::move(probe));
        CO_ASSERT_OK(r);
        CO_ASSERT_TRUE(r->rows.size() == 1);
        EXPECT_EQ(r->rows[0].Int(0), static_cast<std::int64_t>(i)) << "string #" << i;
        EXPECT_EQ(r->rows[0].Str(1), strings[i]) << "string #" << i;
    }
    // The table the injection strings name is still there, with every row.
    r = co_await conn.Query("SELECT COUNT(*) FROM " + table);
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].UInt(0), strings.size());
}

TEST_F(StatementTest, StringsRoundTripExactly) {
    Pool pool = MakePool();
    RunTask(io_, RoundTripTask(&pool, "params", false));
}

TEST_F(StatementTest, StringsRoundTripExactlyWithNoBackslashEscapes) {
    Pool pool = MakePool();
    RunTask(io_, RoundTripTask(&pool, "params_nbe", true));
}

asio::awaitable<void> TypesTask(Pool* pool) {
    auto acquired = co_await pool->Acquire();
    CO_ASSERT_OK(acquired);
    PooledConnection conn = std::move(acquired).value();
    Params typed{nullptr, std::int64_t{-5}, std::uint64_t{18446744073709551615ull}, 0.5,
                 std::string("x")};
    auto r = co_await conn.Execute("SELECT ?, ?, ?, ?, ?", std::move(typed));
    CO_ASSERT_OK(r);
    CO_ASSERT_TRUE(r->rows.size() == 1);
    EXPECT_EQ(r->affected_rows, 1u);  // as Query: a SELECT's row count
    const Row& row = r->rows[0];
    EXPECT_EQ(row.size(), 5u);
    EXPECT_TRUE(row.IsNull(0));
    EXPECT_EQ(row.Int(1), -5);
    EXPECT_EQ(row.UInt(2), 18446744073709551615ull);
    EXPECT_EQ(row.Str(3), "0.5");
    EXPECT_EQ(row.Str(4), "x");

    // Columns of a table read as Query reads them: the text of each value.
    r = co_await conn.Query(
        "CREATE TABLE typed (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " n BIGINT NULL, d DECIMAL(10,2) NULL, t DATETIME(3) NULL, s VARCHAR(20) NULL)");
    CO_ASSERT_OK(r);
    Params values{std::int64_t{-7}, std::string("12.50"), std::int64_t{1'893'455'999'123'000},
                  std::string("")};
    r = co_await conn.Execute(
        "INSERT INTO typed (n, d, t, s) VALUES (?, ?, TIMESTAMPADD(MICROSECOND, ?, "
        "'1970-01-01 00:00:00.000'), ?)",
        std::move(values));
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->affected_rows, 1u);
    EXPECT_EQ(r->insert_id, 1u);
    Params nulls{nullptr, nullptr, nullptr, nullptr};
    r = co_await conn.Execute("INSERT INTO typed (n, d, t, s) VALUES (?, ?, ?, ?)",
                              std::move(nulls));
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->insert_id, 2u);
    auto text = co_await conn.Query("SELECT id, n, d, t, s FROM typed ORDER BY id");
    CO_ASSERT_OK(text);
    Params none;
    auto binary =
        co_await conn.Execute("SELECT id, n, d, t, s FROM typed ORDER BY id", std::move(none));
    CO_ASSERT_OK(binary);
    CO_ASSERT_TRUE(text->rows.size() == 2 && binary->rows.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(binary->rows[i].cells, text->rows[i].cells) << "row " << i;
    }
    EXPECT_EQ(binary->rows[0].Str(3), "2029-12-31 23:59:59.123");
    EXPECT_FALSE(binary->rows[0].IsNull(4));  // '' is not NULL
    EXPECT_TRUE(binary->rows[1].IsNull(4));
}

TEST_F(StatementTest, ParametersAndColumnsKeepTheirTypes) {
    Pool pool = MakePool();
    RunTask(io_, TypesTask(&pool));
}

asio::awaitable<void> ErrorsTask(Pool* pool) {
    auto acquired = co_await pool->Acquire();
    CO_ASSERT_OK(acquired);
    PooledConnection conn = std::move(acquired).value();
    auto r = co_await conn.Query("CREATE TABLE unique_email (email VARCHAR(50) PRIMARY KEY)");
    CO_ASSERT_OK(r);
    const std::string insert = "INSERT INTO unique_email (email) VALUES (?)";
    Params first{std::string("a@example.com")};
    r = co_await conn.Execute(insert, std::move(first));
    CO_ASSERT_OK(r);
    Params again{std::string("a@example.com")};
    r = co_await conn.Execute(insert, std::move(again));
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kDuplicateKey);
    EXPECT_EQ(r.error().server_errno, 1062u);

    // Too few parameters: refused before anything is sent.
    Params short_list;
    r = co_await conn.Execute(insert, std::move(short_list));
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kQueryFailed);
    EXPECT_NE(r.error().detail.find("placeholders"), std::string::npos);

    // A statement the server can't prepare: typed, not cached, the connection fine.
    Params one{std::int64_t{1}};
    r = co_await conn.Execute("SELECT * FROM no_such_table WHERE id = ?", std::move(one));
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kQueryFailed);
    EXPECT_EQ(r.error().server_errno, 1146u);
    EXPECT_EQ(conn.CachedStatements(), 1u);

    Params other{std::string("b@example.com")};
    r = co_await conn.Execute(insert, std::move(other));
    CO_ASSERT_OK(r);
    r = co_await conn.Query("SELECT COUNT(*) FROM unique_email");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 2);
}

TEST_F(StatementTest, ErrorsAreTypedAndKeepTheConnection) {
    Pool pool = MakePool();
    RunTask(io_, ErrorsTask(&pool));
    EXPECT_EQ(pool.Idle(), 1u);
}

// ---- reconnect --------------------------------------------------------------------------------

constexpr std::string_view kWhoSql = "SELECT CONNECTION_ID(), ? + 1";

asio::awaitable<DbResult<QueryResult>> Who(PooledConnection* conn) {
    Params one{std::int64_t{41}};
    co_return co_await conn->Execute(std::string(kWhoSql), std::move(one));
}

// Kills `id` from `killer` and waits until the server no longer lists it (so its socket has
// been closed when this returns).
asio::awaitable<bool> Kill(PooledConnection* killer, std::int64_t id) {
    auto killed = co_await killer->Query("KILL CONNECTION " + std::to_string(id));
    if (!killed) co_return false;
    const std::string listed =
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + std::to_string(id);
    bool gone = false;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!gone && std::chrono::steady_clock::now() < deadline) {  // bounded by the deadline
        auto r = co_await killer->Query(listed);
        if (!r) co_return false;
        gone = r->rows[0].Int(0) == 0;
        if (!gone) co_await WaitFor([] { return false; }, 10ms);
    }
    co_return gone;
}

asio::awaitable<void> KilledWhileLentTask(Pool* pool) {
    auto killer = co_await pool->Acquire();
    CO_ASSERT_OK(killer);
    std::int64_t first_id = 0;
    {
        auto acquired = co_await pool->Acquire();
        CO_ASSERT_OK(acquired);
        PooledConnection conn = std::move(acquired).value();
        auto r = co_await Who(&conn);
        CO_ASSERT_OK(r);
        first_id = r->rows[0].Int(0);
        EXPECT_EQ(r->rows[0].Int(1), 42);
        EXPECT_EQ(conn.CachedStatements(), 1u);
        CO_ASSERT_TRUE(co_await Kill(&killer.value(), first_id));
        // The cached statement went with the session: the next use fails as a lost connection.
        r = co_await Who(&conn);
        CO_ASSERT_TRUE(!r);
        EXPECT_EQ(r.error().code, Errc::kUnavailable);
    }  // given back broken: closed
    auto acquired = co_await pool->Acquire();
    CO_ASSERT_OK(acquired);
    EXPECT_EQ(acquired->CachedStatements(), 0u);  // a new connection starts empty
    auto r = co_await Who(&acquired.value());
    CO_ASSERT_OK(r);
    EXPECT_NE(r->rows[0].Int(0), first_id);
    EXPECT_EQ(r->rows[0].Int(1), 42);
    EXPECT_EQ(acquired->CachedStatements(), 1u);
}

TEST_F(StatementTest, StatementsArePreparedAgainAfterTheServerKillsALentConnection) {
    Pool pool = MakePool();
    RunTask(io_, KilledWhileLentTask(&pool));
}

asio::awaitable<void> KilledWhileIdleTask(Pool* pool) {
    auto killer = co_await pool->Acquire();
    CO_ASSERT_OK(killer);
    std::int64_t first_id = 0;
    {
        auto acquired = co_await pool->Acquire();
        CO_ASSERT_OK(acquired);
        auto r = co_await Who(&acquired.value());
        CO_ASSERT_OK(r);
        first_id = r->rows[0].Int(0);
    }  // idle in the pool, its statement cached
    CO_ASSERT_TRUE(co_await Kill(&killer.value(), first_id));
    // Acquire notices the closed socket and opens a new connection, which prepares again.
    auto acquired = co_await pool->Acquire();
    CO_ASSERT_OK(acquired);
    auto r = co_await Who(&acquired.value());
    CO_ASSERT_OK(r);
    EXPECT_NE(r->rows[0].Int(0), first_id);
    EXPECT_EQ(r->rows[0].Int(1), 42);
}

TEST_F(StatementTest, StatementsArePreparedAgainAfterTheServerKillsAnIdleConnection) {
    PoolOptions options;
    options.size = 2;
    Pool pool = MakePool(options);
    RunTask(io_, KilledWhileIdleTask(&pool));
}

// ---- the cache bound --------------------------------------------------------------------------

asio::awaitable<std::int64_t> ServerStatements(PooledConnection* conn) {
    auto r = co_await conn->Query("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'");
    if (!r || r->rows.empty()) co_return -1;
    co_return r->rows[0].Int(1);
}

asio::awaitable<void> CacheBoundTask(Pool* pool) {
    auto acquired = co_await pool->Acquire();
    CO_ASSERT_OK(acquired);
    PooledConnection conn = std::move(acquired).value();
    const std::int64_t before = co_await ServerStatements(&conn);
    CO_ASSERT_TRUE(before >= 0);
    // More distinct texts than the cache holds; each answers with its own number.
    constexpr std::size_t kTexts = detail::kStatementCacheLimit + 20;
    for (std::size_t i = 0; i < kTexts; ++i) {
        Params p{std::int64_t{1}};
        auto r = co_await conn.Execute("SELECT ? + " + std::to_string(i), std::move(p));
        CO_ASSERT_OK(r);
        EXPECT_EQ(r->rows[0].Int(0), static_cast<std::int64_t>(i) + 1);
        EXPECT_LE(conn.CachedStatements(), detail::kStatementCacheLimit);
    }
    EXPECT_EQ(conn.CachedStatements(), detail::kStatementCacheLimit);
    // The evicted ones were closed on the server too.
    const std::int64_t after = co_await ServerStatements(&conn);
    EXPECT_LE(after - before, static_cast<std::int64_t>(detail::kStatementCacheLimit));
    // An evicted text is prepared again; the bound still holds.
    Params p{std::int64_t{1}};
    auto r = co_await conn.Execute("SELECT ? + 0", std::move(p));
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 1);
    EXPECT_EQ(conn.CachedStatements(), detail::kStatementCacheLimit);

    // ExecuteOnce leaves nothing behind, here or on the server.
    const std::int64_t before_once = co_await ServerStatements(&conn);
    for (int i = 0; i < 5; ++i) {
        Params once{std::int64_t{i}};
        r = co_await conn.ExecuteOnce("SELECT ? * 2 + " + std::to_string(i), std::move(once));
        CO_ASSERT_OK(r);
        EXPECT_EQ(r->rows[0].Int(0), 3 * i);
    }
    EXPECT_EQ(conn.CachedStatements(), detail::kStatementCacheLimit);
    EXPECT_LE(co_await ServerStatements(&conn), before_once);
}

TEST_F(StatementTest, CacheBoundHolds) {
    Pool pool = MakePool();
    RunTask(io_, CacheBoundTask(&pool));
}

}  // namespace
}  // namespace hhplus::db
