// db::Pool and db::PooledConnection against a real mariadbd: queries, NULLs, typed errors,
// transactions, and the pool's bound, wait queue, timeouts and close (prepared statements:
// statement_test.cpp).
#include "db/pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/detached.hpp>
#include <optional>
#include <set>
#include <vector>

#include "tests/integration/db/db_test_util.hpp"
#include "tests/support/mariadb_server.hpp"

namespace hhplus::db {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::RunTask;
using test::RunUntil;
using test::WaitFor;

// One server for the suite (each test uses its own tables and its own pool).
class PoolTest : public test::SharedServerTest {};

// ---- queries ----------------------------------------------------------------------------------

asio::awaitable<void> QueriesTask(Pool* pool) {
    auto acquired = co_await pool->Acquire();
    CO_ASSERT_OK(acquired);
    PooledConnection conn = std::move(acquired).value();

    auto r = co_await conn.Query(
        "CREATE TABLE basic (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " name VARCHAR(50) NULL, n BIGINT NULL, u BIGINT UNSIGNED NULL)");
    CO_ASSERT_OK(r);
    EXPECT_TRUE(r->rows.empty());

    r = co_await conn.Query(
        "INSERT INTO basic (name, n, u) VALUES ('a', -5, 18446744073709551615)");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->affected_rows, 1u);
    EXPECT_EQ(r->insert_id, 1u);

    r = co_await conn.Query("INSERT INTO basic (name, n) VALUES (NULL, NULL), ('c', 7)");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->affected_rows, 2u);
    EXPECT_EQ(r->insert_id, 2u);  // the first row of a multi-row insert

    r = co_await conn.Query("SELECT id, name, n, u FROM basic ORDER BY id");
    CO_ASSERT_OK(r);
    CO_ASSERT_TRUE(r->rows.size() == 3);
    EXPECT_EQ(r->affected_rows, 3u);
    const Row& first = r->rows[0];
    EXPECT_EQ(first.size(), 4u);
    EXPECT_EQ(first.Int(0), 1);
    EXPECT_EQ(first.Str(1), "a");
    EXPECT_EQ(first.Int(2), -5);
    EXPECT_EQ(first.UInt(3), 18446744073709551615ull);
    const Row& second = r->rows[1];
    EXPECT_TRUE(second.IsNull(1));
    EXPECT_EQ(second.Str(1), "");
    EXPECT_TRUE(second.IsNull(2));
    EXPECT_EQ(second.Int(2), 0);
    EXPECT_TRUE(second.IsNull(3));
    EXPECT_EQ(r->rows[2].Str(1), "c");

    r = co_await conn.Query("SELECT id FROM basic WHERE id = 999");
    CO_ASSERT_OK(r);
    EXPECT_TRUE(r->rows.empty());

    // affected_rows counts changed rows: writing the value a row already has changes nothing.
    r = co_await conn.Query("UPDATE basic SET n = 7 WHERE id = 3");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->affected_rows, 0u);
    r = co_await conn.Query("UPDATE basic SET n = 8 WHERE id = 3");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->affected_rows, 1u);

    r = co_await conn.Query("SELECT '', NULL, CONCAT('a', CHAR(0), 'b')");
    CO_ASSERT_OK(r);
    CO_ASSERT_TRUE(r->rows.size() == 1);
    EXPECT_FALSE(r->rows[0].IsNull(0));
    EXPECT_EQ(r->rows[0].Str(0), "");
    EXPECT_TRUE(r->rows[0].IsNull(1));
    EXPECT_EQ(r->rows[0].Str(2), std::string("a\0b", 3));

    // Exactly one statement per Query: multi-statements are not enabled.
    r = co_await conn.Query("SELECT 1; SELECT 2");
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kQueryFailed);
    EXPECT_EQ(r.error().server_errno, 1064u);

    // A server error leaves the connection usable.
    r = co_await conn.Query("SELECT * FROM no_such_table");
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kQueryFailed);
    EXPECT_EQ(r.error().server_errno, 1146u);
    EXPECT_NE(r.error().detail.find("no_such_table"), std::string::npos);
    r = co_await conn.Query("SELECT 1");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 1);

    // The session setup every new connection runs.
    r = co_await conn.Query(
        "SELECT @@session.time_zone, @@character_set_client, @@character_set_connection,"
        " @@character_set_results, @@session.tx_isolation");
    CO_ASSERT_OK(r);
    CO_ASSERT_TRUE(r->rows.size() == 1);
    EXPECT_EQ(r->rows[0].Str(0), "+00:00");
    EXPECT_EQ(r->rows[0].Str(1), "utf8mb4");
    EXPECT_EQ(r->rows[0].Str(2), "utf8mb4");
    EXPECT_EQ(r->rows[0].Str(3), "utf8mb4");
    EXPECT_EQ(r->rows[0].Str(4), "READ-COMMITTED");
}

