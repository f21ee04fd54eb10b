// The services against real MariaDB and Redis, many coroutines at once on one io_context: the
// invariants of api.md must hold exactly (balances to the won, coupons never N+1), and a crash
// in the middle of a transaction must leave nothing half-done.
#include <utility>

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "domain/auth/user_store.hpp"
#include "domain/balance/balance_service.hpp"
#include "domain/coupon/coupon_service.hpp"
#include "redis/client.hpp"
#include "tests/support/mariadb_server.hpp"
#include "tests/support/redis_server.hpp"

namespace hhplus {
namespace {

namespace asio = boost::asio;

class DomainConcurrency : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_GE(sodium_init(), 0);
        // The tests assert exact outcomes (exactly N issued, every charge once), not capacity:
        // waits long enough that a busy machine never turns a slow answer into S001.
        db::PoolOptions options;
        options.size = 8;
        options.acquire_timeout = std::chrono::seconds(120);
        options.query_timeout = std::chrono::seconds(60);
        pool_ = std::make_unique<db::Pool>(io_.get_executor(), *db::ParseDatabaseUrl(db_.Url()), options);
        redis::ClientOptions redis_options;
        redis_options.role = "cache";
        redis_options.command_timeout = std::chrono::seconds(30);
        cache_client_ = std::make_unique<redis::Client>(io_.get_executor(), *redis::ParseRedisUrl(cache_.Url()),
                                                        redis_options);
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
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
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

    testing::MariaDbServer db_;
    testing::RedisServer cache_;
    asio::io_context io_{1};
    std::unique_ptr<db::Pool> pool_;
    std::unique_ptr<redis::Client> cache_client_;
    SystemClock clock_;
};

TEST_F(DomainConcurrency, TwoHundredConcurrentChargesAreExactToTheWon) {
    const auto user = NewUser("charger@test.co");
    balance::BalanceStore store(*pool_);
    balance::BalanceService service(store, clock_);
    constexpr int kCharges = 200;
    constexpr std::int64_t kAmount = 777;
    int ok = 0;
    std::vector<std::string> failures;
    auto one = [&](int i) -> asio::awaitable<void> {
        // Every tenth charge carries an idempotency key, so both paths run concurrently.
        std::optional<std::string> key;
        if (i % 10 == 0) key = "key-" + std::to_string(i);
        auto r = co_await service.Charge(user, kAmount, key);
        if (r.ok()) {
            ++ok;
        } else {
            failures.push_back(r.error().detail);
        }
    };
    for (int i = 0; i < kCharges; ++i) asio::co_spawn(io_, one(i), asio::detached);
    RunUntil([&] { return ok + static_cast<int>(failures.size()) == kCharges; });
    EXPECT_TRUE(failures.empty()) << failures.front();
    EXPECT_EQ(ok, kCharges);
    auto balance = Run(service.Get(user));
    ASSERT_TRUE(balance.ok());
    EXPECT_EQ(balance.value(), kCharges * kAmount);
    EXPECT_EQ(db_.Sql("SELECT COUNT(*), SUM(amount), MAX(after_amount) FROM balance_logs WHERE user_id = " +
                      std::to_string(user)),
              std::to_string(kCharges) + "\t" + std::to_string(kCharges * kAmount) + "\t" +
                  std::to_string(kCharges * kAmount) + "\n");
}

class IssuePaths : public DomainConcurrency, public ::testing::WithParamInterface<bool> {};

// Both issue paths: one compound statement (MariaDB) and statement by statement (MySQL 8).
TEST_P(IssuePaths, ThreeHundredIssuesOnAHundredGiveExactlyAHundred) {
    coupon::CouponStore store(*pool_);
    store.UseCompoundStatements(GetParam());
    coupon::CouponCache cache(*cache_client_);
    coupon::CouponService service(store, cache, clock_);
    auto created = Run(service.Create("RACE", 10, 100, ToEpochMillis(clock_.Now()) + 3'600'000));
    ASSERT_TRUE(created.ok());
    const auto coupon_id = created->id;
    std::vector<std::int64_t> users;
    for (int i = 0; i < 300; ++i) users.push_back(NewUser("racer" + std::to_string(i) + "@test.co"));
    int issued = 0, sold_out = 0;
    std::vector<std::string> other;
    auto one = [&](std::int64_t user) -> asio::awaitable<void> {
        auto r = co_await service.Issue(user, coupon_id);
        if (r.ok()) {
            ++issued;
        } else if (r.error().code == ErrorCode::kCouponSoldOut) {
            ++sold_out;
        } else {
            other.push_back(r.error().detail);
        }
    };
    for (auto u : users) asio::co_spawn(io_, one(u), asio::detached);
    RunUntil([&] { return issued + sold_out + static_cast<int>(other.size()) == 300; });
    EXPECT_TRUE(other.empty()) << other.front();
    EXPECT_EQ(issued, 100);
    EXPECT_EQ(sold_out, 200);
    auto audit = Run(service.Audit(coupon_id));
    ASSERT_TRUE(audit.ok());
    EXPECT_EQ(audit->issued_quantity, 100);
    EXPECT_EQ(audit->holder_rows, 100);
    EXPECT_EQ(audit->distinct_holders, 100);
    // The cache agrees with the database (read-your-writes for GET).
    auto got = Run(service.Get(coupon_id));
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->issued_quantity, 100);
}

