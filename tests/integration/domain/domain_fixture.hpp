#pragma once
// The fixture of the domain integration tests: a real MariaDB (migrated) and a real Redis on free
// ports, one io_context, and helpers to run coroutines on it to completion within a bound.
#include <utility>

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "domain/auth/user_store.hpp"
#include "redis/client.hpp"
#include "tests/support/mariadb_server.hpp"
#include "tests/support/redis_server.hpp"

namespace hhplus {

namespace asio = boost::asio;

class DomainFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_GE(sodium_init(), 0);
        // The tests assert exact outcomes (exactly N issued, every charge once), not capacity:
        // waits long enough that a busy machine never turns a slow answer into S001.
        db::PoolOptions options;
        options.size = 8;
        options.acquire_timeout = std::chrono::seconds(120);
        options.query_timeout = std::chrono::seconds(60);
        pool_ = std::make_unique<db::Pool>(io_.get_executor(), *db::ParseDatabaseUrl(db_.Url()),
                                           options);
        redis::ClientOptions redis_options;
        redis_options.role = "cache";
        redis_options.command_timeout = std::chrono::seconds(30);
        cache_client_ = std::make_unique<redis::Client>(
            io_.get_executor(), *redis::ParseRedisUrl(cache_.Url()), redis_options);
        cache_client_->Start();
        auto migrated = Run(db::Migrate(*pool_, db::EmbeddedMigrations()));
        ASSERT_TRUE(migrated.ok()) << migrated.error().detail;
    }

    void TearDown() override {
        Run(pool_->Close());
        cache_client_->Stop();
    }

    // Runs the loop until `done()`: the Redis client keeps background work (its reader and
    // reconnect loop) on the io_context, so run() alone would never return. Bounded: a hang
    // fails the test instead of reaching CTest's timeout.
    template <class Done>
    void RunUntil(Done done) {
        const auto deadline = std::chrono::steady_clock::now() + run_bound_;
        io_.restart();
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            io_.run_one_for(std::chrono::milliseconds(100));
        }
        ASSERT_TRUE(done()) << "timed out waiting for the coroutines";
    }
    // Runs one coroutine to completion. (co_spawn's use_future needs a default-constructible
    // result, which Result<T> is not: the value goes through an optional.)
    template <class T>
    static asio::awaitable<void> StoreInto(asio::awaitable<T> task, std::optional<T>* out) {
        out->emplace(co_await std::move(task));
    }
    template <class T>
    T Run(asio::awaitable<T> task) {
        std::optional<T> out;
        asio::co_spawn(io_, StoreInto(std::move(task), &out), asio::detached);
        RunUntil([&] { return out.has_value(); });
        return std::move(*out);
    }
    static asio::awaitable<void> Flag(asio::awaitable<void> task, bool* done) {
        co_await std::move(task);
        *done = true;
    }
    void Run(asio::awaitable<void> task) {
        bool done = false;
        asio::co_spawn(io_, Flag(std::move(task), &done), asio::detached);
        RunUntil([&] { return done; });
    }

    std::int64_t NewUser(const std::string& email) {
        auth::UserStore users(*pool_);
        auto id = Run(users.Insert(email, "$argon2id$placeholder"));
        EXPECT_TRUE(id.ok());
        return id.ok() ? id.value() : 0;
    }

    // How long RunUntil waits before failing the test (a fixture may need more).
    std::chrono::seconds run_bound_{120};
    testing::MariaDbServer db_;
    testing::RedisServer cache_;
    asio::io_context io_{1};
    std::unique_ptr<db::Pool> pool_;
    std::unique_ptr<redis::Client> cache_client_;
    SystemClock clock_;
};

}  // namespace hhplus