TEST_F(PoolTest, QueriesReturnRowsNullsAndCounts) {
    Pool pool = MakePool();
    RunTask(io_, QueriesTask(&pool));
    EXPECT_EQ(pool.Busy(), 0u);
    EXPECT_EQ(pool.Idle(), 1u);  // server errors did not break the connection
}

// ---- typed errors -----------------------------------------------------------------------------

asio::awaitable<void> DuplicateKeyTask(Pool* pool) {
    auto acquired = co_await pool->Acquire();
    CO_ASSERT_OK(acquired);
    PooledConnection conn = std::move(acquired).value();
    auto r = co_await conn.Query(
        "CREATE TABLE dup (id INT PRIMARY KEY, email VARCHAR(50) NOT NULL UNIQUE)");
    CO_ASSERT_OK(r);
    r = co_await conn.Query("INSERT INTO dup VALUES (1, 'a@example.com')");
    CO_ASSERT_OK(r);
    r = co_await conn.Query("INSERT INTO dup VALUES (2, 'a@example.com')");
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kDuplicateKey);
    EXPECT_EQ(r.error().server_errno, 1062u);
    r = co_await conn.Query("INSERT INTO dup VALUES (1, 'b@example.com')");
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kDuplicateKey);
    r = co_await conn.Query("SELECT COUNT(*) FROM dup");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 1);
}

TEST_F(PoolTest, DuplicateKeyIsTypedAndKeepsTheConnection) {
    Pool pool = MakePool();
    RunTask(io_, DuplicateKeyTask(&pool));
    EXPECT_EQ(pool.Idle(), 1u);
    EXPECT_EQ(pool.Busy(), 0u);
}

asio::awaitable<void> LockWaitTimeoutTask(Pool* pool) {
    auto a = co_await pool->Acquire();
    CO_ASSERT_OK(a);
    auto b = co_await pool->Acquire();
    CO_ASSERT_OK(b);
    auto r = co_await a->Query("CREATE TABLE lockwait (id INT PRIMARY KEY, v INT)");
    CO_ASSERT_OK(r);
    r = co_await a->Query("INSERT INTO lockwait VALUES (1, 0)");
    CO_ASSERT_OK(r);
    // The holder may sit idle in its transaction as long as the waiter needs on a loaded machine
    // (the pool's 3 s idle_transaction_timeout is tested below).
    r = co_await a->Query("SET SESSION idle_transaction_timeout = 0");
    CO_ASSERT_OK(r);
    auto begun = co_await Begin(*a);
    CO_ASSERT_OK(begun);
    r = co_await a->Query("UPDATE lockwait SET v = 1 WHERE id = 1");
    CO_ASSERT_OK(r);
    r = co_await b->Query("SET SESSION innodb_lock_wait_timeout = 1");
    CO_ASSERT_OK(r);
    r = co_await b->Query("UPDATE lockwait SET v = 2 WHERE id = 1");
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kDeadlock);
    EXPECT_EQ(r.error().server_errno, 1205u);
    co_await Rollback(*a);
    r = co_await b->Query("UPDATE lockwait SET v = 2 WHERE id = 1");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->affected_rows, 1u);
}

TEST_F(PoolTest, LockWaitTimeoutIsReportedAsDeadlock) {
    Pool pool = MakePool();
    RunTask(io_, LockWaitTimeoutTask(&pool));
    EXPECT_EQ(pool.Busy(), 0u);
    EXPECT_EQ(pool.Idle(), 2u);
}

