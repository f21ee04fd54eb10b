#include "loadgen/executor.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "loadgen/schedule.hpp"
#include "sim_driver.hpp"

namespace hhplus::loadgen {
namespace {

using testing::SimDriver;

constexpr Nanos kMs = kMillisecond;

ScenarioConfig ArrivalRate(std::int64_t rate, Nanos duration, std::int64_t pre, std::int64_t max) {
    ScenarioConfig sc;
    sc.name = "s";
    sc.executor = ExecutorType::kConstantArrivalRate;
    sc.rate = rate;
    sc.duration = duration;
    sc.pre_allocated_vus = pre;
    sc.max_vus = max;
    return sc;
}

auto Fixed(Nanos length) {
    return [length](int, std::int64_t) { return length; };
}

TEST(ConstantArrivalRate, TwentyFivePerSecondForFiveSecondsStartsExactly125) {
    auto exec = MakeExecutor(ArrivalRate(25, 5 * kSecond, 100, 100));
    SimDriver sim(Fixed(10 * kMs));
    sim.Run(*exec);
    ASSERT_EQ(sim.Starts().size(), 125u);
    for (std::size_t k = 0; k < sim.Starts().size(); ++k) {
        EXPECT_EQ(sim.Starts()[k].due, static_cast<Nanos>(k) * 40 * kMs) << k;
        EXPECT_EQ(sim.Starts()[k].at, static_cast<Nanos>(k) * 40 * kMs) << k;
    }
    EXPECT_EQ(sim.Dropped(), 0);
    EXPECT_EQ(sim.VusAdded(), 100);
    EXPECT_EQ(sim.FinishedAt(), 5 * kSecond);  // the regular duration ends the executor
}

TEST(ConstantArrivalRate, ArrivalWithoutFreeVuIsDroppedNotQueued) {
    // 10/s for 1 s, 2 VUs, each iteration 250 ms: arrivals at 200, 500 and 800 ms find both busy.
    auto exec = MakeExecutor(ArrivalRate(10, kSecond, 2, 2));
    SimDriver sim(Fixed(250 * kMs));
    sim.Run(*exec);
    std::vector<Nanos> started;
    for (const auto& s : sim.Starts()) started.push_back(s.at);
    EXPECT_EQ(started, (std::vector<Nanos>{0, 100 * kMs, 300 * kMs, 400 * kMs, 600 * kMs, 700 * kMs,
                                           900 * kMs}));
    EXPECT_EQ(sim.Dropped(), 3);
    EXPECT_EQ(sim.DropTimes(), (std::vector<Nanos>{200 * kMs, 500 * kMs, 800 * kMs}));
    EXPECT_EQ(sim.VusAdded(), 2);
    // Nothing starts late: a dropped arrival is never run afterwards.
    for (const auto& s : sim.Starts()) EXPECT_EQ(s.at, s.due);
}

TEST(ConstantArrivalRate, VusGrowUpToMaxVusAfterDrops) {
    auto exec = MakeExecutor(ArrivalRate(10, kSecond, 1, 3));
    SimDriver sim(Fixed(250 * kMs));
    sim.Run(*exec);
    EXPECT_EQ(sim.VusAdded(), 3);
    EXPECT_EQ(sim.DropTimes(), (std::vector<Nanos>{100 * kMs, 400 * kMs}));
    EXPECT_EQ(sim.Starts().size(), 8u);
    EXPECT_EQ(exec->InitializedVus(), 3);
}

TEST(ConstantArrivalRate, NoMoreThanMaxVusEvenWhenEverythingIsBusy) {
    auto exec = MakeExecutor(ArrivalRate(100, kSecond, 2, 5));
    SimDriver sim(Fixed(10 * kSecond));  // nothing ever finishes within the run
    sim.Run(*exec, 60 * kSecond);
    EXPECT_EQ(sim.VusAdded(), 5);
    EXPECT_EQ(sim.Starts().size(), 5u);
    EXPECT_EQ(sim.Dropped(), 95);
}

TEST(ConstantArrivalRate, GracefulStopInterruptsLongIterations) {
    ScenarioConfig sc = ArrivalRate(1, 2 * kSecond, 2, 2);
    sc.graceful_stop = 3 * kSecond;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(10 * kSecond));
    sim.Run(*exec);
    EXPECT_EQ(sim.Starts().size(), 2u);
    ASSERT_EQ(sim.Interrupted().size(), 2u);
    EXPECT_EQ(sim.Interrupted()[0].second, 5 * kSecond);  // duration + gracefulStop
    EXPECT_EQ(sim.FinishedAt(), 5 * kSecond);
}

TEST(ConstantArrivalRate, IterationsEndingInsideGracefulStopComplete) {
    ScenarioConfig sc = ArrivalRate(2, kSecond, 1, 1);
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(400 * kMs));
    sim.Run(*exec);
    EXPECT_EQ(sim.Starts().size(), 2u);
    EXPECT_TRUE(sim.Interrupted().empty());
    EXPECT_EQ(sim.FinishedAt(), kSecond);  // the executor lives until its duration
}

