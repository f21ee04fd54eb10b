// CouponService's issue flow on fakes of its three interfaces (coupon_ports.hpp): the cache's
// fast path, then lock → fence (the coupon's version) → batch → cache merge → answer, and what
// happens to a batch when the fence or the lease says the holder stalled. No database, no
// Redis: every fake answers at once and logs what it was asked, in order.
#include "domain/coupon/coupon_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hhplus::coupon {
namespace {

namespace asio = boost::asio;
using Log = std::vector<std::string>;

constexpr std::int64_t kCouponId = 1;
// 2100-01-01T00:00:00Z: far past any run of this test, so the coupon is never expired.
constexpr std::int64_t kFarFutureMs = 4'102'444'800'000;

Coupon TheCoupon(std::int64_t issued) {
    Coupon c;
    c.id = kCouponId;
    c.name = "rush";
    c.discount_rate = 10;
    c.total_quantity = 100;
    c.issued_quantity = issued;
    c.expired_at_ms = kFarFutureMs;
    return c;
}

class FakeStore final : public CouponStoreApi {
  public:
    explicit FakeStore(Log& log) : log_(log) {}

    std::vector<std::int64_t> holders;
    std::uint64_t version = 7;  // each read returns the current version, then moves it on
    int fenced_batches = 0;     // the next this many batches are refused by the fence
    bool sold_out = false;      // batches answer C001 to everyone
    std::int64_t issued = 0;
    std::vector<std::optional<std::uint64_t>> fences;  // of each batch

    asio::awaitable<Result<std::optional<Coupon>>> Find(std::int64_t) override {
        log_.push_back("find");
        // Sold out means issued == total, which is what makes the service flag it in the cache.
        std::optional<Coupon> found = TheCoupon(sold_out ? TheCoupon(0).total_quantity : issued);
        co_return found;
    }
    asio::awaitable<Result<Coupon>> Create(std::string, int, std::int64_t, std::int64_t) override {
        co_return TheCoupon(0);
    }
    asio::awaitable<Result<std::vector<Result<IssuedCoupon>>>> IssueBatch(
        std::vector<std::int64_t> user_ids, std::int64_t, std::int64_t now_ms,
        std::optional<std::uint64_t> fence) override {
        log_.push_back("batch");
        fences.push_back(fence);
        if (fenced_batches > 0) {
            --fenced_batches;
            Result<std::vector<Result<IssuedCoupon>>> fenced =
                MakeError(ErrorCode::kBusy, std::string(kFencedDetail));
            co_return fenced;
        }
        std::vector<Result<IssuedCoupon>> answers;
        for (const auto user : user_ids) {
            if (sold_out) {
                answers.emplace_back(MakeError(ErrorCode::kCouponSoldOut, "fake sold out"));
                continue;
            }
            ++issued;
            IssuedCoupon issued_coupon;
            issued_coupon.user_coupon_id = user * 1000;
            issued_coupon.coupon = TheCoupon(issued);
            issued_coupon.issued_at_ms = now_ms;
            answers.emplace_back(issued_coupon);
        }
        co_return answers;
    }
    asio::awaitable<Result<std::optional<std::uint64_t>>> ReadVersion(std::int64_t) override {
        log_.push_back("version");
        std::optional<std::uint64_t> current = version++;
        co_return current;
    }
    asio::awaitable<Result<bool>> Holds(std::int64_t user_id, std::int64_t) override {
        log_.push_back("holds");
        const bool holds = std::find(holders.begin(), holders.end(), user_id) != holders.end();
        co_return holds;
    }
    asio::awaitable<Result<std::vector<UserCoupon>>> ListForUser(std::int64_t) override {
        std::vector<UserCoupon> none;
        co_return none;
    }
    asio::awaitable<Result<std::optional<CouponAudit>>> Audit(std::int64_t) override {
        std::optional<CouponAudit> none;
        co_return none;
    }

  private:
    Log& log_;
};

// Remembers what was merged, so a sold-out merge powers the next request's fast path.
class FakeCache final : public CouponCacheApi {
  public:
    explicit FakeCache(Log& log) : log_(log) {}

    CachedCoupon state;

