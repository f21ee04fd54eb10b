// The lock across processes: lock_worker instances against real redis-server processes (one for
// the lock, one standing in for the storage). Mutual exclusion, wake-one with no leftover
// channels, a killed holder, a paused holder fenced by the storage. (Redis faults mid-run:
// lock_faults_test.cpp.)
#include <gtest/gtest.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX kill(), not C's signal

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
using std::chrono::milliseconds;
using std::chrono::seconds;

class LockProcessesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LockProcessesTest, EightProcessesOfFiftyTasksNeverOverlap) {
    RedisServer lock_redis;
    RedisServer data_redis;
    TempDir dir("hhplus-lock");
    constexpr int kProcesses = 8;
    constexpr int kTasks = 50;
    std::vector<std::unique_ptr<WorkerProcess>> workers;
    for (int i = 0; i < kProcesses; ++i) {
        workers.push_back(std::make_unique<WorkerProcess>(
            dir.path(), "w" + std::to_string(i),
            With(BaseArgs(lock_redis, data_redis, GetParam()),
                 {"--key=coupon:7", "--tasks=" + std::to_string(kTasks), "--rounds=1", "--work=rmw",
                  "--budget-ms=10000"})));
    }
    long acquired = 0;
    for (auto& w : workers) {
        ASSERT_TRUE(w->WaitFor("DONE", kRunTimeout)) << w->LogTail();
        const auto r = w->Result();
        EXPECT_EQ(r.at("overlaps"), 0) << w->LogTail();
        acquired += r.at("acquired");
        EXPECT_TRUE(w->ExitedCleanly()) << w->LogTail();
    }
    EXPECT_EQ(acquired, kProcesses * kTasks);
    // The non-atomic GET+SET increments lost nothing: no two holders ever overlapped.
    EXPECT_EQ(CliLong(data_redis, {"GET", "data:counter"}), kProcesses * kTasks);
    EXPECT_EQ(CliLong(data_redis, {"GET", "data:holders"}), 0);
    EXPECT_EQ(lock_redis.Cli({"EXISTS", "lock:coupon:7"}), "0\n");
}

TEST_P(LockProcessesTest, KilledHolderBlocksOthersUntilItsTtlRunsOut) {
    RedisServer lock_redis;
    RedisServer data_redis;
    TempDir dir("hhplus-lock");
    const auto base = With(BaseArgs(lock_redis, data_redis, GetParam()), {"--ttl-ms=1500"});
    WorkerProcess holder(dir.path(), "holder", With(base, {"--scenario=hold", "--hold-ms=600000"}));
    ASSERT_TRUE(holder.WaitFor("HOLDING", kStepTimeout)) << holder.LogTail();
    const long set_calls_before = CommandCalls(lock_redis, "set");
    WorkerProcess waiter(dir.path(), "waiter",
                         With(base, {"--tasks=1", "--rounds=1", "--work=cas", "--print-acquired",
                                     "--budget-ms=30000"}));
    // The waiter is waiting: subscribed (pub/sub: after a refused attempt, and it tries again
    // right after) or polling already.
    ASSERT_TRUE(Eventually(
        [&] {
            if (GetParam() == "pubsub") {
                return lock_redis.Cli({"PUBSUB", "NUMSUB", "lock:released:k"}) ==
                       "lock:released:k\n1\n";
            }
            return CommandCalls(lock_redis, "set") > set_calls_before + 1;
        },
        kStepTimeout));
    EXPECT_FALSE(waiter.Has("ACQUIRED"));

    holder.process().Signal(SIGKILL);
    const long long killed_at = SteadyNanosNow();
    const long remaining_ms = CliLong(lock_redis, {"PTTL", "lock:k"});
    ASSERT_GT(remaining_ms, 0) << "the killed holder's key should still be alive";

    ASSERT_TRUE(waiter.WaitFor("DONE", kStepTimeout)) << waiter.LogTail();
    const auto times = waiter.AcquiredTimes();
    ASSERT_EQ(times.size(), 1u);
    // Never before the dead holder's key expired (5 ms for Redis's wall clock vs our steady
    // clock and its millisecond rounding).
    EXPECT_GE(times[0], killed_at + remaining_ms * 1'000'000LL - 5'000'000LL)
        << "acquired " << (times[0] - killed_at) / 1'000'000 << " ms after the kill, key had "
        << remaining_ms << " ms left";
    EXPECT_EQ(waiter.Result().at("cas_ok"), 1);
}

