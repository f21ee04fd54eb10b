// db::Pool when the database fails: stopped, hung (SIGSTOP), restarted, killed -9 in the middle
// of a transaction. Acquire and Query must fail with a typed error within their bounds, never
// hang, and the same pool must work again once the server is back.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/detached.hpp>

#include "db/pool.hpp"
#include "tests/integration/db/db_test_util.hpp"
#include "tests/support/mariadb_server.hpp"

namespace hhplus::db {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using hhplus::testing::MariaDbServer;
using test::RunTask;
using test::RunUntil;

// A fresh server per test: these tests stop and kill it.
class FaultTest : public ::testing::Test {
  protected:
    Pool MakePool(PoolOptions options) {
        return Pool(io_.get_executor(), test::UrlOf(server_.Url()), options);
    }

    MariaDbServer server_;
    asio::io_context io_;
};

// Hang detector, not a timing assertion: a bounded failure finishes well inside this.
constexpr auto kFailureBound = 15s;

std::chrono::steady_clock::duration Since(std::chrono::steady_clock::time_point start) {
    return std::chrono::steady_clock::now() - start;
}

std::size_t OpenFileDescriptors() {
    std::size_t count = 0;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (::readdir(dir) != nullptr) ++count;
        ::closedir(dir);
    }
    return count;
}

// After an outage the property is recovery, not its speed: retry for a while (a loaded
// machine may need more than one connect_timeout for the first handshake).
asio::awaitable<DbResult<PooledConnection>> AcquireAfterRecovery(Pool* pool) {
    const auto deadline = std::chrono::steady_clock::now() + kFailureBound;
    for (;;) {  // bounded by the deadline
        auto conn = co_await pool->Acquire();
        if (conn || std::chrono::steady_clock::now() >= deadline) co_return std::move(conn);
        asio::steady_timer pause(co_await asio::this_coro::executor, 50ms);
        co_await pause.async_wait(asio::use_awaitable);
    }
}

asio::awaitable<void> StoppedTask(Pool* pool, MariaDbServer* server) {
    auto held = co_await pool->Acquire();
    CO_ASSERT_OK(held);
    {
        auto other = co_await pool->Acquire();
        CO_ASSERT_OK(other);
        auto r = co_await other->Query("SELECT 1");
        CO_ASSERT_OK(r);
    }
    EXPECT_EQ(pool->Idle(), 1u);

    server->Stop();

    // A lent connection reports the loss and is not reused.
    auto r = co_await held->Query("SELECT 1");
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kUnavailable);
    { PooledConnection release = std::move(held).value(); }
    EXPECT_EQ(pool->Busy(), 0u);

    // Acquire drops the dead idle connection, tries to connect, and fails fast.
    for (int i = 0; i < 5; ++i) {
        const auto start = std::chrono::steady_clock::now();
        auto conn = co_await pool->Acquire();
        EXPECT_LT(Since(start), kFailureBound);
        CO_ASSERT_TRUE(!conn);
        EXPECT_EQ(conn.error().code, Errc::kUnavailable) << conn.error().detail;
    }
    EXPECT_EQ(pool->Idle(), 0u);
    EXPECT_EQ(pool->Busy(), 0u);

    server->Start();

    // The same pool reconnects after the restart.
    auto back = co_await AcquireAfterRecovery(pool);
    CO_ASSERT_OK(back);
    r = co_await back->Query("SELECT 1");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 1);
}

TEST_F(FaultTest, StoppedDatabaseFailsFastAndThePoolRecovers) {
    PoolOptions options;
    options.size = 2;
    options.connect_timeout = 1000ms;
    options.acquire_timeout = 1000ms;
    Pool pool = MakePool(options);
    RunTask(io_, StoppedTask(&pool, &server_));
    EXPECT_EQ(pool.Busy(), 0u);
    EXPECT_EQ(pool.Idle(), 1u);
}

struct OutageStats {
    int finished = 0;
    int unavailable = 0;
    int exhausted = 0;
    int other = 0;
};

asio::awaitable<void> OutageUser(Pool* pool, OutageStats* stats) {
    auto conn = co_await pool->Acquire();
    const bool failed = !conn;
    if (failed && conn.error().code == Errc::kUnavailable) {
        ++stats->unavailable;
    } else if (failed && conn.error().code == Errc::kPoolExhausted) {
        ++stats->exhausted;
    } else {
        ++stats->other;  // a connection after all, or another error
    }
    ++stats->finished;
}

