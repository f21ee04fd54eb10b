// The services against real MariaDB and Redis, many coroutines at once on one io_context: the
// invariants of api.md must hold exactly (balances to the won, coupons never N+1), and a crash
// in the middle of a transaction must leave nothing half-done.
#include <utility>

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <sstream>
#include <thread>

#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "domain/auth/user_store.hpp"
#include "domain/balance/balance_service.hpp"
#include "domain/coupon/coupon_service.hpp"
#include "lock/lock_manager.hpp"
#include "redis/client.hpp"
#include "tests/integration/domain/domain_fixture.hpp"

namespace hhplus {
namespace {

namespace asio = boost::asio;

class DomainConcurrency : public DomainFixture {};

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
    EXPECT_EQ(
        db_.Sql(
            "SELECT COUNT(*), SUM(amount), MAX(after_amount) FROM balance_logs WHERE user_id = " +
            std::to_string(user)),
        std::to_string(kCharges) + "\t" + std::to_string(kCharges * kAmount) + "\t" +
            std::to_string(kCharges * kAmount) + "\n");
}

TEST_F(DomainConcurrency, ThreeHundredIssuesOnAHundredGiveExactlyAHundred) {
    coupon::CouponStore store(*pool_);
    coupon::CouponCache cache(*cache_client_);
    coupon::CouponService service(store, cache, clock_);
    auto created = Run(service.Create("RACE", 10, 100, ToEpochMillis(clock_.Now()) + 3'600'000));
    ASSERT_TRUE(created.ok());
    const auto coupon_id = created->id;
    std::vector<std::int64_t> users;
    for (int i = 0; i < 300; ++i)
        users.push_back(NewUser("racer" + std::to_string(i) + "@test.co"));
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

// The fence: a holder paused past its lease comes back with the version it read
// when it took the lock; someone else has written since, so its compare-and-set must refuse
// (S001 "fenced", the outcome label the fault tool counts) and leave no holder row behind.
TEST_F(DomainConcurrency, AStaleFenceIsRefusedAndWritesNothing) {
    coupon::CouponStore store(*pool_);
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

// One batch transaction answers each user as a serial run in the same order would: a holder
// C005 (even once sold out), the first `remaining` others issued in batch order, the rest C001;
// an expired coupon: holders C005, the others C003. And with a stale fence the whole batch is
// refused with nothing written.
TEST_F(DomainConcurrency, ABatchAnswersAsASerialRunInTheSameOrder) {
    coupon::CouponStore store(*pool_);
    const auto now = ToEpochMillis(clock_.Now());
    auto created = Run(store.Create("BATCH", 10, 4, now + 3'600'000));
    ASSERT_TRUE(created.ok());
    const auto coupon_id = created->id;
    const std::string cid = std::to_string(coupon_id);
    std::vector<std::int64_t> u;
    for (int i = 0; i < 6; ++i) u.push_back(NewUser("batch" + std::to_string(i) + "@test.co"));
    ASSERT_TRUE(Run(store.Issue(u[0], coupon_id, now)).ok());  // u0 holds it already: 3 remain

    auto version = Run(store.ReadVersion(coupon_id));
    ASSERT_TRUE(version.ok() && version.value());
    const std::uint64_t fence = *version.value();
    auto stale = Run(store.IssueBatch({u[1], u[2]}, coupon_id, now, fence - 1));
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.error().code, ErrorCode::kBusy);
    EXPECT_EQ(stale.error().detail, coupon::kFencedDetail);
    EXPECT_EQ(db_.Sql("SELECT COUNT(*), MAX(issued_quantity) FROM user_coupons JOIN coupons c ON "
                      "c.id = coupon_id "
                      "WHERE coupon_id = " +
                      cid),
              "1\t1\n");

    auto batch = Run(store.IssueBatch({u[1], u[0], u[2], u[3], u[4], u[5]}, coupon_id, now, fence));
    ASSERT_TRUE(batch.ok()) << batch.error().detail;
    const auto& answers = batch.value();
    ASSERT_EQ(answers.size(), 6u);
    EXPECT_TRUE(answers[0].ok());
    ASSERT_FALSE(answers[1].ok());
    EXPECT_EQ(answers[1].error().code, ErrorCode::kCouponAlreadyIssued);
    EXPECT_TRUE(answers[2].ok());
    EXPECT_TRUE(answers[3].ok());
    ASSERT_FALSE(answers[4].ok());
    EXPECT_EQ(answers[4].error().code, ErrorCode::kCouponSoldOut);
    ASSERT_FALSE(answers[5].ok());
    EXPECT_EQ(answers[5].error().code, ErrorCode::kCouponSoldOut);
    // Each issued answer carries the user's own holder row and the count after the batch.
    for (const int i : {0, 2, 3}) {
        ASSERT_TRUE(answers[static_cast<std::size_t>(i)].ok());
        const auto& issued = answers[static_cast<std::size_t>(i)].value();
        const std::int64_t user = i == 0 ? u[1] : u[static_cast<std::size_t>(i)];
        EXPECT_EQ(db_.Sql("SELECT user_id FROM user_coupons WHERE id = " +
                          std::to_string(issued.user_coupon_id)),
                  std::to_string(user) + "\n");
        EXPECT_EQ(issued.coupon.issued_quantity, 4);
    }
    EXPECT_EQ(db_.Sql("SELECT issued_quantity, version FROM coupons WHERE id = " + cid),
              "4\t" + std::to_string(fence + 1) + "\n");

    // Sold out: a holder still gets C005 first.
    auto after = Run(store.IssueBatch({u[4], u[2]}, coupon_id, now));
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after.value()[0].error().code, ErrorCode::kCouponSoldOut);
    EXPECT_EQ(after.value()[1].error().code, ErrorCode::kCouponAlreadyIssued);

    // Expired: C005 for holders, C003 for the others; unknown coupon: the whole batch C006.
    auto expired = Run(store.Create("OLD", 10, 10, now - 1));
    ASSERT_TRUE(expired.ok());
    ASSERT_TRUE(Run(store.Issue(u[5], expired->id, now - 10)).ok());
    auto late = Run(store.IssueBatch({u[4], u[5]}, expired->id, now));
    ASSERT_TRUE(late.ok());
    EXPECT_EQ(late.value()[0].error().code, ErrorCode::kCouponExpired);
    EXPECT_EQ(late.value()[1].error().code, ErrorCode::kCouponAlreadyIssued);
    auto unknown = Run(store.IssueBatch({u[4]}, coupon_id + 1000, now));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::kCouponNotFound);
}

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
        auto r = co_await conn->Query(
            "INSERT INTO user_coupons (user_id, coupon_id, issued_at) VALUES (" +
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

// The issue flow of one instance with combining, per strategy: the service with its cache and,
// for pubsub / polling, a LockManager on a real lock Redis.
class IssueBurst : public DomainConcurrency, public ::testing::WithParamInterface<const char*> {
  protected:
    // `ttl`: the lock's lease. The wait budget is a minute: these tests assert who gets what, not
    // how fast, so a slow machine must never turn a queued request into S001.
    void StartService(std::chrono::milliseconds ttl = lock::kDefaultTtl) {
        store_ = std::make_unique<coupon::CouponStore>(*pool_);
        cache_ = std::make_unique<coupon::CouponCache>(*cache_client_);
        service_ = std::make_unique<coupon::CouponService>(*store_, *cache_, clock_);
        service_->SetWaitBudget(std::chrono::seconds(60));
        service_->SetBatchObserver(
            [this](const char* result, std::size_t size) { batches_.emplace_back(result, size); });
        const std::string strategy = GetParam();
        if (strategy == "none") return;
        lock::LockOptions options;
        options.mode = strategy == "pubsub" ? lock::Mode::kPubSub : lock::Mode::kPolling;
        options.ttl = ttl;
        options.client.command_timeout = std::chrono::seconds(30);
        locks_ = std::make_unique<lock::LockManager>(
            io_.get_executor(),
            std::vector<redis::Endpoint>{*redis::ParseRedisUrl(lock_redis_.Url())}, options);
        locks_->Start();
        RunUntil([&] { return locks_->QuorumAvailable(); });
        service_->UseLock(locks_.get());
    }
    void TearDown() override {
        if (locks_) locks_->Stop();
        DomainConcurrency::TearDown();
    }
    // `count` users made in one statement (a burst needs thousands; one insert each would be the
    // slowest part of the test).
    std::vector<std::int64_t> BulkUsers(const std::string& tag, int count) {
        db_.Sql("INSERT INTO users (email, password_hash) SELECT CONCAT('" + tag +
                "', seq, '@test.co'), 'x' "
                "FROM seq_1_to_" +
                std::to_string(count));
        std::vector<std::int64_t> ids;
        std::istringstream lines(
            db_.Sql("SELECT id FROM users WHERE email LIKE '" + tag + "%' ORDER BY id"));
        for (std::string line; std::getline(lines, line);) ids.push_back(std::stoll(line));
        EXPECT_EQ(ids.size(), static_cast<std::size_t>(count));
        return ids;
    }
    struct Tally {
        int issued = 0, sold_out = 0;
        std::vector<std::string> other;
        int total() const { return issued + sold_out + static_cast<int>(other.size()); }
    };
    // Every user asks once, all at once, on the one io_context; returns the answers' tally.
    Tally Burst(const std::vector<std::int64_t>& users, std::int64_t coupon_id) {
        Tally tally;
        auto one = [&](std::int64_t user) -> asio::awaitable<void> {
            auto r = co_await service_->Issue(user, coupon_id);
            if (r.ok()) {
                ++tally.issued;
            } else if (r.error().code == ErrorCode::kCouponSoldOut) {
                ++tally.sold_out;
            } else {
                tally.other.push_back("code " + std::to_string(static_cast<int>(r.error().code)) +
                                      " " + r.error().detail);
            }
        };
        for (auto u : users) asio::co_spawn(io_, one(u), asio::detached);
        RunUntil([&] { return tally.total() == static_cast<int>(users.size()); });
        return tally;
    }

    testing::RedisServer lock_redis_;
    std::unique_ptr<coupon::CouponStore> store_;
    std::unique_ptr<coupon::CouponCache> cache_;
    std::unique_ptr<coupon::CouponService> service_;
    std::unique_ptr<lock::LockManager> locks_;
    std::vector<std::pair<std::string, std::size_t>> batches_;
};

// Issue 11's burst: 3,000 requests at once on one instance for 1,000 coupons → exactly 1,000
// issued, 2,000 sold out, nobody told "busy" while coupons remained, in far fewer transactions
// than requests.
TEST_P(IssueBurst, ThreeThousandAtOnceOnAThousandServeExactlyAThousandAndShedNone) {
    StartService();
    auto created =
        Run(service_->Create("BURST", 10, 1000, ToEpochMillis(clock_.Now()) + 3'600'000));
    ASSERT_TRUE(created.ok());
    const auto users = BulkUsers(std::string("burst-") + GetParam() + "-", 3000);
    const auto tally = Burst(users, created->id);
    EXPECT_TRUE(tally.other.empty())
        << tally.other.size() << " other answers, first: " << tally.other.front();
    EXPECT_EQ(tally.issued, 1000);
    EXPECT_EQ(tally.sold_out, 2000);
    auto audit = Run(service_->Audit(created->id));
    ASSERT_TRUE(audit.ok());
    EXPECT_EQ(audit->issued_quantity, 1000);
    EXPECT_EQ(audit->holder_rows, 1000);
    EXPECT_EQ(audit->distinct_holders, 1000);
    std::size_t served = 0, batched = 0;
    for (const auto& [result, size] : batches_) {
        EXPECT_EQ(result, "served");
        ++served;
        batched += size;
    }
    // Requests refused from the cache's sold-out flag never reach a batch; every other did, and
    // at least one batch served more than one request (otherwise nothing was combined).
    EXPECT_LE(batched, 3000u);
    EXPECT_GE(batched, 1000u);
    EXPECT_LT(served, batched);
}

// A holder stalled past its lease with a batch in hand: the batch is refused whole (nothing of it
// written) and served again by the next holder, each request answered once.
class IssueUnderLock : public IssueBurst {};  // the lock strategies only: `none` has no lease

TEST_P(IssueUnderLock, ABatchWhoseLeaseRanOutIsRefusedWholeAndServedAgain) {
    const auto ttl = std::chrono::milliseconds(600);
    StartService(ttl);
    auto created = Run(service_->Create("STALL", 10, 100, ToEpochMillis(clock_.Now()) + 3'600'000));
    ASSERT_TRUE(created.ok());
    const std::string cid = std::to_string(created->id);
    const auto users = BulkUsers(std::string("stall-") + GetParam() + "-", 40);
    // Another session holds the coupon row, so the batch transaction will wait on it.
    auto blocker = Run(pool_->Acquire());
    ASSERT_TRUE(blocker.ok());
    // The blocker stays idle in its transaction longer than the pool's idle_transaction_timeout
    // on a slow machine; lift it for this session (not reused afterwards).
    ASSERT_TRUE(Run(blocker->Query("SET SESSION idle_transaction_timeout = 0")).ok());
    blocker->MarkBroken();
    ASSERT_TRUE(Run(db::Begin(blocker.value())).ok());
    ASSERT_TRUE(
        Run(blocker->Query("SELECT id FROM coupons WHERE id = " + cid + " FOR UPDATE")).ok());
    Tally tally;
    auto one = [&](std::int64_t user) -> asio::awaitable<void> {
        auto r = co_await service_->Issue(user, created->id);
        if (r.ok()) {
            ++tally.issued;
        } else {
            tally.other.push_back("code " + std::to_string(static_cast<int>(r.error().code)) + " " +
                                  r.error().detail);
        }
    };
    for (auto u : users) asio::co_spawn(io_, one(u), asio::detached);
    // Until the batch waits on the row lock: it holds the lease and has read its fence. Counted
    // by InnoDB's status counter: information_schema.innodb_trx was seen (MariaDB 10.11) not to
    // list a transaction whose first statement waits on a const-row lock while the optimizer
    // reads it (state "Statistics"), though SHOW ENGINE INNODB STATUS showed it waiting.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    io_.restart();
    while (db_.Sql("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE "
                   "VARIABLE_NAME = 'INNODB_ROW_LOCK_CURRENT_WAITS'") != "1\n") {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline)
            << "the batch never waited on the row";
        io_.run_for(std::chrono::milliseconds(50));
    }
    // The stall: this thread is the process's only event loop, so while it sleeps nothing renews
    // the lease, exactly like a paused process. Past 2 TTLs the lock key has surely expired.
    std::this_thread::sleep_for(2 * ttl + std::chrono::milliseconds(200));
    // The next holder (another process: its own LockManager) takes the lock and writes (the
    // blocking session moves the version on).
    lock::LockManager other(io_.get_executor(), {*redis::ParseRedisUrl(lock_redis_.Url())},
                            locks_->options());
    other.Start();
    RunUntil([&] { return other.QuorumAvailable(); });
    auto next = Run(other.Acquire("coupon:" + cid, std::chrono::seconds(60)));
    ASSERT_TRUE(next.ok()) << "the stalled holder's key should have expired";
    ASSERT_TRUE(
        Run(blocker->Query("UPDATE coupons SET version = version + 1 WHERE id = " + cid)).ok());
    ASSERT_TRUE(Run(db::Commit(blocker.value())).ok());
    Run(next.value()->Release());
    other.Stop();
    RunUntil([&] { return tally.issued + static_cast<int>(tally.other.size()) == 40; });
    EXPECT_TRUE(tally.other.empty()) << tally.other.front();
    EXPECT_EQ(tally.issued, 40);
    ASSERT_FALSE(batches_.empty());
    EXPECT_TRUE(batches_.front().first == "fenced" || batches_.front().first == "lease_lost")
        << batches_.front().first;
    std::size_t refused = 0;
    for (const auto& [result, size] : batches_) {
        if (result != "served") refused += size;
    }
    EXPECT_GE(refused, 1u);
    EXPECT_EQ(db_.Sql("SELECT issued_quantity FROM coupons WHERE id = " + cid), "40\n");
    EXPECT_EQ(
        db_.Sql("SELECT COUNT(*), COUNT(DISTINCT user_id) FROM user_coupons WHERE coupon_id = " +
                cid),
        "40\t40\n");
}

INSTANTIATE_TEST_SUITE_P(Strategies, IssueBurst, ::testing::Values("none", "pubsub", "polling"),
                         [](const auto& info) { return std::string(info.param); });
INSTANTIATE_TEST_SUITE_P(Strategies, IssueUnderLock, ::testing::Values("pubsub", "polling"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace hhplus
