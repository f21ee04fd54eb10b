#pragma once
// The k6 `options` object: scenarios (with k6's executor names, option names and defaults),
// thresholds, summaryTrendStats, and the vus/duration/iterations/stages shortcuts. Parsed from the
// same JSON files k6 reads (k6/options/<scenario>.json), consolidated with command-line flags the
// way `k6 run` does it, validated with k6's messages. Pure: no I/O.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "loadgen/duration.hpp"

namespace hhplus::loadgen {

enum class ExecutorType {
    kConstantArrivalRate,
    kRampingArrivalRate,
    kConstantVus,
    kRampingVus,
    kPerVuIterations,
    kSharedIterations,
};

std::string_view ExecutorTypeName(ExecutorType type);  // "constant-arrival-rate", ...
std::optional<ExecutorType> ParseExecutorType(std::string_view name);
bool IsArrivalRate(ExecutorType type);

struct Stage {
    Nanos duration = 0;
    std::int64_t target = 0;
};

// One scenario. Fields not used by its executor keep k6's defaults and are ignored.
struct ScenarioConfig {
    std::string name;
    ExecutorType executor = ExecutorType::kPerVuIterations;
    Nanos start_time = 0;
    Nanos graceful_stop = 30 * kSecond;  // k6's DefaultGracefulStopValue
    std::map<std::string, std::string> env;
    std::map<std::string, std::string> tags;
    std::string exec;  // accepted for k6 compatibility; every scenario runs the chosen iteration

    // constant-arrival-rate / ramping-arrival-rate
    std::optional<std::int64_t> rate;
    Nanos time_unit = kSecond;
    std::optional<Nanos> duration;  // also constant-vus
    std::optional<std::int64_t> pre_allocated_vus;
    std::optional<std::int64_t> max_vus;  // defaults to preAllocatedVUs
    std::int64_t start_rate = 0;
    std::vector<Stage> stages;  // also ramping-vus

    // constant-vus / per-vu-iterations / shared-iterations / ramping-vus
    std::int64_t vus = 1;
    std::int64_t iterations = 1;
    Nanos max_duration = 10 * kMinute;
    std::int64_t start_vus = 1;
    Nanos graceful_ramp_down = 30 * kSecond;

    std::int64_t MaxVus() const { return max_vus.value_or(pre_allocated_vus.value_or(0)); }
};

struct ThresholdConfig {
    std::string source;  // e.g. "p(95)<3000"
    bool abort_on_fail = false;
    std::optional<Nanos> delay_abort_eval;
};

struct MetricThresholds {
    std::string metric;  // may carry a tag filter: "http_req_duration{name:issue}"
    std::vector<ThresholdConfig> thresholds;
};

struct Options {
    std::optional<std::vector<ScenarioConfig>> scenarios;  // nullopt: not set
    std::vector<MetricThresholds> thresholds;              // in file order
    std::optional<std::vector<std::string>> summary_trend_stats;
    std::optional<std::string> summary_time_unit;
    std::optional<std::int64_t> vus;
    std::optional<Nanos> duration;
    std::optional<std::int64_t> iterations;
    std::optional<std::vector<Stage>> stages;
    bool no_cookies_reset = false;
};

struct OptionsError {
    std::string message;
};

// Parses a k6 options object. Unknown top-level keys are ignored (k6 has many we do not emulate);
// unknown keys inside a scenario are an error, as in k6 (strict executor configs).
Result<Options, OptionsError> ParseOptionsJson(std::string_view json);

// Command-line flags of `k6 run` that take part in option consolidation.
struct CliOverrides {
    std::optional<std::int64_t> vus;
    std::optional<Nanos> duration;
    std::optional<std::int64_t> iterations;
    std::optional<std::vector<std::string>> summary_trend_stats;
    std::optional<std::string> summary_time_unit;
};

// k6's consolidation: flags override the file, and a duration/iterations/stages shortcut from a
// higher level replaces the lower level's scenarios entirely (a warning is appended). Then the
// shortcuts become scenarios named "default" (DeriveScenariosFromShortcuts). Errors are k6's
// "using `duration` and `scenarios` options simultaneously is not allowed" family.
Result<Options, OptionsError> ConsolidateOptions(Options file, const CliOverrides& cli,
                                                 std::vector<std::string>& warnings);

// k6's per-executor Validate() messages plus trend-stat and time-unit checks; empty when valid.
std::vector<std::string> ValidateOptions(const Options& options);

// Scenarios in k6's display and start order (by startTime, then name).
std::vector<ScenarioConfig> SortedScenarios(const Options& options);

// k6's GetDescription(): "25.00 iterations/s for 5s (maxVUs: 100, gracefulStop: 30s)".
std::string DescribeScenario(const ScenarioConfig& scenario);
// End of the scenario's executor, incl. graceful stop, measured from the test start.
Nanos ScenarioMaxEnd(const ScenarioConfig& scenario);
// End of the regular (non-graceful) part, measured from the scenario's own start.
Nanos ScenarioRegularDuration(const ScenarioConfig& scenario);
// Most VUs the scenario can hold at once (maxVUs; the peak of the ramping-vus plan).
std::int64_t ScenarioMaxVus(const ScenarioConfig& scenario);
// Iterations the scenario will try to start when VUs suffice: arrival times for the arrival-rate
// executors, vus × iterations / iterations for the iteration executors; nullopt for VU loops.
std::optional<std::int64_t> PlannedIterations(const ScenarioConfig& scenario);

// Trend columns: "avg", "min", "med", "max", "count", "p(N)" with 0 <= N <= 100.
bool IsValidTrendStat(std::string_view stat);
std::vector<std::string> ParseTrendStatsList(std::string_view comma_separated);
const std::vector<std::string>& DefaultSummaryTrendStats();  // avg,min,med,max,p(90),p(95)

}  // namespace hhplus::loadgen
