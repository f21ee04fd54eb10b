#pragma once
// `--html FILE.html`: one self-contained page (inline SVG and CSS, no script, no CDN) with
// requests/s and p50/p95/p99 per second, the status/errorCode breakdown, requests per instance,
// the thresholds, the invariant checks and the k6-style summary.
#include <string>
#include <vector>

#include "loadgen/run_report.hpp"

namespace hhplus::loadgen {

struct SecondBucket {
    std::size_t requests = 0;
    double p50 = 0;
    double p95 = 0;
    double p99 = 0;
};

// Requests grouped by the second in which they ended (bucket i covers [i, i+1) s).
std::vector<SecondBucket> PerSecondSeries(const RequestLog& log);

std::string RenderHtmlReport(const RunReport& report);

// Escapes &, <, >, " for HTML text and attributes.
std::string HtmlEscape(const std::string& text);

}  // namespace hhplus::loadgen
