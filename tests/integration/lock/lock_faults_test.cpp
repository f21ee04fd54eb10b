// The lock across processes under Redis faults: the lock Redis restarted mid-run (keys and
// scripts gone, all connections dropped), then every subscriber connection killed. Waiters must
// recover through the reconnect wake-up, not their (long) safety-net timers, and the storage's
// fence must keep every write exactly-once. Slow: a few hundred fenced rounds across a restart.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/lock/worker_process.hpp"
#include "tests/support/redis_server.hpp"

namespace hhplus::lock {
namespace {

using namespace hhplus::lock::testing;  // NOLINT: the test helpers
using hhplus::testing::RedisServer;
using hhplus::testing::TempDir;

TEST(LockFaultTest, WaitersRecoverFromARedisRestartAndKilledSubscribers) {
    RedisServer lock_redis;
    RedisServer data_redis;
    TempDir dir("hhplus-lock");
    constexpr int kProcesses = 4;
    constexpr int kTasks = 8;
    constexpr int kRounds = 100;  // × 1 ms held: ≥ 3.2 s of work, so the faults land mid-run
    constexpr long kTotal = long{kProcesses} * kTasks * kRounds;
    // TTL 30 s ≫ budget 8 s: a head that missed a release and was not woken by the reconnect
    // would sleep on its PTTL timer past its budget and report a timeout.
    std::vector<std::unique_ptr<WorkerProcess>> workers;
    for (int i = 0; i < kProcesses; ++i) {
        workers.push_back(std::make_unique<WorkerProcess>(
            dir.path(), "w" + std::to_string(i),
            With(BaseArgs(lock_redis, data_redis, "pubsub"),
                 {"--key=k", "--tasks=" + std::to_string(kTasks),
                  "--rounds=" + std::to_string(kRounds), "--work=cas", "--hold-ms=1",
                  "--ttl-ms=30000", "--budget-ms=8000"})));
    }
    const auto counter = [&] { return CliLong(data_redis, {"GET", "data:counter"}); };
    ASSERT_TRUE(Eventually([&] { return counter() >= kTotal / 5; }, kRunTimeout));
    lock_redis.Restart();  // every lock key and script is gone; all connections drop
    const long at_restart = counter();
    ASSERT_TRUE(Eventually([&] { return counter() >= at_restart + kTotal / 5; }, kRunTimeout))
        << "no progress after the restart";
    const long killed = CliLong(lock_redis, {"CLIENT", "KILL", "TYPE", "pubsub"});
    // One subscriber connection per process with waiters at that moment.
    EXPECT_GE(killed, 1);
    EXPECT_LE(killed, kProcesses);
    for (auto& w : workers) ASSERT_TRUE(w->WaitFor("DONE", kRunTimeout)) << w->LogTail();

    long cas_ok = 0;
    long timeouts = 0;
    for (auto& w : workers) {
        const auto r = w->Result();
        cas_ok += r.at("cas_ok");
        timeouts += r.at("timeouts");
        EXPECT_TRUE(w->ExitedCleanly()) << w->LogTail();
    }
    EXPECT_EQ(timeouts, 0);
    // Invariants: every round wrote exactly once through the fence, nothing twice.
    EXPECT_EQ(cas_ok, kTotal);
    EXPECT_EQ(counter(), kTotal);
    EXPECT_EQ(CliLong(data_redis, {"GET", "data:version"}), kTotal);
}

// One holder, one waiter in another process whose head sleeps on its safety-net timer (PTTL ≈
// TTL 12 s, beyond its 9 s budget; the budget leaves room for a slow restart and reconnect
// backoff on a loaded machine). `fault` frees the key without any release message reaching
// the waiter and drops its subscriber connection: only the reconnect wake-up can get the waiter
// the lock within its budget. The holder's lease must then be lost and its write fenced.
template <class Fault>
void WaiterRecoversThroughTheReconnect(Fault fault) {
    RedisServer lock_redis;
    RedisServer data_redis;
    TempDir dir("hhplus-lock");
    const auto base = With(BaseArgs(lock_redis, data_redis, "pubsub"), {"--ttl-ms=12000"});
    // Held for 6 s: its renewal at 4 s comes after the fault and finds the key gone or taken.
    WorkerProcess holder(dir.path(), "holder", With(base, {"--scenario=hold", "--hold-ms=6000"}));
    ASSERT_TRUE(holder.WaitFor("HOLDING", kStepTimeout)) << holder.LogTail();
    // The holder has its key and its renewals run no SET, so the SET count (plain or in the
    // acquire script) counts the waiter's refused attempts.
    const long refused_before = CommandCalls(lock_redis, "set");
    WorkerProcess waiter(dir.path(), "waiter",
                         With(base, {"--tasks=1", "--rounds=1", "--work=cas", "--budget-ms=9000"}));
    ASSERT_TRUE(Eventually(
        [&] {
            return lock_redis.Cli({"PUBSUB", "NUMSUB", "lock:released:k"}) ==
                   "lock:released:k\n1\n";
        },
        kStepTimeout));
    // Tried first (refused), then subscribed, then tried again at once: wait for that second
    // refused attempt (the waiter then sleeps on its safety-net timer).
    ASSERT_TRUE(Eventually([&] { return CommandCalls(lock_redis, "set") >= refused_before + 2; },
                           kStepTimeout));

    fault(lock_redis);

    ASSERT_TRUE(waiter.WaitFor("DONE", kStepTimeout)) << waiter.LogTail();
    const auto w = waiter.Result();
    EXPECT_EQ(w.at("timeouts"), 0) << "the waiter was not woken by the reconnect";
    EXPECT_EQ(w.at("cas_ok"), 1);
    ASSERT_TRUE(holder.WaitFor("DONE", kStepTimeout)) << holder.LogTail();
    EXPECT_TRUE(holder.Has("LOST_SIGNAL")) << holder.LogTail();
    const auto end = holder.Lines("HOLD_END");
    ASSERT_EQ(end.size(), 1u);
    EXPECT_EQ(end[0], "HOLD_END lost=1 cas=refused");
    EXPECT_EQ(CliLong(data_redis, {"GET", "data:version"}), 1);
    EXPECT_TRUE(holder.ExitedCleanly()) << holder.LogTail();
    EXPECT_TRUE(waiter.ExitedCleanly()) << waiter.LogTail();
}

TEST(LockFaultTest, RestartOfTheLockRedisWakesTheWaiter) {
    WaiterRecoversThroughTheReconnect([](RedisServer& lock_redis) { lock_redis.Restart(); });
}

TEST(LockFaultTest, KilledSubscriberConnectionWakesTheWaiter) {
    WaiterRecoversThroughTheReconnect([](RedisServer& lock_redis) {
        // A release whose message never arrives: the key goes away silently...
        lock_redis.Cli({"DEL", "lock:k"});
        // ...and the subscriber connections drop (as `CLIENT KILL TYPE pubsub` mid-run does).
        // (The waiter's subscriber; the holder's has no channel, so it is not of type pubsub.)
        EXPECT_EQ(lock_redis.Cli({"CLIENT", "KILL", "TYPE", "pubsub"}), "1\n");
    });
}

}  // namespace
}  // namespace hhplus::lock
