#pragma once
// k6's executors as deterministic state machines over an injected time axis.
//
// An Executor never reads a clock and never sleeps: its driver tells it the current offset from
// the scenario start (Advance) and when a VU's iteration ended (IterationDone); it answers with
// actions on an ActionSink (start an iteration on VU n, drop one, add a VU, interrupt a VU) and
// with the next offset at which it wants to be advanced. The runner drives it with Asio timers;
// the unit tests drive it with a simulated clock and check exact start times and drop counts.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "loadgen/duration.hpp"
#include "loadgen/options.hpp"
#include "loadgen/schedule.hpp"

namespace hhplus::loadgen {

class ActionSink {
  public:
    virtual ~ActionSink() = default;
    // A new VU exists (vus_max grows); VU ids are 0, 1, 2, ... in order.
    virtual void AddVu(int vu) = 0;
    // Run one iteration on `vu`. `due` is when the plan wanted it to start (arrival-rate: the
    // arrival time; looping executors: the moment the VU became free).
    virtual void StartIteration(int vu, Nanos due) = 0;
    // `count` iterations could not start (no free VU, or out of time), at offset `at`.
    virtual void DropIterations(std::int64_t count, Nanos at) = 0;
    // Interrupt the iteration running on `vu` (gracefulStop / gracefulRampDown ran out). The driver
    // still reports the iteration's end with IterationDone.
    virtual void HardStop(int vu) = 0;
};

class Executor {
  public:
    virtual ~Executor() = default;
    // Called once at offset 0: creates the initial VUs and starts what starts at 0.
    virtual void Start(ActionSink& sink) = 0;
    // Processes every event due at or before `now`.
    virtual void Advance(Nanos now, ActionSink& sink) = 0;
    // The iteration on `vu` ended at `now` (completed or interrupted); the VU is free again.
    virtual void IterationDone(int vu, Nanos now, ActionSink& sink) = 0;
    // Next offset at which Advance must run; kNever when only iteration ends can change anything.
    virtual Nanos NextWakeup() const = 0;
    // True once the executor will start nothing more and no iteration is running.
    virtual bool Finished() const = 0;
    // Stop starting iterations and interrupt the running ones now (Ctrl+C, abortOnFail).
    virtual void Abort(Nanos now, ActionSink& sink) = 0;

    // k6's `vus` gauge: VUs busy (arrival-rate) or looping (VU-based executors).
    virtual std::int64_t ActiveVus() const = 0;
    // k6's `vus_max` gauge: VUs initialised so far.
    virtual std::int64_t InitializedVus() const = 0;
    // Progress bar data: fraction done and k6's right-hand columns.
    virtual double Progress(Nanos now) const = 0;
    virtual std::vector<std::string> ProgressColumns(Nanos now) const = 0;
};

std::unique_ptr<Executor> MakeExecutor(const ScenarioConfig& config);

}  // namespace hhplus::loadgen