TEST(ConstantArrivalRate, TimeUnitScalesThePeriod) {
    ScenarioConfig sc = ArrivalRate(3, 2 * kSecond, 1, 1);
    sc.time_unit = kMinute;  // 3 per minute: one every 20 s, so one start in 2 s
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(kMs));
    sim.Run(*exec);
    EXPECT_EQ(sim.Starts().size(), 1u);
    EXPECT_EQ(ArrivalPeriod(3, kSecond), 333'333'333);  // truncated to whole nanoseconds, as Go
}

TEST(ConstantArrivalRate, AbortInterruptsAndStopsScheduling) {
    auto exec = MakeExecutor(ArrivalRate(10, 10 * kSecond, 5, 5));
    struct Sink : ActionSink {
        int started = 0;
        int stopped = 0;
        void AddVu(int) override {}
        void StartIteration(int, Nanos) override { ++started; }
        void DropIterations(std::int64_t, Nanos) override {}
        void HardStop(int) override { ++stopped; }
    } sink;
    exec->Start(sink);
    exec->Advance(250 * kMs, sink);
    EXPECT_EQ(sink.started, 3);
    exec->Abort(260 * kMs, sink);
    EXPECT_EQ(sink.stopped, 3);
    EXPECT_EQ(exec->NextWakeup(), kNever);
    EXPECT_FALSE(exec->Finished());
    for (int vu = 0; vu < 3; ++vu) exec->IterationDone(vu, 270 * kMs, sink);
    EXPECT_TRUE(exec->Finished());
    exec->Advance(kSecond, sink);
    EXPECT_EQ(sink.started, 3);
}

TEST(RampingArrivalRate, LinearRampFollowsTheIntegralOfTheRate) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kRampingArrivalRate;
    sc.start_rate = 0;
    sc.stages = {{10 * kSecond, 10}};
    sc.pre_allocated_vus = 10;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(kMs));
    sim.Run(*exec);
    // Rate r(t) = t/s²: the i-th arrival at sqrt(2i) s. i = 50 lands exactly on the end: not
    // started.
    ASSERT_EQ(sim.Starts().size(), 49u);
    for (std::size_t k = 0; k < sim.Starts().size(); ++k) {
        const double expected = std::sqrt(2.0 * static_cast<double>(k + 1)) * 1e9;
        EXPECT_NEAR(static_cast<double>(sim.Starts()[k].due), expected, 1.0) << k;
    }
}

TEST(RampingArrivalRate, ConstantStageStartsOnePeriodIn) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kRampingArrivalRate;
    sc.start_rate = 5;
    sc.stages = {{2 * kSecond, 5}, {kSecond, 0}};
    sc.pre_allocated_vus = 2;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(kMs));
    sim.Run(*exec);
    // k6's cal(): arrival i at i/rate, so the first at 200 ms (unlike constant-arrival-rate's 0);
    // then the ramp 5→0 over 1 s adds 2.5 arrivals (at 2.23 s and 2.55 s).
    std::vector<Nanos> due;
    for (const auto& s : sim.Starts()) due.push_back(s.due);
    ASSERT_GE(due.size(), 10u);
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(due[static_cast<std::size_t>(i)], std::int64_t{i + 1} * 200 * kMs);
    EXPECT_EQ(due.size(), 12u);
    EXPECT_EQ(PlannedIterations(sc), 12);
}

TEST(RampingArrivalRate, DropsWhenVusRunOut) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kRampingArrivalRate;
    sc.start_rate = 10;
    sc.stages = {{kSecond, 10}};
    sc.pre_allocated_vus = 1;
    sc.max_vus = 1;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(150 * kMs));
    sim.Run(*exec);
    // Arrivals at 100, 200, ..., 900 ms (1000 ms is the end); each run takes 150 ms.
    EXPECT_EQ(sim.Starts().size() + static_cast<std::size_t>(sim.Dropped()), 9u);
    EXPECT_EQ(sim.Dropped(), 4);
}

TEST(ConstantVus, LoopsUntilTheDurationThenLetsIterationsFinish) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kConstantVus;
    sc.vus = 2;
    sc.duration = kSecond;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(300 * kMs));
    sim.Run(*exec);
    EXPECT_EQ(sim.Starts().size(), 8u);  // starts at 0, 300, 600, 900 ms on each VU
    EXPECT_TRUE(sim.Interrupted().empty());
    EXPECT_EQ(sim.FinishedAt(), 1200 * kMs);
    EXPECT_EQ(sim.MaxActive(), 2);
}

TEST(ConstantVus, HardStopAfterGracefulStop) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kConstantVus;
    sc.vus = 3;
    sc.duration = kSecond;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(40 * kSecond));
    sim.Run(*exec);
    EXPECT_EQ(sim.Starts().size(), 3u);
    ASSERT_EQ(sim.Interrupted().size(), 3u);
    EXPECT_EQ(sim.Interrupted()[0].second, 31 * kSecond);  // 1 s + the default gracefulStop of 30 s
}

