// LockManager against real redis-server processes, in one process: Redlock basics, the waiter
// limit, NOSCRIPT fallback, watchdog loss, subscription bookkeeping (try first, subscribe on
// failure, no missed release) and the 3-master quorum.
#include "lock/lock_manager.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/redis/async_test_util.hpp"
#include "tests/support/redis_server.hpp"

namespace hhplus::lock {
namespace {

using hhplus::redis::testing::Await;
using hhplus::redis::testing::RunUntil;
using hhplus::redis::testing::Spawn;
using hhplus::testing::RedisServer;
using std::chrono::milliseconds;
using AcquireResult = Result<std::shared_ptr<Lease>, LockErrc>;

boost::asio::awaitable<void> FlagWhenDone(boost::asio::awaitable<void> work,
                                          std::shared_ptr<bool> done) {
    co_await std::move(work);
    *done = true;
}

// Spawn for awaitable<void> (the shared helper needs a value type).
std::shared_ptr<bool> SpawnVoid(boost::asio::io_context& ioc, boost::asio::awaitable<void> work) {
    auto done = std::make_shared<bool>(false);
    boost::asio::co_spawn(ioc, FlagWhenDone(std::move(work), done), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    return done;
}

// redis-cli prints an empty array as an empty line.
bool Blank(const std::string& out) { return out.find_first_not_of('\n') == std::string::npos; }

struct Counters {
    int wakeups = 0;
    int lost = 0;
    std::vector<std::string> results;
};

class LockManagerTest : public ::testing::Test {
  protected:
    std::unique_ptr<LockManager> MakeManager(const std::vector<RedisServer*>& servers,
                                             LockOptions options = {}) {
        std::vector<redis::Endpoint> masters;
        for (auto* s : servers) masters.push_back(*redis::ParseRedisUrl(s->Url()));
        LockMetrics metrics;
        metrics.on_wakeup = [this] { ++counters_.wakeups; };
        metrics.on_lost = [this] { ++counters_.lost; };
        metrics.on_acquire = [this](std::string_view result, double) {
            counters_.results.emplace_back(result);
        };
        auto manager =
            std::make_unique<LockManager>(ioc_.get_executor(), masters, options, metrics);
        manager->Start();
        EXPECT_TRUE(RunUntil(ioc_, [&manager] { return manager->QuorumAvailable(); }));
        return manager;
    }

    AcquireResult Acquire(LockManager& m, const std::string& key, milliseconds budget) {
        return Await(ioc_, m.Acquire(key, budget));
    }

    void Release(const std::shared_ptr<Lease>& lease) {
        auto done = SpawnVoid(ioc_, lease->Release());
        if (!RunUntil(ioc_, [&done] { return *done; })) throw std::runtime_error("Release hung");
    }

    // Polls redis-cli (outside the loop) while letting the loop run in between.
    template <class Pred>
    bool EventuallyCli(RedisServer& server, const std::vector<std::string>& args, Pred pred) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            if (pred(server.Cli(args))) return true;
            RunUntil(
                ioc_, [] { return false; }, milliseconds(20));
        }
        return false;
    }

    static long CommandCalls(RedisServer& server, const std::string& command) {
        const std::string info = server.Cli({"INFO", "commandstats"});
        const std::string tag = "cmdstat_" + command + ":calls=";
        const auto at = info.find(tag);
        return at == std::string::npos ? 0 : std::atol(info.c_str() + at + tag.size());
    }

    boost::asio::io_context ioc_;
    Counters counters_;
};

TEST_F(LockManagerTest, AcquireSetsTheTokenAndReleaseDeletesIt) {
    RedisServer redis;
    auto locks = MakeManager({&redis});
    auto lease = Acquire(*locks, "coupon:1", milliseconds(1000));
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(lease.value()->key(), "coupon:1");
    EXPECT_EQ(lease.value()->token().size(), 32u);
    EXPECT_FALSE(lease.value()->Lost());
    EXPECT_EQ(redis.Cli({"GET", "lock:coupon:1"}), lease.value()->token() + "\n");
    const long pttl = std::atol(redis.Cli({"PTTL", "lock:coupon:1"}).c_str());
    EXPECT_GT(pttl, 0);
    EXPECT_LE(pttl, kDefaultTtl.count());

    // Held: a second attempt within a short budget times out.
    auto second = Acquire(*locks, "coupon:1", milliseconds(150));
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error(), LockErrc::kTimeout);

