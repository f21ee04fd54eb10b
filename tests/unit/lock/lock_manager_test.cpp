// The lock's timing rules on fake time (lock_fakes.hpp: a manual clock, in-memory masters): the
// watchdog's renewal at TTL/3, a lost lease detected and reported, the polling and pub/sub retry
// timers, the wait budget and its errors, and the hand-off of a hold from one lease to the next.
// Every instant below is lock time since the test's start, exact to the millisecond because
// nothing but the test moves the clock. The same class against real Redis, with real time:
// tests/integration/lock/lock_manager_test.cpp.
#include "lock/lock_manager.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/lock/lock_fakes.hpp"

namespace hhplus::lock {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;
using testing::FakeMasters;
using testing::FakeRedis;
using testing::LoopDriver;
using testing::ManualLockClock;
using AcquireResult = Result<std::shared_ptr<Lease>, LockErrc>;

// Defaults (lock_manager.hpp): TTL 3000 ms, drift 32 ms, so a fresh hold is trusted for
// 3000 − 32 = 2968 ms and renewed every 3000 / 3 = 1000 ms.
constexpr Millis kTtl = kDefaultTtl;
constexpr Millis kTrusted = kDefaultTtl - kDefaultClockDrift;
constexpr Millis kRenewPeriod = kDefaultTtl / 3;
const std::string kKey = "lock:k";  // "k" with the default prefix

struct Pending {
    std::optional<AcquireResult> result;
    Millis at{-1};  // lock time when Acquire returned
};

asio::awaitable<void> AcquireInto(LockManager* locks, std::string key, Millis budget,
                                  std::shared_ptr<Pending> out,
                                  std::shared_ptr<ManualLockClock> clock) {
    auto result = co_await locks->Acquire(std::move(key), budget);
    out->at = clock->Elapsed();
    out->result.emplace(std::move(result));
}

asio::awaitable<void> ReleaseInto(std::shared_ptr<Lease> lease, std::shared_ptr<bool> done) {
    co_await lease->Release();
    *done = true;
}

asio::awaitable<void> WaitLostInto(std::shared_ptr<Lease> lease, std::shared_ptr<bool> done) {
    co_await lease->WaitLost();
    *done = true;
}

void Detach(asio::io_context& ioc, asio::awaitable<void> work) {
    asio::co_spawn(ioc, std::move(work), [](const std::exception_ptr& e) {
        if (e) std::rethrow_exception(e);
    });
}

class LockTimingTest : public ::testing::Test {
  protected:
    std::unique_ptr<LockManager> Make(const LockOptions& options = {}) {
        LockMetrics metrics;
        metrics.on_acquire = [this](std::string_view result, double) {
            results_.emplace_back(result);
        };
        metrics.on_lost = [this] { ++lost_; };
        metrics.on_wakeup = [this] { ++wakeups_; };
        const std::vector<std::shared_ptr<FakeRedis>> masters{redis_};
        auto locks = std::make_unique<LockManager>(ioc_.get_executor(),
                                                   FakeMasters(ioc_.get_executor(), masters),
                                                   options, metrics, clock_);
        locks->Start();
        return locks;
    }

    std::shared_ptr<Pending> StartAcquire(LockManager& locks, std::string key, Millis budget) {
        auto pending = std::make_shared<Pending>();
        Detach(ioc_, AcquireInto(&locks, std::move(key), budget, pending, clock_));
        return pending;
    }

    // An acquisition expected to succeed without any time passing.
    std::shared_ptr<Lease> AcquireNow(LockManager& locks, std::string key = "k") {
        const auto pending = StartAcquire(locks, std::move(key), 1000ms);
        loop_.Drain();
        if (!pending->result || !pending->result->ok()) {
            ADD_FAILURE() << "not acquired at once";
            return nullptr;
        }
        return pending->result->value();
    }

    void Release(const std::shared_ptr<Lease>& lease) {
        auto done = std::make_shared<bool>(false);
        Detach(ioc_, ReleaseInto(lease, done));
        loop_.Drain();
        EXPECT_TRUE(*done) << "Release did not finish without time passing";
    }