// A transaction left idle between statements (its process stalled) is ended by the server after
// the session's idle_transaction_timeout (3 s, db/connection.cpp): its row locks go, and its own
// next statement fails as a lost connection, so nothing of it can be committed later.
asio::awaitable<void> IdleTransactionTask(Pool* pool) {
    auto a = co_await pool->Acquire();
    CO_ASSERT_OK(a);
    auto b = co_await pool->Acquire();
    CO_ASSERT_OK(b);
    auto r = co_await a->Query("SELECT @@SESSION.idle_transaction_timeout");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 3);
    r = co_await a->Query("CREATE TABLE stalled (id INT PRIMARY KEY, v INT)");
    CO_ASSERT_OK(r);
    r = co_await a->Query("INSERT INTO stalled VALUES (1, 0)");
    CO_ASSERT_OK(r);
    CO_ASSERT_OK(co_await Begin(*a));
    r = co_await a->Query("UPDATE stalled SET v = 1 WHERE id = 1");
    CO_ASSERT_OK(r);
    // The stall: 3 s idle ends the session; the server checks it when the time is up, so the
    // wait below only has to be longer. The waiter blocks on the row until then (a 60 s lock
    // wait, so only the idle timeout can free it on a slow machine).
    r = co_await b->Query("SET SESSION innodb_lock_wait_timeout = 60");
    CO_ASSERT_OK(r);
    r = co_await b->Query("UPDATE stalled SET v = 2 WHERE id = 1", 90000ms);
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->affected_rows, 1u);
    r = co_await a->Query("UPDATE stalled SET v = 3 WHERE id = 1");
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kUnavailable);
    r = co_await b->Query("SELECT v FROM stalled WHERE id = 1");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 2);  // the stalled transaction's write was rolled back
}

TEST_F(PoolTest, IdleTransactionIsEndedAndReleasesItsLocks) {
    Pool pool = MakePool();
    RunTask(io_, IdleTransactionTask(&pool));
    EXPECT_EQ(pool.Busy(), 0u);
}

struct DeadlockSide {
    bool finished = false;
    std::optional<Error> error;
};

// Locks `first`, then (once `go` is set) `second`, inside one transaction.
asio::awaitable<void> LockTwoRows(Pool* pool, int first, int second, bool* first_locked,
                                  const bool* go, DeadlockSide* out) {
    auto conn = co_await pool->Acquire();
    if (!conn) {
        out->error = conn.error();
        out->finished = true;
        co_return;
    }
    auto step = co_await Begin(*conn);
    auto r = co_await conn->Query("SELECT v FROM deadlock WHERE id = " + std::to_string(first) +
                                  " FOR UPDATE");
    *first_locked = true;
    co_await WaitFor([go] { return *go; }, 30000ms);
    r = co_await conn->Query("UPDATE deadlock SET v = v + 1 WHERE id = " + std::to_string(second));
    if (!r) {
        out->error = r.error();
        co_await Rollback(*conn);
    } else {
        auto committed = co_await Commit(*conn);
        if (!committed) out->error = committed.error();
    }
    out->finished = true;
}

asio::awaitable<void> DeadlockTask(Pool* pool) {
    {
        auto setup = co_await pool->Acquire();
        CO_ASSERT_OK(setup);
        auto r = co_await setup->Query("CREATE TABLE deadlock (id INT PRIMARY KEY, v INT)");
        CO_ASSERT_OK(r);
        r = co_await setup->Query("INSERT INTO deadlock VALUES (1, 0), (2, 0)");
        CO_ASSERT_OK(r);
    }
    bool a_locked = false;
    bool b_locked = false;
    bool go = false;
    DeadlockSide a;
    DeadlockSide b;
    const auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(ex, LockTwoRows(pool, 1, 2, &a_locked, &go, &a), asio::detached);
    asio::co_spawn(ex, LockTwoRows(pool, 2, 1, &b_locked, &go, &b), asio::detached);
    CO_ASSERT_TRUE(co_await WaitFor([&] { return a_locked && b_locked; }, 30000ms));
    go = true;  // now each waits for the other's row: InnoDB must pick a victim
    CO_ASSERT_TRUE(co_await WaitFor([&] { return a.finished && b.finished; }, 60000ms));
    const int victims = (a.error ? 1 : 0) + (b.error ? 1 : 0);
    EXPECT_EQ(victims, 1);
    for (const DeadlockSide* side : {&a, &b}) {
        if (side->error) {
            EXPECT_EQ(side->error->code, Errc::kDeadlock);
            EXPECT_EQ(side->error->server_errno, 1213u);
        }
    }
}