    Release(lease.value());
    EXPECT_TRUE(lease.value()->Released());
    EXPECT_EQ(redis.Cli({"EXISTS", "lock:coupon:1"}), "0\n");
    auto third = Acquire(*locks, "coupon:1", milliseconds(1000));
    ASSERT_TRUE(third.ok());
    EXPECT_NE(third.value()->token(), lease.value()->token());
    Release(third.value());
    EXPECT_EQ(counters_.results, (std::vector<std::string>{"acquired", "timeout", "acquired"}));
}

TEST_F(LockManagerTest, ReleaseOfAnExpiredLeaseDoesNotDeleteTheSuccessorsKey) {
    RedisServer redis;
    auto locks = MakeManager({&redis});
    auto lease = Acquire(*locks, "k", milliseconds(1000));
    ASSERT_TRUE(lease.ok());
    // Someone else got the key (as after an expiry).
    redis.Cli({"SET", "lock:k", "someone-else"});
    Release(lease.value());
    EXPECT_EQ(redis.Cli({"GET", "lock:k"}), "someone-else\n");
}

TEST_F(LockManagerTest, TooManyWaitersIsRefusedAtOnce) {
    RedisServer redis;
    LockOptions options;
    options.max_waiters_per_key = 2;
    auto locks = MakeManager({&redis}, options);
    auto holder = Acquire(*locks, "k", milliseconds(1000));
    ASSERT_TRUE(holder.ok());
    auto w1 = Spawn(ioc_, locks->Acquire("k", milliseconds(5000)));
    auto w2 = Spawn(ioc_, locks->Acquire("k", milliseconds(5000)));
    RunUntil(
        ioc_, [] { return false; }, milliseconds(50));
    const auto started = std::chrono::steady_clock::now();
    // A budget far longer than "at once" could take on any machine: refused, not waited out.
    auto w3 = Acquire(*locks, "k", milliseconds(40'000));
    ASSERT_FALSE(w3.ok());
    EXPECT_EQ(w3.error(), LockErrc::kTooManyWaiters);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    // Another key is not affected.
    auto other = Acquire(*locks, "other", milliseconds(1000));
    EXPECT_TRUE(other.ok());

    Release(holder.value());
    ASSERT_TRUE(RunUntil(ioc_, [&] { return w1->has_value(); }));
    ASSERT_TRUE((*w1)->ok());
    Release((*w1)->value());
    ASSERT_TRUE(RunUntil(ioc_, [&] { return w2->has_value(); }));
    ASSERT_TRUE((*w2)->ok());
    Release((*w2)->value());
}

TEST_F(LockManagerTest, ScriptsSurviveAScriptCacheFlush) {
    RedisServer redis;
    auto locks = MakeManager({&redis});
    auto lease = Acquire(*locks, "k", milliseconds(1000));
    ASSERT_TRUE(lease.ok());
    Release(lease.value());
    EXPECT_GT(CommandCalls(redis, "evalsha"), 0);
    const long evals_before = CommandCalls(redis, "eval");
    redis.Cli({"SCRIPT", "FLUSH"});
    auto again = Acquire(*locks, "k", milliseconds(1000));
    ASSERT_TRUE(again.ok());
    Release(again.value());
    EXPECT_EQ(redis.Cli({"EXISTS", "lock:k"}), "0\n");
    EXPECT_GT(CommandCalls(redis, "eval"), evals_before);  // NOSCRIPT → EVAL fallback
}

TEST_F(LockManagerTest, WatchdogRenewsAndMarksTheLeaseLostWhenTheKeyIsTaken) {
    RedisServer redis;
    LockOptions options;
    // Renewals every TTL/3 = 500 ms: a renewal may come up to 1 s late (a descheduled test
    // process on a busy machine) before the lease is in danger.
    options.ttl = milliseconds(1500);
    auto locks = MakeManager({&redis}, options);
    auto lease = Acquire(*locks, "k", milliseconds(1000));
    ASSERT_TRUE(lease.ok());
    bool handler_ran = false;
    lease.value()->OnLost([&handler_ran] { handler_ran = true; });
    // Held for 3 TTLs: only renewals keep it.
    const auto validity_before = lease.value()->ValidUntil();
    RunUntil(
        ioc_, [] { return false; }, milliseconds(4500));
    EXPECT_FALSE(lease.value()->Lost());
    EXPECT_GT(lease.value()->ValidUntil(), validity_before);
    EXPECT_EQ(redis.Cli({"GET", "lock:k"}), lease.value()->token() + "\n");

    redis.Cli({"SET", "lock:k", "thief"});  // as if it had expired and been taken
    auto wait_lost = SpawnVoid(ioc_, lease.value()->WaitLost());
    ASSERT_TRUE(RunUntil(
        ioc_, [&] { return *wait_lost; }, milliseconds(5000)));
    EXPECT_TRUE(lease.value()->Lost());
    EXPECT_TRUE(handler_ran);
    EXPECT_EQ(counters_.lost, 1);
    EXPECT_EQ(redis.Cli({"GET", "lock:k"}), "thief\n");  // not ours to delete
    Release(lease.value());
    EXPECT_EQ(redis.Cli({"GET", "lock:k"}), "thief\n");
}

TEST_F(LockManagerTest, ReleaseWakesOneWaiterAndTheSubscriptionIsDroppedAfterwards) {
    RedisServer redis;
    auto holder_side = MakeManager({&redis});
    auto waiter_side = MakeManager({&redis});
    auto lease = Acquire(*holder_side, "k", milliseconds(1000));
    ASSERT_TRUE(lease.ok());
    std::vector<std::shared_ptr<std::optional<AcquireResult>>> waiters;
    for (int i = 0; i < 5; ++i)
        waiters.push_back(Spawn(ioc_, waiter_side->Acquire("k", milliseconds(10000))));
    ASSERT_TRUE(
        EventuallyCli(redis, {"PUBSUB", "NUMSUB", "lock:released:k"},
                      [](const std::string& out) { return out == "lock:released:k\n1\n"; }));
    Release(lease.value());
    // The waiters then pass the lock along one by one.
    for (int i = 0; i < 5; ++i) {
        std::shared_ptr<Lease> got;
        ASSERT_TRUE(RunUntil(ioc_, [&] {
            for (auto& w : waiters) {
                if (w->has_value() && (*w)->ok() && !(*w)->value()->Released()) {
                    got = (*w)->value();
                    return true;
                }
            }
            return false;
        }));
        Release(got);
    }
    for (auto& w : waiters) {
        ASSERT_TRUE(w->has_value());
        EXPECT_TRUE((*w)->ok());
    }
    // Five releases (one remote, four local): at most one wake-up each.
    EXPECT_GE(counters_.wakeups, 1);
    EXPECT_LE(counters_.wakeups, 5);
    EXPECT_TRUE(
        EventuallyCli(redis, {"PUBSUB", "NUMSUB", "lock:released:k"},
                      [](const std::string& out) { return out == "lock:released:k\n0\n"; }));
    EXPECT_TRUE(Blank(redis.Cli({"PUBSUB", "CHANNELS", "lock:*"})));
}

// Try first: an acquisition nobody contends sends no SUBSCRIBE/UNSUBSCRIBE, whether it goes
// to Redis or is handed over by a local holder. The witness is the server's own count
// (INFO commandstats), not the client's idea of what it sent.
TEST_F(LockManagerTest, UncontendedAcquisitionsNeverSubscribe) {
    RedisServer redis;
    auto locks = MakeManager({&redis});
    const long evalsha_before = CommandCalls(redis, "evalsha") + CommandCalls(redis, "eval");
    for (int i = 0; i < 3; ++i) {
        auto lease = Acquire(*locks, "k", milliseconds(5000));
        ASSERT_TRUE(lease.ok());
        Release(lease.value());
    }
    // Three at once in one process: the first goes to Redis, the others queue locally and get
    // the hold by hand-off (or, past the hand-off bounds, by an attempt nobody opposes).
    std::vector<std::shared_ptr<std::optional<AcquireResult>>> together;
    for (int i = 0; i < 3; ++i)
        together.push_back(Spawn(ioc_, locks->Acquire("k", milliseconds(5000))));
    for (int i = 0; i < 3; ++i) {
        std::shared_ptr<Lease> got;
        ASSERT_TRUE(RunUntil(ioc_, [&] {
            for (auto& w : together) {
                if (w->has_value() && (*w)->ok() && !(*w)->value()->Released()) {
                    got = (*w)->value();
                    return true;
                }
            }
            return false;
        }));
        Release(got);
    }
    for (auto& w : together) {
        ASSERT_TRUE(w->has_value());
        EXPECT_TRUE((*w)->ok());
    }
    // The witness counts the lock's scripts (so it would count a SUBSCRIBE too)…
    EXPECT_GT(CommandCalls(redis, "evalsha") + CommandCalls(redis, "eval"), evalsha_before);
    // …and saw no subscription at all.
    EXPECT_EQ(CommandCalls(redis, "subscribe"), 0);
    EXPECT_EQ(CommandCalls(redis, "unsubscribe"), 0);
    EXPECT_TRUE(Blank(redis.Cli({"PUBSUB", "CHANNELS", "lock:*"})));
}

// The TTL of these tests: far beyond their wait budget, so the head's PTTL safety net cannot be
// what grants the lock; only a release message or the subscribe-then-retry can.
constexpr milliseconds kLongTtl{30'000};
constexpr milliseconds kBudgetBelowTtl{kLongTtl / 2};

// A release after the waiter subscribed reaches it as a message.
TEST_F(LockManagerTest, ContendedWaiterIsWokenByTheReleaseMessage) {
    RedisServer redis;
    LockOptions options;
    options.ttl = kLongTtl;
    auto holder_side = MakeManager({&redis}, options);
    auto waiter_side = MakeManager({&redis}, options);
    auto lease = Acquire(*holder_side, "k", milliseconds(5000));
    ASSERT_TRUE(lease.ok());
    const auto waiter = Spawn(ioc_, waiter_side->Acquire("k", kBudgetBelowTtl));
    // Its first attempt failed, so it subscribed.
    ASSERT_TRUE(
        EventuallyCli(redis, {"PUBSUB", "NUMSUB", "lock:released:k"},
                      [](const std::string& out) { return out == "lock:released:k\n1\n"; }));
    EXPECT_FALSE(waiter->has_value());
    Release(lease.value());
    ASSERT_TRUE(RunUntil(
        ioc_, [&] { return waiter->has_value(); }, kBudgetBelowTtl + milliseconds(5000)));
    ASSERT_TRUE((*waiter)->ok());
    EXPECT_GE(counters_.wakeups, 1);  // the message, not a timer, woke it
    Release((*waiter)->value());
    EXPECT_TRUE(
        EventuallyCli(redis, {"PUBSUB", "NUMSUB", "lock:released:k"},
                      [](const std::string& out) { return out == "lock:released:k\n0\n"; }));
}

// A release between the waiter's failed attempt and its subscription announces nothing to it;
// the retry after the confirmation must find the key free. The key vanishes here without any
// PUBLISH at all (deleted behind the lock's back as soon as the server has executed the failed
// attempt), so nothing but that retry can explain a grant within the budget.
TEST_F(LockManagerTest, ReleaseBeforeTheSubscriptionIsNotMissed) {
    RedisServer redis;
    LockOptions options;
    options.ttl = kLongTtl;
    // While "someone-else" holds the key, any SET the server executes (a plain SET NX PX or the
    // acquire script's) is a refused attempt of the waiter: the SET count rising says "the
    // waiter's attempt was refused". Checked whenever the waiter's manager sends a command (its
    // SUBSCRIBE comes right after the refused attempt).
    bool armed = false;
    bool deleted = false;
    long set_before = 0;
    options.client.on_commands_sent = [&](std::size_t) {
        if (!armed || CommandCalls(redis, "set") <= set_before) return;
        armed = false;
        deleted = redis.Cli({"DEL", "lock:k"}) == "1\n";
    };
    auto locks = MakeManager({&redis}, options);
    // Loads the scripts (a first EVALSHA would meet NOSCRIPT) and shows the try-first path.
    auto warm_up = Acquire(*locks, "k", milliseconds(5000));
    ASSERT_TRUE(warm_up.ok());
    Release(warm_up.value());
    EXPECT_EQ(CommandCalls(redis, "subscribe"), 0);

    ASSERT_EQ(redis.Cli({"SET", "lock:k", "someone-else", "PX", std::to_string(kLongTtl.count())}),
              "OK\n");
    set_before = CommandCalls(redis, "set");
    armed = true;
    const auto waiter = Spawn(ioc_, locks->Acquire("k", kBudgetBelowTtl));
    ASSERT_TRUE(RunUntil(
        ioc_, [&] { return waiter->has_value(); }, kBudgetBelowTtl + milliseconds(5000)));
    EXPECT_TRUE(deleted);                            // the refused attempt was seen
    EXPECT_GE(CommandCalls(redis, "subscribe"), 1);  // and answered by a subscription
    ASSERT_TRUE((*waiter)->ok());
    EXPECT_EQ(counters_.wakeups, 0);  // no message: the retry got it
    EXPECT_EQ(redis.Cli({"GET", "lock:k"}), (*waiter)->value()->token() + "\n");
    Release((*waiter)->value());
}

// A process whose only waiter queued behind its own holder never tried Redis, so it is not
// subscribed; when that holder releases for real (past the hand-off window) to other
// subscribed processes, our own waiter must still be woken: no message will reach it.
TEST_F(LockManagerTest, UnsubscribedLocalWaiterIsWokenByItsOwnHoldersRelease) {
    RedisServer redis;
    LockOptions options;
    options.ttl = kLongTtl;
    auto own = MakeManager({&redis}, options);
    auto other_a = MakeManager({&redis}, options);
    auto other_b = MakeManager({&redis}, options);
    // Two at once in our process: the first gets the key, the second queues behind it (a
    // waiter arriving after the first had left the queue would try Redis and subscribe).
    const auto first = Spawn(ioc_, own->Acquire("k", milliseconds(5000)));
    std::vector<std::shared_ptr<std::optional<AcquireResult>>> waiters;
    waiters.push_back(Spawn(ioc_, own->Acquire("k", kBudgetBelowTtl)));
    ASSERT_TRUE(RunUntil(ioc_, [&] { return first->has_value(); }));
    ASSERT_TRUE((*first)->ok());
    const std::shared_ptr<Lease> lease = (*first)->value();
    waiters.push_back(Spawn(ioc_, other_a->Acquire("k", kBudgetBelowTtl)));
    waiters.push_back(Spawn(ioc_, other_b->Acquire("k", kBudgetBelowTtl)));
    // The two others were refused and subscribed; ours waits on its local holder, unsubscribed.
    ASSERT_TRUE(
        EventuallyCli(redis, {"PUBSUB", "NUMSUB", "lock:released:k"},
                      [](const std::string& out) { return out == "lock:released:k\n2\n"; }));
    // Past the hand-off window (kLocalHandOffWindow, 20 ms after the acquisition): the release
    // goes to Redis and is announced to the two others.
    RunUntil(
        ioc_, [] { return false; }, milliseconds(100));
    EXPECT_FALSE(waiters[0]->has_value());
    Release(lease);
    for (int i = 0; i < 3; ++i) {
        std::shared_ptr<Lease> got;
        ASSERT_TRUE(RunUntil(
            ioc_,
            [&] {
                for (auto& w : waiters) {
                    if (w->has_value() && (*w)->ok() && !(*w)->value()->Released()) {
                        got = (*w)->value();
                        return true;
                    }
                }
                return false;
            },
            kBudgetBelowTtl + milliseconds(5000)));
        Release(got);
    }
    for (auto& w : waiters) {
        ASSERT_TRUE(w->has_value());
        EXPECT_TRUE((*w)->ok());  // a timeout here = a waiter that missed its wake-up
    }
}

TEST_F(LockManagerTest, WaiterThatGivesUpDropsTheSubscription) {
    RedisServer redis;
    auto locks = MakeManager({&redis});
    auto other = MakeManager({&redis});
    auto lease = Acquire(*other, "k", milliseconds(1000));
    ASSERT_TRUE(lease.ok());
    auto waiter = Acquire(*locks, "k", milliseconds(300));
    ASSERT_FALSE(waiter.ok());
    EXPECT_EQ(waiter.error(), LockErrc::kTimeout);
    EXPECT_TRUE(EventuallyCli(redis, {"PUBSUB", "CHANNELS", "lock:*"},
                              [](const std::string& out) { return Blank(out); }));
    Release(lease.value());
}

TEST_F(LockManagerTest, PollingModeAcquiresWithoutPubSub) {
    RedisServer redis;
    LockOptions options;
    options.mode = Mode::kPolling;
    auto a = MakeManager({&redis}, options);
    auto b = MakeManager({&redis}, options);
    auto lease = Acquire(*a, "k", milliseconds(1000));
    ASSERT_TRUE(lease.ok());
    auto waiter = Spawn(ioc_, b->Acquire("k", milliseconds(5000)));
    RunUntil(
        ioc_, [] { return false; }, milliseconds(200));
    EXPECT_FALSE(waiter->has_value());
    EXPECT_TRUE(Blank(redis.Cli({"PUBSUB", "CHANNELS", "*"})));
    Release(lease.value());
    ASSERT_TRUE(RunUntil(ioc_, [&] { return waiter->has_value(); }));
    ASSERT_TRUE((*waiter)->ok());
    Release((*waiter)->value());
    EXPECT_EQ(CommandCalls(redis, "publish"), 0);
}

TEST_F(LockManagerTest, ThreeMastersTolerateOneDownAndFailFastWithTwoDown) {
    RedisServer r1, r2, r3;
    auto locks = MakeManager({&r1, &r2, &r3});
    auto lease = Acquire(*locks, "k", milliseconds(1000));
    ASSERT_TRUE(lease.ok());
    // A quorum holds our token (all three once every connection is up; one may still be
    // connecting on a loaded machine).
    int holding = 0;
    for (auto* r : {&r1, &r2, &r3})
        holding += r->Cli({"GET", "lock:k"}) == lease.value()->token() + "\n";
    EXPECT_GE(holding, 2);
    Release(lease.value());

    r3.Stop();
    auto with_two = Acquire(*locks, "k", milliseconds(3000));
    ASSERT_TRUE(with_two.ok());
    EXPECT_EQ(r1.Cli({"GET", "lock:k"}), with_two.value()->token() + "\n");
    // Still held by a quorum: another manager cannot take it.
    auto rival = MakeManager({&r1, &r2, &r3});
    auto rival_try = Acquire(*rival, "k", milliseconds(300));
    ASSERT_FALSE(rival_try.ok());
    EXPECT_EQ(rival_try.error(), LockErrc::kTimeout);
    Release(with_two.value());
    auto rival_after = Acquire(*rival, "k", milliseconds(3000));
    ASSERT_TRUE(rival_after.ok());
    Release(rival_after.value());

    r2.Stop();
    ASSERT_TRUE(RunUntil(ioc_, [&] { return !locks->QuorumAvailable(); }));
    const auto started = std::chrono::steady_clock::now();
    auto none = Acquire(*locks, "k", milliseconds(40'000));
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error(), LockErrc::kUnavailable);
    // Refused at once, not after the 40 s budget (a quarter of it is slack for a slow machine).
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));

    r2.Start();
    ASSERT_TRUE(RunUntil(ioc_, [&] { return locks->QuorumAvailable(); }));
    auto back = Acquire(*locks, "k", milliseconds(3000));
    ASSERT_TRUE(back.ok());
    Release(back.value());
}

TEST_F(LockManagerTest, StopCancelsWaiters) {
    RedisServer redis;
    auto locks = MakeManager({&redis});
    auto other = MakeManager({&redis});
    auto lease = Acquire(*other, "k", milliseconds(1000));
    ASSERT_TRUE(lease.ok());
    auto waiter = Spawn(ioc_, locks->Acquire("k", milliseconds(10000)));
    RunUntil(
        ioc_, [] { return false; }, milliseconds(100));
    locks->Stop();
    ASSERT_TRUE(RunUntil(
        ioc_, [&] { return waiter->has_value(); }, milliseconds(3000)));
    ASSERT_FALSE((*waiter)->ok());
    EXPECT_EQ((*waiter)->error(), LockErrc::kCancelled);
    Release(lease.value());
}

}  // namespace
}  // namespace hhplus::lock
