// Measurement, not a verdict on speed: charges per second on ONE hot user, in process, against a
// real MariaDB, with combining off (every charge its own transaction, as before combining) and
// on. Prints the figures; asserts only that every charge was applied exactly once. Label
// `bench`: not part of scripts/test.sh. Run:
//   ctest --test-dir build/<dir> -R '^balance_combining_bench$' -V
// Environment (optional): BENCH_CHARGES (default 4000), BENCH_CLIENTS (default 64: wrk's -c of
// bench/service/run.sh).
#include <utility>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "domain/auth/user_store.hpp"
#include "domain/balance/balance_service.hpp"
#include "tests/support/mariadb_server.hpp"

namespace hhplus {
namespace {

namespace asio = boost::asio;

int EnvInt(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : fallback;
}

class BalanceBench : public ::testing::Test {
  protected:
    void SetUp() override {
        db::PoolOptions options;  // the server's defaults (pool of 8), longer waits for a busy box
        options.acquire_timeout = std::chrono::seconds(120);
        options.query_timeout = std::chrono::seconds(60);
        pool_ = std::make_unique<db::Pool>(io_.get_executor(), *db::ParseDatabaseUrl(db_.Url()),
                                           options);
        bool done = false;
        auto migrate = [&]() -> asio::awaitable<void> {
            auto migrated = co_await db::Migrate(*pool_, db::EmbeddedMigrations());
            EXPECT_TRUE(migrated.ok());
            done = true;
        };
        asio::co_spawn(io_, migrate(), asio::detached);
        RunUntil([&] { return done; });
    }
    void TearDown() override {
        bool done = false;
        auto close = [&]() -> asio::awaitable<void> {
            co_await pool_->Close();
            done = true;
        };
        asio::co_spawn(io_, close(), asio::detached);
        RunUntil([&] { return done; });
    }
    template <class Done>
    void RunUntil(Done done) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
        io_.restart();
        while (!done() && std::chrono::steady_clock::now() < deadline)
            io_.run_one_for(std::chrono::milliseconds(100));
        ASSERT_TRUE(done()) << "timed out";
    }
    std::int64_t NewUser(const std::string& email) {
        std::optional<Result<std::int64_t>> id;
        auth::UserStore users(*pool_);
        auto insert = [&]() -> asio::awaitable<void> {
            id.emplace(co_await users.Insert(email, "$argon2id$x"));
        };
        asio::co_spawn(io_, insert(), asio::detached);
        RunUntil([&] { return id.has_value(); });
        return id->ok() ? id->value() : 0;
    }

    // `charges` charges of 1 won on one new user from `clients` coroutines, each charging in a
    // loop (a closed loop, like wrk's connections). Returns charges per second.
    double Measure(const char* label, std::size_t max_batch, int charges, int clients) {
        balance::BalanceStore store(*pool_);
        balance::BalanceService service(store, clock_);
        service.SetMaxChargeBatch(max_batch);
        service.SetChargeWaitBudget(std::chrono::seconds(120));
        const auto user = NewUser(std::string(label) + "@bench.co");
        int started = 0, finished = 0, failed = 0;
        auto client = [&]() -> asio::awaitable<void> {
            while (started < charges) {
                ++started;
                auto r = co_await service.Charge(user, 1, std::nullopt);
                if (!r.ok()) ++failed;
                ++finished;
            }
        };
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < clients; ++i) asio::co_spawn(io_, client(), asio::detached);
        RunUntil([&] { return finished == charges; });
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_EQ(failed, 0);
        EXPECT_EQ(db_.Sql("SELECT balance FROM users WHERE id = " + std::to_string(user)),
                  std::to_string(charges - failed) + "\n");
        const double rate = charges / seconds;
        std::printf(
            "balance bench %-10s max_batch=%-4zu charges=%d clients=%d: %.2f s, %.0f charges/s, "
            "%llu transactions (%.1f charges each)\n",
            label, max_batch, charges, clients, seconds, rate,
            static_cast<unsigned long long>(service.ChargeBatches()),
            static_cast<double>(charges) / static_cast<double>(service.ChargeBatches()));
        return rate;
    }

    testing::MariaDbServer db_;
    asio::io_context io_{1};
    std::unique_ptr<db::Pool> pool_;
    SystemClock clock_;
};

TEST_F(BalanceBench, OneHotUserSerialThenCombined) {
    const int charges = EnvInt("BENCH_CHARGES", 4000);
    const int clients = EnvInt("BENCH_CLIENTS", 64);
    Measure("warmup", balance::kMaxChargeBatch, charges / 10, clients);
    Measure("serial", 1, charges, clients);
    Measure("combined", balance::kMaxChargeBatch, charges, clients);
    Measure("alone", balance::kMaxChargeBatch, charges / 4, 1);  // one client: batches of one
}

}  // namespace
}  // namespace hhplus
