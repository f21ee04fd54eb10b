#pragma once
// The time plans of k6's executors as pure functions (k6 lib/executor, unsegmented execution):
// when arrival-rate iterations are due, and how many VUs ramping-vus plans at each moment.
#include <cstdint>
#include <optional>
#include <vector>

#include "loadgen/duration.hpp"
#include "loadgen/options.hpp"

namespace hhplus::loadgen {

// constant-arrival-rate: iteration k (k = 0, 1, ...) is due at k × period with
// period = timeUnit / rate truncated to whole nanoseconds, as k6's getTickerPeriod does.
// 25/s → 40 ms: due at 0, 40 ms, ..., 4.96 s; the run of 5 s starts exactly 125.
Nanos ArrivalPeriod(std::int64_t rate, Nanos time_unit);

// ramping-arrival-rate: k6's cal(): arrival i (i = 1, 2, ...) at the time the integral of the
// linearly interpolated rate reaches i. Times are relative to the scenario start, non-decreasing.
class RampingArrivalTimes {
  public:
    RampingArrivalTimes(std::int64_t start_rate, Nanos time_unit, std::vector<Stage> stages);
    std::optional<Nanos> Next();

  private:
    std::vector<Stage> stages_;
    double time_unit_;
    std::size_t stage_index_ = 0;
    Nanos stage_start_ = 0;
    double from_ = 0;
    double to_ = 0;
    double duration_ = 0;
    double done_so_far_ = 0;
    double end_count_ = 0;
    double i_ = 1;
    bool stage_open_ = false;
};

struct ExecutionStep {
    Nanos offset = 0;
    std::int64_t planned_vus = 0;
};

// ramping-vus: k6's getRawExecutionSteps (zeroEnd appends a final step to 0 VUs at the end of
// the stages). Each step says how many VUs loop from `offset` on.
std::vector<ExecutionStep> RampingVusRawSteps(std::int64_t start_vus,
                                              const std::vector<Stage>& stages, bool zero_end);
// ramping-vus: k6's GetExecutionRequirements: the raw steps with gracefulRampDown reservations
// and a final step to 0 at stages + gracefulStop. A VU above a graceful step's count is
// interrupted (hard stop) at that step.
std::vector<ExecutionStep> RampingVusGracefulSteps(std::int64_t start_vus,
                                                   const std::vector<Stage>& stages,
                                                   Nanos graceful_ramp_down, Nanos graceful_stop);

}  // namespace hhplus::loadgen