    asio::awaitable<redis::RedisResult<CachedCoupon>> Get(std::int64_t) override {
        log_.push_back("cache get");
        CachedCoupon copy = state;
        co_return copy;
    }
    asio::awaitable<redis::RedisResult<Ok>> Merge(const Coupon& coupon, bool sold_out) override {
        log_.push_back(sold_out ? "merge sold out" : "merge");
        state.has_meta = true;
        state.meta = coupon;
        state.coupon = coupon;
        state.sold_out = state.sold_out || sold_out;
        redis::RedisResult<Ok> merged = Ok{};  // named: g++ 12 and braced temporaries
        co_return merged;
    }
    asio::awaitable<redis::RedisResult<Ok>> Forget(std::int64_t) override {
        log_.push_back("forget");
        state = CachedCoupon{};
        redis::RedisResult<Ok> forgotten = Ok{};
        co_return forgotten;
    }

  private:
    Log& log_;
};

class FakeLease final : public IssueLease {
  public:
    FakeLease(Log& log, bool lost) : log_(log), lost_(lost) {}
    bool Lost() const override { return lost_; }
    asio::awaitable<void> Release() override {
        log_.push_back("release");
        co_return;
    }

  private:
    Log& log_;
    bool lost_;
};

class FakeLock final : public IssueLock {
  public:
    explicit FakeLock(Log& log) : log_(log) {}

    std::optional<lock::LockErrc> refuse;  // every Acquire fails with this
    bool leases_lost = false;              // every lease granted is already lost
    std::vector<std::string> keys;

    asio::awaitable<Result<std::unique_ptr<IssueLease>, lock::LockErrc>> Acquire(
        std::string key, std::chrono::milliseconds) override {
        log_.push_back("lock");
        keys.push_back(key);
        if (refuse) {
            Result<std::unique_ptr<IssueLease>, lock::LockErrc> refused = *refuse;
            co_return refused;
        }
        std::unique_ptr<IssueLease> lease = std::make_unique<FakeLease>(log_, leases_lost);
        co_return std::move(lease);
    }

  private:
    Log& log_;
};

asio::awaitable<void> IssueInto(CouponService* service, std::int64_t user,
                                std::shared_ptr<std::optional<Result<IssuedCoupon>>> out,
                                Log* log) {
    auto result = co_await service->Issue(user, kCouponId);
    log->push_back("answer");
    out->emplace(std::move(result));
}

class CouponServiceTest : public ::testing::Test {
  protected:
    CouponServiceTest() {
        service_.SetBatchObserver(
            [this](const char* result, std::size_t) { batches_.emplace_back(result); });
    }

    // Issues and runs the loop until the answer (every fake answers at once, so the loop goes
    // idle only when the flow is done or stuck).
    Result<IssuedCoupon> Issue(std::int64_t user) {
        auto out = std::make_shared<std::optional<Result<IssuedCoupon>>>();
        asio::co_spawn(ioc_, IssueInto(&service_, user, out, &log_),
                       [](const std::exception_ptr& e) {
                           if (e) std::rethrow_exception(e);
                       });
        ioc_.restart();
        ioc_.poll();
        if (!*out) {
            ADD_FAILURE() << "no answer without waiting";
            return MakeError(ErrorCode::kInternal, "test: no answer");
        }
        return std::move(**out);
    }

    std::size_t Count(const std::string& event) const {
        return static_cast<std::size_t>(std::count(log_.begin(), log_.end(), event));
    }
    std::ptrdiff_t IndexOf(const std::string& event) const {
        return std::find(log_.begin(), log_.end(), event) - log_.begin();
    }

    Log log_;
    FakeStore store_{log_};
    FakeCache cache_{log_};
    FakeLock lock_{log_};
    SystemClock clock_;
    CouponService service_{store_, cache_, clock_};
    std::vector<std::string> batches_;
    asio::io_context ioc_;
};

TEST_F(CouponServiceTest, SoldOutInTheCacheIsAnsweredWithoutLockOrBatch) {
    service_.UseIssueLock(&lock_);
    cache_.state.has_meta = true;
    cache_.state.meta = TheCoupon(100);
    cache_.state.sold_out = true;
    store_.holders = {7};

    const auto refused = Issue(42);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kCouponSoldOut);
    const auto holder = Issue(7);  // C005 before C001 (api.md's precedence)
    ASSERT_FALSE(holder.ok());
    EXPECT_EQ(holder.error().code, ErrorCode::kCouponAlreadyIssued);
    EXPECT_EQ(log_, (Log{"cache get", "holds", "answer", "cache get", "holds", "answer"}));
}

