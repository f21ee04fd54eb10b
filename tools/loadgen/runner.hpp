#pragma once
// `hhplus-load run`: drives the executors of every scenario on one io_context (one thread, so the
// runner uses one core), collects k6's metrics, evaluates thresholds (every 2 s for abortOnFail,
// then once at the end), prints k6's execution header, progress and end-of-test summary, and the
// "beyond k6" block. Exit codes as k6: 0, 99 thresholds, 104 invalid options, 105 interrupted;
// ours: 111 when a post-run invariant check fails.
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/options.hpp"
#include "loadgen/redis_stats.hpp"
#include "loadgen/url.hpp"

namespace hhplus::loadgen {

constexpr int kExitOk = 0;
constexpr int kExitGenericError = 1;  // target unreachable for setup, file not writable, ...
constexpr int kExitThresholdsFailed = 99;
constexpr int kExitInvalidConfig = 104;
constexpr int kExitInterrupted = 105;
constexpr int kExitInvariantViolated = 111;

struct RunConfig {
    std::string scenario;  // catalog name
    Options options;       // consolidated and validated
    std::vector<std::string> warnings;
    std::string options_source;  // where the options came from, for the header
    BaseUrl base;
    std::string base_url_text;
    std::function<std::optional<std::string>(std::string_view)> env;  // -e, then the environment
    std::vector<std::string> trend_stats;
    std::string time_unit;
    bool quiet = false;
    bool no_color = false;
    bool dry_run = false;
    bool full_summary = false;
    bool stdout_is_tty = false;
    std::string summary_export;  // --summary-export FILE
    std::string out_json;        // --out json=FILE
    std::string html;            // --html FILE
    std::vector<RedisRole> redis;
    std::string admin_token;
};

// Runs the test; writes the header, progress and summary to `out`, warnings and errors to `err`.
int RunLoadTest(const RunConfig& config, std::ostream& out, std::ostream& err);

// `hhplus-load report raw.ndjson [--html out.html]`: re-renders a finished run from its NDJSON.
int RenderReportFromNdjson(const std::string& ndjson_path, const std::string& html_path,
                           const std::vector<std::string>& trend_stats, bool colors,
                           std::ostream& out, std::ostream& err);

}  // namespace hhplus::loadgen