TEST_F(PoolTest, DeadlockIsTyped) {
    Pool pool = MakePool();
    RunTask(io_, DeadlockTask(&pool));
    EXPECT_EQ(pool.Busy(), 0u);
}

// ---- transactions -----------------------------------------------------------------------------

asio::awaitable<void> TransactionsTask(Pool* pool) {
    auto acquired = co_await pool->Acquire();
    CO_ASSERT_OK(acquired);
    PooledConnection conn = std::move(acquired).value();
    auto r = co_await conn.Query("CREATE TABLE tx (id INT PRIMARY KEY)");
    CO_ASSERT_OK(r);

    auto begun = co_await Begin(conn);
    CO_ASSERT_OK(begun);
    r = co_await conn.Query("INSERT INTO tx VALUES (1)");
    CO_ASSERT_OK(r);
    co_await Rollback(conn);
    r = co_await conn.Query("SELECT COUNT(*) FROM tx");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 0);

    begun = co_await Begin(conn);
    CO_ASSERT_OK(begun);
    r = co_await conn.Query("INSERT INTO tx VALUES (2)");
    CO_ASSERT_OK(r);
    auto committed = co_await Commit(conn);
    CO_ASSERT_OK(committed);
    r = co_await conn.Query("SELECT id FROM tx");
    CO_ASSERT_OK(r);
    CO_ASSERT_TRUE(r->rows.size() == 1);
    EXPECT_EQ(r->rows[0].Int(0), 2);
}

TEST_F(PoolTest, BeginCommitRollback) {
    Pool pool = MakePool();
    RunTask(io_, TransactionsTask(&pool));
    EXPECT_EQ(pool.Idle(), 1u);  // no transaction left open: reused
}

asio::awaitable<void> OpenTransactionTask(Pool* pool) {
    {
        auto acquired = co_await pool->Acquire();
        CO_ASSERT_OK(acquired);
        auto r = co_await acquired->Query("CREATE TABLE abandoned (id INT PRIMARY KEY)");
        CO_ASSERT_OK(r);
        auto begun = co_await Begin(*acquired);
        CO_ASSERT_OK(begun);
        r = co_await acquired->Query("INSERT INTO abandoned VALUES (1)");
        CO_ASSERT_OK(r);
        // Given back without COMMIT or ROLLBACK.
    }
    EXPECT_EQ(pool->Idle(), 0u);
    EXPECT_EQ(pool->Busy(), 0u);
    auto next = co_await pool->Acquire();
    CO_ASSERT_OK(next);
    auto r = co_await next->Query("SELECT COUNT(*) FROM abandoned");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 0);
    r = co_await next->Query("SELECT @@in_transaction");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 0);
}

TEST_F(PoolTest, ConnectionGivenBackInsideATransactionIsClosedNotReused) {
    Pool pool = MakePool();
    RunTask(io_, OpenTransactionTask(&pool));
}

// ---- the bound --------------------------------------------------------------------------------

struct BoundStats {
    int succeeded = 0;
    int failed = 0;
    int finished = 0;
    std::size_t max_busy = 0;
    std::set<std::int64_t> connection_ids;
};

asio::awaitable<void> BoundedUser(Pool* pool, BoundStats* stats) {
    auto conn = co_await pool->Acquire();
    if (conn) {
        stats->max_busy = std::max(stats->max_busy, pool->Busy());
        auto r = co_await conn->Query("SELECT CONNECTION_ID(), SLEEP(0.002)");
        stats->max_busy = std::max(stats->max_busy, pool->Busy());
        if (r) {
            stats->connection_ids.insert(r->rows[0].Int(0));
            ++stats->succeeded;
        } else {
            ++stats->failed;
        }
    } else {
        ADD_FAILURE() << "Acquire: " << ErrcName(conn.error().code) << " " << conn.error().detail;
        ++stats->failed;
    }
    ++stats->finished;
}