TEST(PerVuIterations, EachVuRunsItsIterationsAndFinishesEarly) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kPerVuIterations;
    sc.vus = 3;
    sc.iterations = 2;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(100 * kMs));
    sim.Run(*exec);
    EXPECT_EQ(sim.Starts().size(), 6u);
    EXPECT_EQ(sim.Dropped(), 0);
    EXPECT_EQ(sim.FinishedAt(), 200 * kMs);
}

TEST(PerVuIterations, IterationsLeftAtMaxDurationAreDropped) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kPerVuIterations;
    sc.vus = 3;
    sc.iterations = 5;
    sc.max_duration = kSecond;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(700 * kMs));
    sim.Run(*exec);
    EXPECT_EQ(sim.Starts().size(), 6u);  // at 0 and 700 ms on each VU
    EXPECT_EQ(sim.Dropped(), 9);
}

TEST(SharedIterations, IterationsAreSharedAmongVus) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kSharedIterations;
    sc.vus = 3;
    sc.iterations = 10;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(100 * kMs));
    sim.Run(*exec);
    EXPECT_EQ(sim.Starts().size(), 10u);
    EXPECT_EQ(sim.Dropped(), 0);
    EXPECT_EQ(sim.FinishedAt(), 400 * kMs);
}

TEST(SharedIterations, UnstartedIterationsAreDroppedAtMaxDuration) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kSharedIterations;
    sc.vus = 2;
    sc.iterations = 100;
    sc.max_duration = kSecond;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(300 * kMs));
    sim.Run(*exec);
    EXPECT_EQ(sim.Starts().size(), 8u);
    EXPECT_EQ(sim.Dropped(), 92);
}

TEST(RampingVusSteps, RampUpAddsOneVuPerSlice) {
    auto steps = RampingVusRawSteps(0, {{10 * kSecond, 10}}, true);
    ASSERT_EQ(steps.size(), 12u);
    for (int i = 0; i <= 10; ++i) {
        EXPECT_EQ(steps[static_cast<std::size_t>(i)].offset, i * kSecond);
        EXPECT_EQ(steps[static_cast<std::size_t>(i)].planned_vus, i);
    }
    EXPECT_EQ(steps.back().offset, 10 * kSecond);
    EXPECT_EQ(steps.back().planned_vus, 0);
}

TEST(RampingVusSteps, GracefulRampDownReservesVus) {
    auto raw = RampingVusRawSteps(10, {{10 * kSecond, 0}}, false);
    ASSERT_EQ(raw.size(), 11u);
    EXPECT_EQ(raw[1].offset, kSecond);
    EXPECT_EQ(raw[1].planned_vus, 9);
    auto graceful = RampingVusGracefulSteps(10, {{10 * kSecond, 0}}, 30 * kSecond, 30 * kSecond);
    ASSERT_EQ(graceful.size(), 11u);
    EXPECT_EQ(graceful[0].planned_vus, 10);
    EXPECT_EQ(graceful[1].offset, 31 * kSecond);
    EXPECT_EQ(graceful[1].planned_vus, 9);
    EXPECT_EQ(graceful[9].offset, 39 * kSecond);
    EXPECT_EQ(graceful[9].planned_vus, 1);
    EXPECT_EQ(graceful[10].offset, 40 * kSecond);
    EXPECT_EQ(graceful[10].planned_vus, 0);
}

TEST(RampingVus, StartsAndGracefullyStopsVusOnThePlan) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kRampingVus;
    sc.start_vus = 0;
    sc.stages = {{2 * kSecond, 2}, {2 * kSecond, 0}};
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(500 * kMs));
    sim.Run(*exec);
    std::vector<Nanos> vu0;
    std::vector<Nanos> vu1;
    for (const auto& s : sim.Starts()) (s.vu == 0 ? vu0 : vu1).push_back(s.at);
    EXPECT_EQ(vu0, (std::vector<Nanos>{1000 * kMs, 1500 * kMs, 2000 * kMs, 2500 * kMs, 3000 * kMs,
                                       3500 * kMs, 4000 * kMs}));
    EXPECT_EQ(vu1, (std::vector<Nanos>{2000 * kMs, 2500 * kMs, 3000 * kMs}));
    EXPECT_TRUE(sim.Interrupted().empty());
    EXPECT_EQ(sim.FinishedAt(), 4500 * kMs);
    EXPECT_EQ(sim.VusAdded(), 2);
}

TEST(RampingVus, RampDownWithoutGraceInterrupts) {
    ScenarioConfig sc;
    sc.executor = ExecutorType::kRampingVus;
    sc.start_vus = 2;
    sc.stages = {{kSecond, 2}, {0, 1}, {kSecond, 1}};
    sc.graceful_ramp_down = 0;
    auto exec = MakeExecutor(sc);
    SimDriver sim(Fixed(10 * kSecond));
    sim.Run(*exec);
    // At 1 s the plan drops to one VU with no grace: VU 1's long iteration is cut there.
    ASSERT_FALSE(sim.Interrupted().empty());
    EXPECT_EQ(sim.Interrupted()[0], (std::pair<int, Nanos>{1, kSecond}));
}

}  // namespace
}  // namespace hhplus::loadgen