TEST_F(FaultTest, ManyConcurrentUsersDuringAnOutageAllGetAnErrorAndCountsStayExact) {
    PoolOptions options;
    options.size = 2;
    options.connect_timeout = 1000ms;
    options.acquire_timeout = 1000ms;
    Pool pool = MakePool(options);
    server_.Stop();
    OutageStats stats;
    constexpr int kUsers = 40;
    for (int i = 0; i < kUsers; ++i) asio::co_spawn(io_, OutageUser(&pool, &stats), asio::detached);
    ASSERT_TRUE(RunUntil(
        io_, [&] { return stats.finished == kUsers; }, kFailureBound * 2));
    EXPECT_EQ(stats.other, 0);
    EXPECT_EQ(stats.unavailable + stats.exhausted, kUsers);
    EXPECT_GE(stats.unavailable, 1);
    EXPECT_EQ(pool.Busy(), 0u);
    EXPECT_EQ(pool.Idle(), 0u);
    EXPECT_EQ(pool.Waiting(), 0u);
}

asio::awaitable<void> HungTask(Pool* pool, MariaDbServer* server) {
    auto conn = co_await pool->Acquire();
    CO_ASSERT_OK(conn);
    auto r = co_await conn->Query("SELECT 1");
    CO_ASSERT_OK(r);
    const std::size_t fds_before = OpenFileDescriptors();

    server->Pause();

    // The query is sent but never answered: query_timeout, and the connection is dropped.
    r = co_await conn->Query("SELECT 1");
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kTimeout);
    { PooledConnection release = std::move(conn).value(); }
    EXPECT_EQ(pool->Idle(), 0u);
    EXPECT_EQ(pool->Busy(), 0u);

    // The kernel still accepts TCP connections, but the handshake never comes: connect_timeout.
    for (int i = 0; i < 3; ++i) {
        const auto start = std::chrono::steady_clock::now();
        auto next = co_await pool->Acquire();
        EXPECT_LT(Since(start), kFailureBound);
        CO_ASSERT_TRUE(!next);
        EXPECT_EQ(next.error().code, Errc::kUnavailable) << next.error().detail;
    }
    // Abandoned operations left no socket behind (the timed-out query's socket is gone too).
    EXPECT_EQ(OpenFileDescriptors(), fds_before - 1);

    server->Resume();
    auto back = co_await AcquireAfterRecovery(pool);
    CO_ASSERT_OK(back);
    r = co_await back->Query("SELECT 1");
    CO_ASSERT_OK(r);
    EXPECT_EQ(OpenFileDescriptors(), fds_before);
}

TEST_F(FaultTest, HungDatabaseTimesOutWithoutLeakingSockets) {
    PoolOptions options;
    options.size = 2;
    options.connect_timeout = 500ms;
    options.query_timeout = 500ms;
    options.acquire_timeout = 1000ms;
    Pool pool = MakePool(options);
    RunTask(io_, HungTask(&pool, &server_));
    EXPECT_EQ(pool.Busy(), 0u);
}

asio::awaitable<void> RestartTask(Pool* pool, MariaDbServer* server) {
    {
        auto a = co_await pool->Acquire();
        CO_ASSERT_OK(a);
        auto b = co_await pool->Acquire();
        CO_ASSERT_OK(b);
    }
    EXPECT_EQ(pool->Idle(), 2u);
    server->Restart();
    // Both idle connections died with the old server; each Acquire notices without a query
    // failing and opens a fresh one. Held together, so the second cannot reuse the first.
    auto a = co_await pool->Acquire();
    CO_ASSERT_OK(a);
    auto b = co_await pool->Acquire();
    CO_ASSERT_OK(b);
    for (auto* conn : {&a, &b}) {
        auto r = co_await (*conn)->Query("SELECT 1");
        CO_ASSERT_OK(r);
    }
}

TEST_F(FaultTest, IdleConnectionsAreReplacedAfterARestart) {
    PoolOptions options;
    options.size = 2;
    Pool pool = MakePool(options);
    RunTask(io_, RestartTask(&pool, &server_));
    EXPECT_EQ(pool.Busy(), 0u);
    EXPECT_EQ(pool.Idle(), 2u);
}

constexpr int kCommittedRows = 20;