TEST_F(CouponServiceTest, ExpiredInTheCacheIsAnsweredWithoutLockOrBatch) {
    service_.UseIssueLock(&lock_);
    cache_.state.has_meta = true;
    cache_.state.meta = TheCoupon(0);
    cache_.state.meta.expired_at_ms = 1;  // 1970
    const auto refused = Issue(42);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kCouponExpired);
    EXPECT_EQ(Count("lock") + Count("batch"), 0u);
}

TEST_F(CouponServiceTest, IssueTakesTheLockThenTheFenceThenWritesThenCachesThenAnswers) {
    service_.UseIssueLock(&lock_);
    const auto issued = Issue(42);
    ASSERT_TRUE(issued.ok());
    EXPECT_EQ(issued->user_coupon_id, 42000);
    EXPECT_EQ(lock_.keys, (std::vector<std::string>{"coupon:1"}));
    // The batch is fenced by the version read under this lease (7, the first read).
    EXPECT_EQ(store_.fences, (std::vector<std::optional<std::uint64_t>>{7}));
    EXPECT_LT(IndexOf("lock"), IndexOf("version"));
    EXPECT_LT(IndexOf("version"), IndexOf("batch"));
    EXPECT_LT(IndexOf("batch"), IndexOf("merge"));
    EXPECT_LT(IndexOf("merge"), IndexOf("answer")) << "GET must show the count once answered";
    EXPECT_EQ(Count("release"), 1u);
    EXPECT_EQ(cache_.state.coupon->issued_quantity, 1);
    EXPECT_EQ(batches_, (std::vector<std::string>{"served"}));
}

TEST_F(CouponServiceTest, FencedBatchIsServedAgainUnderTheNextLeaseWithTheNewVersion) {
    service_.UseIssueLock(&lock_);
    store_.fenced_batches = 1;  // the first holder stalled: its version moved on
    const auto issued = Issue(42);
    ASSERT_TRUE(issued.ok());
    EXPECT_EQ(Count("lock"), 2u);
    EXPECT_EQ(Count("release"), 2u);
    // Each lease reads its own fence; the second batch carries the newer version.
    EXPECT_EQ(store_.fences, (std::vector<std::optional<std::uint64_t>>{7, 8}));
    EXPECT_EQ(batches_, (std::vector<std::string>{"fenced", "served"}));
    EXPECT_EQ(store_.issued, 1) << "written once";
}

TEST_F(CouponServiceTest, LostLeaseNeverWritesAndIsRefusedAfterThreeTries) {
    service_.UseIssueLock(&lock_);
    lock_.leases_lost = true;
    const auto refused = Issue(42);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kBusy);
    EXPECT_EQ(refused.error().detail, kLeaseLostDetail);
    EXPECT_EQ(Count("batch"), 0u) << "a lost lease must not write";
    EXPECT_EQ(Count("lock"), static_cast<std::size_t>(kMaxRefusedBatches));
    EXPECT_EQ(batches_, std::vector<std::string>(kMaxRefusedBatches, "lease_lost"));
}

TEST_F(CouponServiceTest, NoLockQuorumIsAnsweredDependencyUnavailable) {
    service_.UseIssueLock(&lock_);
    lock_.refuse = lock::LockErrc::kUnavailable;
    const auto refused = Issue(42);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kDependencyUnavailable);  // S002
    EXPECT_EQ(Count("version") + Count("batch"), 0u);
}

TEST_F(CouponServiceTest, WithoutALockTheBatchIsNotFenced) {
    const auto issued = Issue(42);
    ASSERT_TRUE(issued.ok());
    EXPECT_EQ(store_.fences, (std::vector<std::optional<std::uint64_t>>{std::nullopt}));
    EXPECT_EQ(Count("version") + Count("lock"), 0u);
}

TEST_F(CouponServiceTest, SoldOutFoundByABatchSendsTheNextRequestDownTheFastPath) {
    service_.UseIssueLock(&lock_);
    store_.sold_out = true;
    const auto first = Issue(42);
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(first.error().code, ErrorCode::kCouponSoldOut);
    EXPECT_LT(IndexOf("merge sold out"), IndexOf("answer"));
    EXPECT_TRUE(cache_.state.sold_out);

    log_.clear();
    const auto second = Issue(43);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::kCouponSoldOut);
    EXPECT_EQ(log_, (Log{"cache get", "holds", "answer"}));
}

}  // namespace
}  // namespace hhplus::coupon
