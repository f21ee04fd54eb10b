#pragma once
// Helpers for db/ integration tests: run coroutines on a test's io_context with a hang bound,
// and assertions usable inside coroutines (gtest's ASSERT_* expand to `return`, which a
// coroutine cannot use).
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "db/pool.hpp"
#include "tests/support/mariadb_server.hpp"

// Fails the test and leaves the coroutine.
#define CO_ASSERT_TRUE(cond)                                     \
    do {                                                         \
        if (!(cond)) {                                           \
            ADD_FAILURE() << "CO_ASSERT_TRUE(" #cond ") failed"; \
            co_return;                                           \
        }                                                        \
    } while (0)

// Fails the test (with the error's code and detail) and leaves the coroutine unless `r` is ok.
#define CO_ASSERT_OK(r)                                                                            \
    do {                                                                                           \
        if (!(r)) {                                                                                \
            ADD_FAILURE() << #r << " failed: " << ::hhplus::db::ErrcName((r).error().code) << " (" \
                          << (r).error().server_errno << ") " << (r).error().detail;               \
            co_return;                                                                             \
        }                                                                                          \
    } while (0)

namespace hhplus::db::test {

using namespace std::chrono_literals;

// A hang is a failure, not a stuck test run: every test body gets this long.
inline constexpr auto kTaskLimit = std::chrono::seconds(120);

// Runs the io_context until `done()` or the deadline; returns done().
inline bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::steady_clock::duration limit = kTaskLimit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {  // bounded by the deadline
        if (std::chrono::steady_clock::now() >= deadline) return false;
        if (io.stopped()) io.restart();
        io.run_one_for(std::chrono::milliseconds(20));
    }
    return true;
}

// Runs `task` to completion on `io`; a hang or an escaped exception fails the test.
inline void RunTask(boost::asio::io_context& io, boost::asio::awaitable<void> task,
                    std::chrono::steady_clock::duration limit = kTaskLimit) {
    bool finished = false;
    std::exception_ptr error;
    boost::asio::co_spawn(io, std::move(task), [&finished, &error](std::exception_ptr e) {
        finished = true;
        error = e;
    });
    if (!RunUntil(
            io, [&finished] { return finished; }, limit)) {
        ADD_FAILURE() << "test coroutine did not finish in time (hang)";
        return;
    }
    if (error) std::rethrow_exception(error);
}

// Suspends until `done()` holds, checking every few ms; false at the deadline.
inline boost::asio::awaitable<bool> WaitFor(std::function<bool()> done,
                                            std::chrono::milliseconds limit) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {  // bounded by the deadline
        if (std::chrono::steady_clock::now() >= deadline) co_return false;
        timer.expires_after(std::chrono::milliseconds(5));
        boost::system::error_code ec;
        co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    co_return true;
}

inline DbUrl UrlOf(const std::string& text) {
    auto url = ParseDatabaseUrl(text);
    if (!url) throw std::runtime_error("bad url " + text);
    return *url;
}

// Base fixture of the db/ integration suites: one MariaDB server for the whole suite (started
// before its first test, stopped after its last); each test uses its own tables or database and
// its own pool on its own io_context.
class SharedServerTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = std::make_unique<hhplus::testing::MariaDbServer>(); }
    static void TearDownTestSuite() { server_.reset(); }

    Pool MakePool(PoolOptions options = {}) {
        return Pool(io_.get_executor(), UrlOf(server_->Url()), options);
    }

    static inline std::unique_ptr<hhplus::testing::MariaDbServer> server_;
    boost::asio::io_context io_;
};

}  // namespace hhplus::db::test