asio::awaitable<void> Kill9Task(Pool* pool, MariaDbServer* server) {
    {
        auto setup = co_await pool->Acquire();
        CO_ASSERT_OK(setup);
        auto r = co_await setup->Query("CREATE TABLE crash (id INT PRIMARY KEY, v INT NOT NULL)");
        CO_ASSERT_OK(r);
        for (int i = 1; i <= kCommittedRows; ++i) {
            auto begun = co_await Begin(*setup);
            CO_ASSERT_OK(begun);
            r = co_await setup->Query("INSERT INTO crash VALUES (" + std::to_string(i) + ", " +
                                      std::to_string(i) + ")");
            CO_ASSERT_OK(r);
            auto committed = co_await Commit(*setup);
            CO_ASSERT_OK(committed);
        }
    }
    auto inserter = co_await pool->Acquire();
    CO_ASSERT_OK(inserter);
    auto updater = co_await pool->Acquire();
    CO_ASSERT_OK(updater);
    auto begun = co_await Begin(*inserter);
    CO_ASSERT_OK(begun);
    for (int i = kCommittedRows + 1; i <= kCommittedRows + 10; ++i) {
        auto r =
            co_await inserter->Query("INSERT INTO crash VALUES (" + std::to_string(i) + ", 0)");
        CO_ASSERT_OK(r);
    }
    begun = co_await Begin(*updater);
    CO_ASSERT_OK(begun);
    auto r = co_await updater->Query("UPDATE crash SET v = -1 WHERE id <= 5");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->affected_rows, 5u);

    server->Kill9();

    auto committed = co_await Commit(*inserter);
    CO_ASSERT_TRUE(!committed);
    EXPECT_EQ(committed.error().code, Errc::kUnavailable);
    r = co_await updater->Query("COMMIT");
    CO_ASSERT_TRUE(!r);
    EXPECT_EQ(r.error().code, Errc::kUnavailable);
    { PooledConnection release = std::move(inserter).value(); }
    { PooledConnection release = std::move(updater).value(); }
    EXPECT_EQ(pool->Busy(), 0u);

    server->Start();  // InnoDB crash recovery

    // Everything committed survived; nothing uncommitted was applied.
    EXPECT_EQ(server->Sql("SELECT COUNT(*), SUM(v), MIN(v), MAX(id) FROM crash"),
              "20\t210\t1\t20\n");
    auto conn = co_await AcquireAfterRecovery(pool);
    CO_ASSERT_OK(conn);
    r = co_await conn->Query("SELECT COUNT(*) FROM crash WHERE v < 0 OR id > 20");
    CO_ASSERT_OK(r);
    EXPECT_EQ(r->rows[0].Int(0), 0);
}

TEST_F(FaultTest, Kill9MidTransactionKeepsCommittedAndDropsUncommitted) {
    PoolOptions options;
    options.size = 3;
    options.connect_timeout = 2000ms;
    Pool pool = MakePool(options);
    RunTask(io_, Kill9Task(&pool, &server_));
    EXPECT_EQ(pool.Busy(), 0u);
}

// A listener whose accept queue is full and never drained: the kernel drops further SYNs, so
// a client's TCP connect stays in progress (like a firewalled or unreachable host).
class SaturatedListener {
  public:
    SaturatedListener() {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
            ::listen(listener_, 0) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            throw std::runtime_error("listener setup failed");
        }
        port_ = ntohs(addr.sin_port);
        // Backlog 0 admits one or two completed connections; a few more fill it for sure.
        for (int i = 0; i < 4; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            // Non-blocking: EINPROGRESS is the expected answer; the backlog decides the rest.
            (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
            fillers_.push_back(fd);
        }
    }
    ~SaturatedListener() {
        for (const int fd : fillers_) ::close(fd);
        ::close(listener_);
    }
    SaturatedListener(const SaturatedListener&) = delete;
    SaturatedListener& operator=(const SaturatedListener&) = delete;
    std::uint16_t port() const { return port_; }

  private:
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::vector<int> fillers_;
};

asio::awaitable<void> FailToConnect(Pool* pool) {
    const auto start = std::chrono::steady_clock::now();
    auto conn = co_await pool->Acquire();
    EXPECT_LT(Since(start), kFailureBound);
    CO_ASSERT_TRUE(!conn);
    EXPECT_EQ(conn.error().code, Errc::kUnavailable);
    EXPECT_NE(conn.error().detail.find("timed out"), std::string::npos) << conn.error().detail;
}

asio::awaitable<void> UnreachableTask(Pool* pool) {
    co_await FailToConnect(pool);  // the first also creates the io_context's own descriptors
    const std::size_t fds_before = OpenFileDescriptors();
    for (int i = 0; i < 3; ++i) co_await FailToConnect(pool);
    EXPECT_EQ(OpenFileDescriptors(), fds_before);
}

TEST(UnreachableServerTest, ConnectTimeoutDuringTcpHandshakeLeaksNothing) {
    SaturatedListener listener;
    asio::io_context io;
    DbUrl url;
    url.user = "hhplus";
    url.password = "hhplus";
    url.host = "127.0.0.1";
    url.port = listener.port();
    PoolOptions options;
    options.size = 1;
    options.connect_timeout = 300ms;
    Pool pool(io.get_executor(), url, options);
    RunTask(io, UnreachableTask(&pool));
    EXPECT_EQ(pool.Busy(), 0u);
    EXPECT_EQ(pool.Idle(), 0u);
}

}  // namespace
}  // namespace hhplus::db