TEST_F(PoolTest, FiftyUsersShareTwoConnections) {
    PoolOptions options;
    options.size = 2;
    options.acquire_timeout = 60s;  // correctness, not speed: nobody may time out here
    Pool pool = MakePool(options);
    int observed = 0;
    pool.SetWaitObserver([&observed](double seconds) {
        EXPECT_GE(seconds, 0.0);
        ++observed;
    });
    BoundStats stats;
    constexpr int kUsers = 50;
    for (int i = 0; i < kUsers; ++i)
        asio::co_spawn(io_, BoundedUser(&pool, &stats), asio::detached);
    ASSERT_TRUE(RunUntil(io_, [&] { return stats.finished == kUsers; }));
    EXPECT_EQ(stats.succeeded, kUsers);
    EXPECT_EQ(stats.failed, 0);
    EXPECT_LE(stats.max_busy, 2u);
    EXPECT_GE(stats.max_busy, 1u);
    EXPECT_LE(stats.connection_ids.size(), 2u);  // the server saw at most two sessions
    EXPECT_EQ(observed, kUsers);
    EXPECT_EQ(pool.Busy(), 0u);
    EXPECT_EQ(pool.Waiting(), 0u);
    EXPECT_EQ(pool.Idle(), stats.connection_ids.size());
}

// ---- wait queue, timeout, close ---------------------------------------------------------------

struct QueuedUser {
    int id;
    std::vector<int>* order;
    std::optional<Error> error;
    bool finished = false;
};

asio::awaitable<void> WaitInQueue(Pool* pool, QueuedUser* user) {
    auto conn = co_await pool->Acquire();
    if (!conn) {
        user->error = conn.error();
    } else {
        user->order->push_back(user->id);
        auto r = co_await conn->Query("SELECT 1");
        if (!r) user->error = r.error();
    }
    user->finished = true;
}

asio::awaitable<void> WaitQueueTask(Pool* pool) {
    auto holder = co_await pool->Acquire();
    CO_ASSERT_OK(holder);
    std::vector<int> order;
    QueuedUser first{1, &order, std::nullopt, false};
    QueuedUser second{2, &order, std::nullopt, false};
    const auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(ex, WaitInQueue(pool, &first), asio::detached);
    CO_ASSERT_TRUE(co_await WaitFor([pool] { return pool->Waiting() == 1; }, 10000ms));
    asio::co_spawn(ex, WaitInQueue(pool, &second), asio::detached);
    CO_ASSERT_TRUE(co_await WaitFor([pool] { return pool->Waiting() == 2; }, 10000ms));

    // The queue is full: the next caller is refused at once, not queued.
    auto refused = co_await pool->Acquire();
    CO_ASSERT_TRUE(!refused);
    EXPECT_EQ(refused.error().code, Errc::kPoolExhausted);
    EXPECT_EQ(pool->Waiting(), 2u);
    EXPECT_FALSE(first.finished);
    EXPECT_FALSE(second.finished);

    { PooledConnection release = std::move(holder).value(); }
    CO_ASSERT_TRUE(co_await WaitFor([&] { return first.finished && second.finished; }, 30000ms));
    EXPECT_FALSE(first.error.has_value());
    EXPECT_FALSE(second.error.has_value());
    EXPECT_EQ(order, (std::vector<int>{1, 2}));  // FIFO
}

TEST_F(PoolTest, WaitQueueIsBoundedAndFifo) {
    PoolOptions options;
    options.size = 1;
    options.wait_queue_limit = 2;
    options.acquire_timeout = 60s;
    Pool pool = MakePool(options);
    RunTask(io_, WaitQueueTask(&pool));
    EXPECT_EQ(pool.Busy(), 0u);
    EXPECT_EQ(pool.Idle(), 1u);
}

asio::awaitable<void> AcquireTimeoutTask(Pool* pool) {
    auto holder = co_await pool->Acquire();
    CO_ASSERT_OK(holder);
    auto late = co_await pool->Acquire();
    CO_ASSERT_TRUE(!late);
    EXPECT_EQ(late.error().code, Errc::kPoolExhausted);
    EXPECT_TRUE(holder->valid());  // it timed out while the only connection was still lent
    EXPECT_EQ(pool->Busy(), 1u);
    EXPECT_EQ(pool->Waiting(), 0u);
    { PooledConnection release = std::move(holder).value(); }
    auto again = co_await pool->Acquire();
    CO_ASSERT_OK(again);
    auto r = co_await again->Query("SELECT 1");
    CO_ASSERT_OK(r);
}

TEST_F(PoolTest, AcquireTimesOutWithPoolExhausted) {
    PoolOptions options;
    options.size = 1;
    options.acquire_timeout = 200ms;
    Pool pool = MakePool(options);
    RunTask(io_, AcquireTimeoutTask(&pool));
    EXPECT_EQ(pool.Busy(), 0u);
}