TEST_P(LockProcessesTest, HolderPausedPastItsTtlIsLostAndFencedByTheStorage) {
    RedisServer lock_redis;
    RedisServer data_redis;
    TempDir dir("hhplus-lock");
    const auto base = With(BaseArgs(lock_redis, data_redis, GetParam()), {"--ttl-ms=1000"});
    WorkerProcess paused(dir.path(), "paused", With(base, {"--scenario=hold", "--hold-ms=2000"}));
    ASSERT_TRUE(paused.WaitFor("HOLDING", kStepTimeout)) << paused.LogTail();
    paused.process().Signal(SIGSTOP);

    // Its key expires (no renewals while stopped); another instance takes over and writes.
    WorkerProcess successor(
        dir.path(), "successor",
        With(base, {"--tasks=1", "--rounds=1", "--work=cas", "--budget-ms=30000"}));
    ASSERT_TRUE(successor.WaitFor("DONE", kStepTimeout)) << successor.LogTail();
    EXPECT_EQ(successor.Result().at("cas_ok"), 1);

    paused.process().Signal(SIGCONT);
    ASSERT_TRUE(paused.WaitFor("DONE", kStepTimeout)) << paused.LogTail();
    EXPECT_TRUE(paused.Has("LOST_SIGNAL")) << paused.LogTail();
    const auto end = paused.Lines("HOLD_END");
    ASSERT_EQ(end.size(), 1u);
    EXPECT_EQ(end[0], "HOLD_END lost=1 cas=refused");
    EXPECT_EQ(paused.Result().at("lost"), 1);
    EXPECT_TRUE(paused.ExitedCleanly()) << paused.LogTail();
    EXPECT_TRUE(successor.ExitedCleanly()) << successor.LogTail();
    // Exactly one write went through: the successor's.
    EXPECT_EQ(CliLong(data_redis, {"GET", "data:version"}), 1);
    EXPECT_EQ(CliLong(data_redis, {"GET", "data:counter"}), 1);
}

INSTANTIATE_TEST_SUITE_P(Modes, LockProcessesTest, ::testing::Values("pubsub", "polling"),
                         [](const auto& info) { return info.param; });

TEST(LockWakeOneTest, EachReleaseWakesAtMostOneWaiterPerProcessAndNoChannelIsLeft) {
    RedisServer lock_redis;
    RedisServer data_redis;
    TempDir dir("hhplus-lock");
    constexpr int kProcesses = 10;
    constexpr int kTasks = 20;
    constexpr int kRounds = 3;
    std::vector<std::unique_ptr<WorkerProcess>> workers;
    for (int i = 0; i < kProcesses; ++i) {
        workers.push_back(std::make_unique<WorkerProcess>(
            dir.path(), "w" + std::to_string(i),
            With(BaseArgs(lock_redis, data_redis, "pubsub"),
                 {"--prefix=wake:", "--key=k", "--tasks=" + std::to_string(kTasks),
                  "--rounds=" + std::to_string(kRounds), "--work=rmw", "--budget-ms=30000",
                  "--linger"})));
    }
    long acquired = 0;
    long wakeups = 0;
    for (auto& w : workers) {
        ASSERT_TRUE(w->WaitFor("DONE", kRunTimeout)) << w->LogTail();
        acquired += w->Result().at("acquired");
    }
    EXPECT_EQ(acquired, kProcesses * kTasks * kRounds);
    // Releases announced to the other processes (a hold passed on locally announces nothing).
    const long releases = CommandCalls(lock_redis, "publish");
    EXPECT_GT(releases, 0);
    for (auto& w : workers) {
        const auto r = w->Result();
        EXPECT_EQ(r.at("overlaps"), 0);
        // At most one wake-up per process per release; a herd would wake every local waiter
        // (up to 20 here) on every release.
        EXPECT_LE(r.at("wakeups"), releases) << w->LogTail();
        wakeups += r.at("wakeups");
    }
    EXPECT_GT(wakeups, 0);  // the hand-off did go through release messages
    EXPECT_EQ(CliLong(data_redis, {"GET", "data:counter"}), kProcesses * kTasks * kRounds);

    // The workers are still alive (lingering), with no waiter left: no channel may remain.
    EXPECT_TRUE(Eventually(
        [&] {
            return Blank(lock_redis.Cli({"PUBSUB", "CHANNELS", "wake:*"}));
        },
        milliseconds(10000)))
        << lock_redis.Cli({"PUBSUB", "CHANNELS", "*"});
    EXPECT_EQ(lock_redis.Cli({"PUBSUB", "NUMSUB", "wake:released:k"}), "wake:released:k\n0\n");
    EXPECT_EQ(CliLong(lock_redis, {"PUBSUB", "NUMPAT"}), 0);
    for (auto& w : workers) EXPECT_TRUE(w->process().Running()) << w->LogTail();
}

}  // namespace
}  // namespace hhplus::lock
