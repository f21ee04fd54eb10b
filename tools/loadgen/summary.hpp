#pragma once
// k6 v1.x's end-of-test summary, "compact" mode (internal/js/summary.js of k6 v1.8.1): the
// THRESHOLDS block with ✓/✗, then TOTAL RESULTS with the checks and the CUSTOM / HTTP /
// EXECUTION / NETWORK sections, dotted alignment, k6's number and unit formatting. "full" mode
// additionally lists the detailed HTTP timings (http_req_blocked, ..._waiting); k6's per-group and
// per-scenario sections of full mode are not reproduced (see README).
#include <string>
#include <utility>
#include <vector>

#include "loadgen/duration.hpp"
#include "loadgen/metrics.hpp"
#include "loadgen/thresholds.hpp"

namespace hhplus::loadgen {

struct SummaryInput {
    const Registry* registry = nullptr;
    const ThresholdEngine* thresholds = nullptr;  // may be null
    const CheckBook* checks = nullptr;            // may be null
    Nanos run_duration = 0;
    std::vector<std::string> trend_stats;  // summaryTrendStats
    std::string time_unit;                 // summaryTimeUnit: "", "s", "ms", "us"
    bool colors = false;
    bool full_mode = false;
};

// What k6 writes to stdout at the end of a test: "\n" + summary + "\n\n".
std::string RenderTextSummary(const SummaryInput& input);

// k6's metricValueGetter: the values a metric exposes to the summary and to --summary-export
// (count/rate, value/min/max, rate/passes/fails, or one entry per trend stat), in that order.
std::vector<std::pair<std::string, double>> MetricSummaryValues(
    const Metric& metric, Nanos run_duration, const std::vector<std::string>& trend_stats);

// Value of one trend column ("avg", "med", "count", "p(99.9)") for a trend sink.
double TrendStat(const TrendSink& trend, std::string_view stat);

}  // namespace hhplus::loadgen