asio::awaitable<void> CloseTask(Pool* pool) {
    auto holder = co_await pool->Acquire();
    CO_ASSERT_OK(holder);
    std::vector<int> order;
    QueuedUser waiter{1, &order, std::nullopt, false};
    asio::co_spawn(co_await asio::this_coro::executor, WaitInQueue(pool, &waiter), asio::detached);
    CO_ASSERT_TRUE(co_await WaitFor([pool] { return pool->Waiting() == 1; }, 10000ms));
    co_await pool->Close();
    CO_ASSERT_TRUE(co_await WaitFor([&] { return waiter.finished; }, 10000ms));
    CO_ASSERT_TRUE(waiter.error.has_value());
    EXPECT_EQ(waiter.error->code, Errc::kCancelled);
    auto after = co_await pool->Acquire();
    CO_ASSERT_TRUE(!after);
    EXPECT_EQ(after.error().code, Errc::kCancelled);
    // A lent connection still works until given back, then it is closed.
    auto r = co_await holder->Query("SELECT 1");
    CO_ASSERT_OK(r);
    { PooledConnection release = std::move(holder).value(); }
    EXPECT_EQ(pool->Idle(), 0u);
    EXPECT_EQ(pool->Busy(), 0u);
}

TEST_F(PoolTest, CloseCancelsWaitersAndLaterAcquires) {
    PoolOptions options;
    options.size = 1;
    options.acquire_timeout = 60s;
    Pool pool = MakePool(options);
    RunTask(io_, CloseTask(&pool));
}

asio::awaitable<void> QueryTimeoutTask(Pool* pool) {
    auto conn = co_await pool->Acquire();
    CO_ASSERT_OK(conn);
    auto r = co_await conn->Query("SELECT SLEEP(5)", 200ms);
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kTimeout);
    r = co_await conn->Query("SELECT 1");  // broken: refused without I/O
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kUnavailable);
}

TEST_F(PoolTest, QueryTimeoutBreaksTheConnection) {
    Pool pool = MakePool();
    RunTask(io_, QueryTimeoutTask(&pool));
    EXPECT_EQ(pool.Idle(), 0u);
    EXPECT_EQ(pool.Busy(), 0u);
}

asio::awaitable<void> BadCredentialsTask(Pool* pool) {
    auto conn = co_await pool->Acquire();
    CO_ASSERT_TRUE(!conn);
    EXPECT_EQ(conn.error().code, Errc::kUnavailable);
    EXPECT_EQ(conn.error().server_errno, 1045u);
}

TEST_F(PoolTest, WrongPasswordIsUnavailable) {
    DbUrl url = test::UrlOf(server_->Url());
    url.password = "wrong";
    Pool pool(io_.get_executor(), url, PoolOptions{});
    RunTask(io_, BadCredentialsTask(&pool));
    EXPECT_EQ(pool.Busy(), 0u);
    EXPECT_EQ(pool.Idle(), 0u);
}

asio::awaitable<void> SelectOne(Pool* pool, std::optional<DbResult<QueryResult>>* out) {
    auto conn = co_await pool->Acquire();
    if (!conn) {
        out->emplace(conn.error());
        co_return;
    }
    out->emplace(co_await conn->Query("SELECT 1"));
}

TEST_F(PoolTest, HostNamesAreResolvedOffTheLoop) {
    // ParseDatabaseUrl maps "localhost" to 127.0.0.1 itself; a DbUrl built by hand takes the
    // resolver path that Compose service names take.
    DbUrl url = test::UrlOf(server_->Url());
    url.host = "localhost";
    Pool pool(io_.get_executor(), url, PoolOptions{});
    std::optional<DbResult<QueryResult>> result;
    RunTask(io_, SelectOne(&pool, &result));
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->ok()) << result->error().detail;
    EXPECT_EQ(result->value().rows[0].Int(0), 1);

    url.host = "no-such-host.invalid";
    Pool unknown(io_.get_executor(), url, PoolOptions{});
    result.reset();
    RunTask(io_, SelectOne(&unknown, &result));
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(result->ok());
    EXPECT_EQ(result->error().code, Errc::kUnavailable);
    EXPECT_NE(result->error().detail.find("no-such-host.invalid"), std::string::npos)
        << result->error().detail;
}

}  // namespace
}  // namespace hhplus::db