// The fence, on both paths: a holder paused past its lease comes back with the version it read
// when it took the lock; someone else has written since, so its compare-and-set must refuse
// (S001 "fenced", the outcome label the fault tool counts) and leave no holder row behind.
TEST_P(IssuePaths, AStaleFenceIsRefusedAndWritesNothing) {
    coupon::CouponStore store(*pool_);
    store.UseCompoundStatements(GetParam());
    const auto now = ToEpochMillis(clock_.Now());
    auto created = Run(store.Create("FENCE", 10, 10, now + 3'600'000));
    ASSERT_TRUE(created.ok());
    const auto coupon_id = created->id;
    const std::string cid = std::to_string(coupon_id);
    const auto paused = NewUser("paused@test.co");
    const auto other = NewUser("other@test.co");
    auto stale = Run(store.ReadVersion(coupon_id));
    ASSERT_TRUE(stale.ok());
    ASSERT_TRUE(stale.value());
    const std::uint64_t stale_version = *stale.value();
    // The next holder writes with the current version: accepted, and the version moves on.
    auto next = Run(store.Issue(other, coupon_id, now, stale_version));
    ASSERT_TRUE(next.ok()) << next.error().detail;
    auto refused = Run(store.Issue(paused, coupon_id, now, stale_version));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kBusy);
    EXPECT_STREQ(coupon::OutcomeLabel(refused.error().code, refused.error().detail), "fenced");
    EXPECT_EQ(db_.Sql("SELECT COUNT(*) FROM user_coupons WHERE coupon_id = " + cid), "1\n");
    EXPECT_EQ(db_.Sql("SELECT issued_quantity FROM coupons WHERE id = " + cid), "1\n");
    // With the current version the same user is served: the refusal was the fence, nothing else.
    auto current = Run(store.ReadVersion(coupon_id));
    ASSERT_TRUE(current.ok());
    ASSERT_TRUE(current.value());
    EXPECT_NE(*current.value(), stale_version);
    auto retried = Run(store.Issue(paused, coupon_id, now, *current.value()));
    EXPECT_TRUE(retried.ok()) << retried.error().detail;
}

INSTANTIATE_TEST_SUITE_P(Compound, IssuePaths, ::testing::Values(true, false));

TEST_F(DomainConcurrency, CrashMidTransactionLosesNothing) {
    const auto user = NewUser("crash@test.co");
    coupon::CouponStore store(*pool_);
    auto created = Run(store.Create("CRASH", 10, 5, ToEpochMillis(clock_.Now()) + 3'600'000));
    ASSERT_TRUE(created.ok());
    const std::string cid = std::to_string(created->id);
    // A committed charge before the crash must survive it.
    balance::BalanceStore balances(*pool_);
    ASSERT_TRUE(Run(balances.Charge(user, 1234, std::nullopt, ToEpochMillis(clock_.Now()))).ok());
    // Half a coupon issue: holder row inserted, counter not yet updated, no COMMIT.
    auto half = [&]() -> asio::awaitable<bool> {
        auto conn = co_await pool_->Acquire();
        if (!conn.ok()) co_return false;
        if (!(co_await db::Begin(conn.value())).ok()) co_return false;
        auto r = co_await conn->Query("INSERT INTO user_coupons (user_id, coupon_id, issued_at) VALUES (" +
                                      std::to_string(user) + ", " + cid + ", NOW(3))");
        conn->MarkBroken();
        co_return r.ok();
    };
    ASSERT_TRUE(Run(half()));
    db_.Kill9();
    db_.Start();
    EXPECT_EQ(db_.Sql("SELECT COUNT(*) FROM user_coupons WHERE coupon_id = " + cid), "0\n");
    EXPECT_EQ(db_.Sql("SELECT issued_quantity FROM coupons WHERE id = " + cid), "0\n");
    EXPECT_EQ(db_.Sql("SELECT balance FROM users WHERE id = " + std::to_string(user)), "1234\n");
    // And the pool serves again after the restart.
    auto again = Run(store.Issue(user, created->id, ToEpochMillis(clock_.Now())));
    for (int i = 0; i < 20 && !again.ok(); ++i) {
        again = Run(store.Issue(user, created->id, ToEpochMillis(clock_.Now())));
    }
    ASSERT_TRUE(again.ok()) << again.error().detail;
    EXPECT_EQ(db_.Sql("SELECT issued_quantity FROM coupons WHERE id = " + cid), "1\n");
}

}  // namespace
}  // namespace hhplus
