#include "db/migrations.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <set>

#include "common/log.hpp"

namespace hhplus::db {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Every instance starts with Migrate; with 10 instances at once the last waits for nine others
// to find nothing to do (a few ms each) or for one to apply the schema (< 1 s for ours). 60 s
// is far beyond that, and still ends a start that would otherwise hang behind a stuck instance.
constexpr int kLockWaitSeconds = 60;
constexpr auto kLockQueryTimeout = std::chrono::seconds(kLockWaitSeconds) + 5s;  // + reply slack
// DDL on our tables: a table copy at >= 10k rows/s for 1M rows is ~100 s; 5 min leaves 3x.
constexpr auto kStatementTimeout = std::chrono::minutes(5);

constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(200) NOT NULL,"
    " applied_at DATETIME(3) NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

// GET_LOCK is per connection: held until RELEASE_LOCK or until the connection closes, so a
// crashed instance never leaves it taken.
std::string GetLockSql() {
    return "SELECT GET_LOCK('hhplus_migrations', " + std::to_string(kLockWaitSeconds) + ")";
}
constexpr const char* kReleaseLockSql = "SELECT RELEASE_LOCK('hhplus_migrations')";
// The one statement here with values (a prepared statement); the DDL, the lock and the list
// above are fixed text and stay on the text protocol.
constexpr std::string_view kRecordMigrationSql =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, UTC_TIMESTAMP(3))";

std::string Label(const Migration& m) {
    char version[16];
    std::snprintf(version, sizeof version, "%04d", m.version);
    return std::string(version) + "_" + m.name;
}

// Runs under the lock. Returns how many migrations it applied.
asio::awaitable<DbResult<int>> ApplyMissing(PooledConnection* conn,
                                            const std::vector<Migration>* migrations) {
    auto created = co_await conn->Query(kCreateSchemaMigrations, kStatementTimeout);
    if (!created) co_return std::move(created).error();
    auto listed = co_await conn->Query("SELECT version FROM schema_migrations");
    if (!listed) co_return std::move(listed).error();
    std::set<std::int64_t> applied;
    for (const Row& row : listed->rows) applied.insert(row.Int(0));

    int count = 0;
    for (const Migration& m : *migrations) {
        if (applied.count(m.version) != 0) continue;
        const auto statements = SplitSqlStatements(m.sql);
        for (std::size_t i = 0; i < statements.size(); ++i) {
            auto done = co_await conn->Query(statements[i], kStatementTimeout);
            if (!done) {
                Error error = std::move(done).error();
                error.detail = "migration " + Label(m) + ", statement " + std::to_string(i + 1) +
                               " of " + std::to_string(statements.size()) + ": " + error.detail;
                co_return error;
            }
        }
        Params record{std::int64_t{m.version}, m.name};
        auto recorded = co_await conn->Execute(std::string(kRecordMigrationSql), std::move(record));
        if (!recorded) co_return std::move(recorded).error();
        log::Info("db: applied migration " + Label(m));
        ++count;
    }
    co_return count;
}

asio::awaitable<DbResult<int>> MigrateImpl(Pool* pool, std::vector<Migration> migrations) {
    std::stable_sort(migrations.begin(), migrations.end(),
                     [](const Migration& a, const Migration& b) { return a.version < b.version; });
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        if (migrations[i].version <= 0 ||
            (i > 0 && migrations[i].version == migrations[i - 1].version)) {
            co_return Error{Errc::kQueryFailed, 0,
                            "migration list: bad or duplicate version " +
                                std::to_string(migrations[i].version)};
        }
    }

    auto acquired = co_await pool->Acquire();
    if (!acquired) co_return std::move(acquired).error();
    PooledConnection conn = std::move(acquired).value();

    auto locked = co_await conn.Query(GetLockSql(), kLockQueryTimeout);
    if (!locked) co_return std::move(locked).error();
    if (locked->rows.empty() || locked->rows[0].IsNull(0)) {
        co_return Error{Errc::kQueryFailed, 0, "GET_LOCK('hhplus_migrations') returned NULL"};
    }
    if (locked->rows[0].Int(0) != 1) {
        co_return Error{Errc::kTimeout, 0,
                        "another instance held the migration lock for " +
                            std::to_string(kLockWaitSeconds) + " s"};
    }

    auto applied = co_await ApplyMissing(&conn, &migrations);

    auto released = co_await conn.Query(kReleaseLockSql);
    if (!released) conn.MarkBroken();  // closing the connection releases the lock
    co_return applied;
}

bool IsBlank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string Trim(std::string_view text) {
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && IsBlank(text[begin])) ++begin;
    while (end > begin && IsBlank(text[end - 1])) --end;
    return std::string(text.substr(begin, end - begin));
}

}  // namespace

asio::awaitable<DbResult<int>> Migrate(Pool& pool, const std::vector<Migration>& migrations) {
    return MigrateImpl(&pool, migrations);  // copies the list now (parameter by value)
}

std::vector<std::string> SplitSqlStatements(std::string_view script) {
    enum class State { kCode, kSingleQuote, kDoubleQuote, kBacktick, kLineComment, kBlockComment };
    std::vector<std::string> statements;
    State state = State::kCode;
    std::size_t start = 0;
    bool has_code = false;  // the current piece holds more than comments and blanks

    auto finish = [&](std::size_t end) {
        if (has_code) statements.push_back(Trim(script.substr(start, end - start)));
        start = end + 1;
        has_code = false;
    };

    const std::size_t n = script.size();
    for (std::size_t i = 0; i < n; ++i) {
        const char c = script[i];
        const char next = i + 1 < n ? script[i + 1] : '\0';
        switch (state) {
            case State::kCode:
                if (c == ';') {
                    finish(i);
                } else if (c == '\'') {
                    state = State::kSingleQuote;
                    has_code = true;
                } else if (c == '"') {
                    state = State::kDoubleQuote;
                    has_code = true;
                } else if (c == '`') {
                    state = State::kBacktick;
                    has_code = true;
                } else if (c == '#') {
                    state = State::kLineComment;
                } else if (c == '-' && next == '-' &&
                           (i + 2 >= n || IsBlank(script[i + 2]) ||
                            std::iscntrl(static_cast<unsigned char>(script[i + 2])))) {
                    // MariaDB needs a blank after "--": "1--1" is arithmetic, not a comment.
                    state = State::kLineComment;
                    ++i;
                } else if (c == '/' && next == '*') {
                    // /*! … */ and /*M! … */ are executed by the server: they are code.
                    const char third = i + 2 < n ? script[i + 2] : '\0';
                    if (third == '!' || (third == 'M' && i + 3 < n && script[i + 3] == '!')) {
                        has_code = true;
                    }
                    state = State::kBlockComment;
                    ++i;
                } else if (!IsBlank(c)) {
                    has_code = true;
                }
                break;
            case State::kSingleQuote:
            case State::kDoubleQuote:
                if (c == '\\') {
                    ++i;  // the escaped character, whatever it is
                } else if ((c == '\'' && state == State::kSingleQuote) ||
                           (c == '"' && state == State::kDoubleQuote)) {
                    state = State::kCode;  // a doubled quote reopens at once: still correct
                }
                break;
            case State::kBacktick:
                if (c == '`') state = State::kCode;
                break;
            case State::kLineComment:
                if (c == '\n') state = State::kCode;
                break;
            case State::kBlockComment:
                if (c == '*' && next == '/') {
                    state = State::kCode;
                    ++i;
                }
                break;
        }
    }
    if (start < n) finish(n);
    return statements;
}

}  // namespace hhplus::db
