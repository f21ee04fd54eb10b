#pragma once
// `--summary-export FILE.json`: k6's legacy summary export (k6 v1.x keeps the pre-v0.30 shape for
// this flag): {"root_group": {...checks...}, "metrics": {"<name>": {values, "thresholds": {src:
// failed}}}}, pretty-printed with four spaces as JSON.stringify(data, null, 4) does.
#include <string>
#include <vector>

#include "loadgen/duration.hpp"
#include "loadgen/metrics.hpp"
#include "loadgen/thresholds.hpp"

namespace hhplus::loadgen {

std::string RenderSummaryExport(const Registry& registry, const ThresholdEngine* thresholds,
                                const CheckBook* checks, Nanos run_duration,
                                const std::vector<std::string>& trend_stats);

}  // namespace hhplus::loadgen