    SteadyTime At(Millis lock_time) const {
        return SteadyTime{} + ManualLockClock::kStart + lock_time;
    }

    std::shared_ptr<ManualLockClock> clock_ = std::make_shared<ManualLockClock>();
    std::shared_ptr<FakeRedis> redis_ = std::make_shared<FakeRedis>(clock_);
    asio::io_context ioc_;
    LoopDriver loop_{ioc_, *clock_};
    std::vector<std::string> results_;
    int lost_ = 0;
    int wakeups_ = 0;
};

// ---- watchdog -------------------------------------------------------------------------------

TEST_F(LockTimingTest, WatchdogRenewsEveryThirdOfTheTtlAndStopsWithTheRelease) {
    const auto locks = Make();
    const auto lease = AcquireNow(*locks);
    ASSERT_NE(lease, nullptr);
    EXPECT_EQ(lease->ValidUntil(), At(kTrusted));

    loop_.Advance(kRenewPeriod - 1ms);
    EXPECT_EQ(redis_->Count("RENEW"), 0u) << "renewed before TTL/3";
    loop_.Advance(1ms);
    EXPECT_EQ(redis_->TimesOf("RENEW"), (std::vector<Millis>{1000ms}));

    loop_.Advance(9000ms);  // to 10 s: more than three TTLs
    std::vector<Millis> expected;
    for (Millis at = kRenewPeriod; at <= 10000ms; at += kRenewPeriod) expected.push_back(at);
    EXPECT_EQ(redis_->TimesOf("RENEW"), expected);
    EXPECT_FALSE(lease->Lost());
    EXPECT_EQ(redis_->Get(kKey), lease->token()) << "the key outlived its first TTL by renewals";
    // Trusted from the start of the last renewal (10 s), not from its answer.
    EXPECT_EQ(lease->ValidUntil(), At(10000ms + kTrusted));

    Release(lease);
    EXPECT_FALSE(redis_->Get(kKey));
    loop_.Advance(5 * kRenewPeriod);
    EXPECT_EQ(redis_->Count("RENEW"), 10u) << "the watchdog outlived the release";
    EXPECT_EQ(lost_, 0);
}

TEST_F(LockTimingTest, RefusedRenewalMarksTheLeaseLostAndReportsItOnce) {
    const auto locks = Make();
    const auto lease = AcquireNow(*locks);
    ASSERT_NE(lease, nullptr);
    int handler_calls = 0;
    lease->OnLost([&handler_calls] { ++handler_calls; });
    auto waited = std::make_shared<bool>(false);
    Detach(ioc_, WaitLostInto(lease, waited));

    loop_.Advance(500ms);
    redis_->Hold(kKey, "successor", kTtl);  // our key vanished and another process took it
    loop_.Advance(kRenewPeriod - 500ms - 1ms);
    EXPECT_FALSE(lease->Lost()) << "nothing can know before the renewal";
    EXPECT_FALSE(*waited);

    loop_.Advance(1ms);  // the renewal at TTL/3 answers 0
    EXPECT_EQ(redis_->TimesOf("RENEW"), (std::vector<Millis>{1000ms}));
    EXPECT_TRUE(lease->Lost());
    EXPECT_EQ(handler_calls, 1);
    EXPECT_TRUE(*waited);
    EXPECT_EQ(lost_, 1);
    // The clean-up after the loss deletes only our own token: the successor keeps its key.
    EXPECT_EQ(redis_->Get(kKey), "successor");

    loop_.Advance(5 * kRenewPeriod);
    EXPECT_EQ(redis_->Count("RENEW"), 1u) << "a lost lease was renewed again";
    EXPECT_EQ(handler_calls, 1);
    EXPECT_EQ(lost_, 1);
}

TEST_F(LockTimingTest, RenewalAnsweredAfterTheValidityLosesTheLease) {
    const auto locks = Make();
    const auto lease = AcquireNow(*locks);
    ASSERT_NE(lease, nullptr);
    // Sent at 1000 ms, applied and answered at 2990 ms: the master renews (its key expires at
    // 3000), but the answer comes after the lease's trust ended at 2968 ms.
    redis_->latency = 1990ms;
    loop_.Advance(kTrusted - 1ms);
    EXPECT_FALSE(lease->Lost());
    loop_.Advance(1ms);
    // Lost() turns true on the local validity alone, before the watchdog hears anything.
    EXPECT_TRUE(lease->Lost());
    EXPECT_EQ(lost_, 0);
    loop_.Advance(2990ms - kTrusted);
    EXPECT_EQ(redis_->TimesOf("RENEW"), (std::vector<Millis>{2990ms}));
    EXPECT_EQ(lost_, 1) << "a renewal answered too late must not extend the lease";
}

TEST_F(LockTimingTest, PromptRenewalExtendsTheValidityFromItsStart) {
    const auto locks = Make();
    const auto lease = AcquireNow(*locks);
    ASSERT_NE(lease, nullptr);
    redis_->latency = 100ms;  // sent at 1000 ms, answered at 1100 ms
    loop_.Advance(1100ms);
    EXPECT_EQ(redis_->TimesOf("RENEW"), (std::vector<Millis>{1100ms}));
    EXPECT_FALSE(lease->Lost());
    EXPECT_EQ(lease->ValidUntil(), At(1000ms + kTrusted));
}

// ---- polling --------------------------------------------------------------------------------

TEST_F(LockTimingTest, PollingRetriesAtJitteredIntervalsAndTimesOutAtTheBudget) {
    LockOptions options;
    options.mode = Mode::kPolling;
    const auto locks = Make(options);
    redis_->Hold(kKey, "holder", 10s);
    const auto pending = StartAcquire(*locks, "k", 1000ms);

    loop_.Advance(999ms);
    EXPECT_FALSE(pending->result) << "gave up before its budget";
    loop_.Advance(1ms);
    ASSERT_TRUE(pending->result);
    ASSERT_FALSE(pending->result->ok());
    EXPECT_EQ(pending->result->error(), LockErrc::kTimeout);
    EXPECT_EQ(pending->at, 1000ms);
    EXPECT_EQ(results_, (std::vector<std::string>{"timeout"}));

    // Attempts: at once, then every retry_interval (50 ms) jittered over [25, 75) ms, none at or
    // past the deadline; plain SET NX only (no script, no subscription).
    const auto at = redis_->TimesOf("SET");
    ASSERT_FALSE(at.empty());
    EXPECT_EQ(at.front(), 0ms);
    for (std::size_t i = 1; i < at.size(); ++i) {
        const Millis gap = at[i] - at[i - 1];
        EXPECT_GE(gap, kDefaultRetryInterval / 2) << "attempt " << i;
        EXPECT_LT(gap, kDefaultRetryInterval * 3 / 2) << "attempt " << i;
    }
    EXPECT_LT(at.back(), 1000ms);
    EXPECT_GE(at.size(), 1000u / 75);  // 1000 ms of gaps under 75 ms each
    EXPECT_EQ(redis_->Count("ACQUIRE") + redis_->Count("SUBSCRIBE"), 0u);
}

TEST_F(LockTimingTest, PollingTakesTheLockOnTheFirstRetryAfterTheHolderExpires) {
    LockOptions options;
    options.mode = Mode::kPolling;
    const auto locks = Make(options);
    redis_->Hold(kKey, "holder", 120ms);
    const auto pending = StartAcquire(*locks, "k", 1000ms);
    loop_.Advance(1000ms);
    ASSERT_TRUE(pending->result);
    ASSERT_TRUE(pending->result->ok());
    EXPECT_GE(pending->at, 120ms);
    EXPECT_LT(pending->at, 120ms + kDefaultRetryInterval * 3 / 2);
    EXPECT_EQ(redis_->TimesOf("SET").back(), pending->at);
    EXPECT_EQ(redis_->Get(kKey), pending->result->value()->token());
}

// ---- pub/sub --------------------------------------------------------------------------------

TEST_F(LockTimingTest, PubSubHeadWithoutAMessageRetriesWhenTheHoldersKeyExpires) {
    const auto locks = Make();
    redis_->Hold(kKey, "holder", 800ms);  // a holder that dies: no release message ever comes
    const auto pending = StartAcquire(*locks, "k", 2000ms);
    loop_.Drain();
    // Try first (plain SET), subscribe on failure, retry at once by script (which tells the PTTL).
    ASSERT_EQ(redis_->calls.size(), 3u);
    EXPECT_EQ(redis_->calls[0].what, "SET");
    EXPECT_EQ(redis_->calls[1].what, "SUBSCRIBE");
    EXPECT_EQ(redis_->calls[2].what, "ACQUIRE");

    loop_.Advance(799ms);
    EXPECT_FALSE(pending->result);
    EXPECT_EQ(redis_->calls.size(), 3u) << "the head retried before the holder's PTTL";
    loop_.Advance(1ms);  // the safety net: sleep until the PTTL the script answered
    ASSERT_TRUE(pending->result);
    ASSERT_TRUE(pending->result->ok());
    EXPECT_EQ(pending->at, 800ms);
    EXPECT_EQ(redis_->TimesOf("ACQUIRE"), (std::vector<Millis>{0ms, 800ms}));
    EXPECT_EQ(wakeups_, 0);
}

TEST_F(LockTimingTest, PubSubReleaseMessageWakesTheOtherProcessAtOnce) {
    const auto first = Make();  // two processes over the same master
    const auto second = Make();
    const auto lease = AcquireNow(*first);
    ASSERT_NE(lease, nullptr);
    const auto pending = StartAcquire(*second, "k", 2000ms);
    loop_.Advance(100ms);
    EXPECT_FALSE(pending->result);
    Release(lease);  // the release script publishes; the message reaches the second process
    ASSERT_TRUE(pending->result);
    ASSERT_TRUE(pending->result->ok());
    EXPECT_EQ(pending->at, 100ms) << "woken by the message, not by a timer";
    EXPECT_EQ(wakeups_, 1);
}

TEST_F(LockTimingTest, PubSubWaiterGivesUpAtItsBudgetWithTimeout) {
    const auto first = Make();
    const auto second = Make();
    const auto lease = AcquireNow(*first);  // renewed throughout: never free
    ASSERT_NE(lease, nullptr);
    const auto pending = StartAcquire(*second, "k", 500ms);
    loop_.Advance(499ms);
    EXPECT_FALSE(pending->result);
    loop_.Advance(1ms);
    ASSERT_TRUE(pending->result);
    ASSERT_FALSE(pending->result->ok());
    EXPECT_EQ(pending->result->error(), LockErrc::kTimeout);  // → 503 S001 in the service
    EXPECT_EQ(pending->at, 500ms);
    // The head's sleep (the holder's PTTL, 3000 ms) was cut to the budget, and no attempt was
    // made at or past the deadline.
    EXPECT_EQ(redis_->TimesOf("ACQUIRE"), (std::vector<Millis>{0ms}));
    EXPECT_EQ(results_, (std::vector<std::string>{"acquired", "timeout"}));
}

TEST_F(LockTimingTest, UnansweredAttemptsRetryEvery100MsAndEndUnavailable) {
    const auto locks = Make();
    // Connected, but no attempt gets an answer (a master stalled past the command timeout).
    redis_->override_reply =
        [](const FakeRedis::Call& call) -> std::optional<redis::RedisResult<redis::Reply>> {
        if (call.what != "SET" && call.what != "ACQUIRE") return std::nullopt;
        return redis::Error{redis::Errc::kTimeout, "fake stall"};
    };
    const auto pending = StartAcquire(*locks, "k", 350ms);
    loop_.Advance(350ms);
    ASSERT_TRUE(pending->result);
    ASSERT_FALSE(pending->result->ok());
    EXPECT_EQ(pending->result->error(), LockErrc::kUnavailable);  // → S002 in the service
    EXPECT_EQ(pending->at, 350ms);
    // SET then the scripted retry after subscribing, both at 0; then every
    // kUnavailableRetryDelay (100 ms) until the budget.
    EXPECT_EQ(redis_->TimesOf("SET"), (std::vector<Millis>{0ms}));
    EXPECT_EQ(redis_->TimesOf("ACQUIRE"), (std::vector<Millis>{0ms, 100ms, 200ms, 300ms}));
}

TEST_F(LockTimingTest, NoQuorumConnectedIsRefusedAtOnce) {
    const auto locks = Make();
    redis_->up = false;
    const auto pending = StartAcquire(*locks, "k", 1000ms);
    loop_.Drain();
    ASSERT_TRUE(pending->result);
    ASSERT_FALSE(pending->result->ok());
    EXPECT_EQ(pending->result->error(), LockErrc::kUnavailable);
    EXPECT_EQ(pending->at, 0ms);
    EXPECT_TRUE(redis_->calls.empty());
}

// ---- hand-off -------------------------------------------------------------------------------

// The lock has no fencing token (lock_manager.hpp: the storage fences by row version). What it
// does order is the ownership of a hold: each local hand-off moves it to the next Lease for good,
// and a superseded Lease can neither release nor renew what it passed on.
TEST_F(LockTimingTest, HandedOnHoldBelongsOnlyToTheNextLease) {
    const auto locks = Make();
    const auto first = AcquireNow(*locks);
    ASSERT_NE(first, nullptr);
    const auto pending = StartAcquire(*locks, "k", 2000ms);
    loop_.Advance(5ms);
    const auto calls_before = redis_->calls.size();

    Release(first);  // 5 ms after the acquisition: inside the 20 ms hand-off window
    ASSERT_TRUE(pending->result);
    ASSERT_TRUE(pending->result->ok());
    const auto second = pending->result->value();
    EXPECT_EQ(pending->at, 5ms);
    EXPECT_EQ(second->token(), first->token()) << "the same Redis hold";
    EXPECT_EQ(redis_->calls.size(), calls_before) << "a local hand-off sends nothing to Redis";
    EXPECT_TRUE(first->Released());
    EXPECT_FALSE(second->Released());
    EXPECT_FALSE(first->Lost()) << "a handed-on lease is released, not lost";

    Release(first);  // again: the old owner cannot end the new owner's hold
    EXPECT_EQ(redis_->Get(kKey), second->token());
    loop_.Advance(kRenewPeriod);  // one watchdog for the hold, renewing for the new owner
    EXPECT_EQ(redis_->TimesOf("RENEW"), (std::vector<Millis>{1000ms}));
    EXPECT_FALSE(second->Lost());

    Release(second);
    EXPECT_FALSE(redis_->Get(kKey));
    EXPECT_EQ(redis_->Count("RELEASE"), 1u);
}

TEST_F(LockTimingTest, ReleasePastTheHandOffWindowGoesThroughRedis) {
    const auto locks = Make();
    const auto first = AcquireNow(*locks);
    ASSERT_NE(first, nullptr);
    const auto pending = StartAcquire(*locks, "k", 2000ms);
    loop_.Advance(21ms);  // past the 20 ms window (kLocalHandOffWindow)
    Release(first);
    ASSERT_TRUE(pending->result);
    ASSERT_TRUE(pending->result->ok());
    EXPECT_EQ(pending->at, 21ms);  // woken by its own process's release, no timer
    EXPECT_EQ(redis_->Count("RELEASE"), 1u);
    EXPECT_NE(pending->result->value()->token(), first->token()) << "a new hold";
    EXPECT_EQ(redis_->Get(kKey), pending->result->value()->token());
}

}  // namespace
}  // namespace hhplus::lock
