#pragma once
// k6 thresholds: the expression grammar ("p(95)<3000", "rate>0.99", "count<10", "avg<=200"), the
// aggregation methods each metric type supports, and evaluation with k6's rules (a percentile of
// an empty trend is 0; a rate without samples passes; abortOnFail honours delayAbortEval).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "loadgen/duration.hpp"
#include "loadgen/metrics.hpp"
#include "loadgen/options.hpp"

namespace hhplus::loadgen {

enum class Aggregation { kValue, kCount, kRate, kAvg, kMin, kMed, kMax, kPercentile };

struct ThresholdExpression {
    Aggregation method = Aggregation::kValue;
    double percentile = 0;  // for kPercentile, e.g. 99.9
    std::string op;         // "<", "<=", ">", ">=", "==", "===", "!="
    double value = 0;
};

// k6's parseThresholdExpression: the first operator found in the order <=, <, >=, >, ===, ==, !=
// splits the expression; both sides are trimmed.
Result<ThresholdExpression, std::string> ParseThresholdExpression(std::string_view source);
bool SupportsAggregation(MetricType type, Aggregation method);
std::string_view AggregationName(Aggregation method);  // "p" for percentiles, as k6

struct Threshold {
    ThresholdConfig config;
    ThresholdExpression expr;
    bool last_failed = false;
};

struct MetricThresholdSet {
    Metric* metric = nullptr;
    std::vector<Threshold> thresholds;
};

struct ThresholdOutcome {
    std::vector<std::string> breached;  // metric names, sorted
    bool should_abort = false;
};

class ThresholdEngine {
  public:
    // Resolves each threshold's metric (creating sub-metrics), parses and validates it. Errors use
    // k6's wording; any error means exit code 104. Metrics named by thresholds become observed.
    std::vector<std::string> Setup(const std::vector<MetricThresholds>& config, Registry& registry);
    // k6's evaluateThresholds. During the run (ignore_empty) metrics without samples are skipped;
    // the final pass evaluates everything. `elapsed` feeds Counter rates and delayAbortEval.
    ThresholdOutcome Evaluate(bool ignore_empty, Nanos elapsed);
    const std::vector<MetricThresholdSet>& Sets() const { return sets_; }
    bool Empty() const { return sets_.empty(); }

  private:
    std::vector<MetricThresholdSet> sets_;
};

}  // namespace hhplus::loadgen
