#pragma once
// The command line of hhplus-load (loadgen.md is binding):
//   hhplus-load run <scenario> [options]
//   hhplus-load list
//   hhplus-load report <raw.ndjson> [--html out.html]
//   hhplus-load __metrics [scenario]      (hidden: custom metric names, for the k6 script check)
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "loadgen/runner.hpp"

namespace hhplus::loadgen {

// Parsed `run` arguments before options are loaded.
struct RunArgs {
    std::string scenario;
    CliOverrides overrides;
    std::map<std::string, std::string> env;  // -e KEY=VALUE
    std::string options_file;
    std::optional<std::string> summary_trend_stats;
    std::optional<std::string> summary_time_unit;
    std::string summary_mode = "compact";
    std::string summary_export;
    std::string out_json;
    std::string html;
    std::vector<std::string> redis;
    std::string admin_token;
    bool stage = false;
    bool quiet = false;
    bool no_color = false;
    bool dry_run = false;
};

struct CliError {
    std::string message;
};

Result<RunArgs, CliError> ParseRunArgs(const std::vector<std::string>& args);

// Parses `export KEY=VALUE` lines (values optionally quoted), as `./stage env` prints them.
std::map<std::string, std::string> ParseExportLines(const std::string& text);

// Applies -e RATE / -e DURATION to the scenarios of an options object (documented in README):
// RATE sets `rate` of constant-arrival-rate scenarios, DURATION the `duration` of
// constant-arrival-rate and constant-vus scenarios. Returns an error text for bad values.
std::string ApplyEnvTweaks(Options& options,
                           const std::function<std::optional<std::string>(std::string_view)>& env);

// Finds k6/options/<name>.json: ./k6/options, the parents of the working directory, the source
// tree, then the copy embedded at build time. Returns (json text, where it came from).
std::optional<std::pair<std::string, std::string>> FindScenarioOptions(const std::string& name);

// Builds the RunConfig for `run` (options, environment, target); exit code 104 on invalid input.
Result<RunConfig, CliError> BuildRunConfig(const RunArgs& args,
                                           const std::map<std::string, std::string>& stage_env,
                                           std::ostream& err);

int Main(int argc, char** argv);

}  // namespace hhplus::loadgen
