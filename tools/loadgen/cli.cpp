#include "loadgen/cli.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "loadgen/embedded_options.hpp"
#include "loadgen/scenarios.hpp"

namespace hhplus::loadgen {
namespace {

constexpr std::string_view kDefaultTarget = "http://127.0.0.1:3000";
// How far up from the working directory we look for k6/options (a run from build/h-load or
// tools/loadgen still finds the repository's files).
constexpr int kOptionsSearchDepth = 6;

constexpr std::string_view kUsage =
    R"USAGE(hhplus-load: native load generator with k6 v1.x semantics

usage:
  hhplus-load run <scenario> [options]     run one scenario (see `list`)
  hhplus-load list                         scenarios and their default options
  hhplus-load report <raw.ndjson> [--html out.html]
                                           re-render a finished run from its --out json file

run options (as `k6 run`):
  -u, --vus N                  VUs; with --duration: constant-vus, with --iterations: shared-iterations
  -d, --duration D             e.g. 30s, 1m30s (replaces the scenarios of the options file)
  -i, --iterations N           total iterations shared by the VUs (replaces the scenarios)
  -e, --env KEY=VALUE          script environment (repeatable; overrides the process environment)
      --options FILE.json      a k6 options object instead of k6/options/<scenario>.json
      --summary-trend-stats S  e.g. "avg,min,med,max,p(55),p(95),p(99)"
      --summary-time-unit U    s, ms or us
      --summary-mode M         compact (default) or full
      --summary-export F.json  k6's summary export
  -o, --out json=F.ndjson      every sample, k6's JSON output format
      --no-color               no ANSI colours
  -q, --quiet                  no header or progress
      --dry-run                validate and print the plan; send nothing
beyond k6:
      --html F.html            self-contained report (SVG charts)
      --redis ROLE=redis://H:P[,redis://H:P]   INFO commandstats deltas per role (repeatable)
      --admin-token T          create a fresh coupon (-e COUPON_QUANTITY) unless -e COUPON_ID; audit it after
      --stage                  take BASE_URL, the Redis roles and ADMIN_TOKEN from `./stage env`

target: -e BASE_URL=..., else K6_TARGET_URL, else http://127.0.0.1:3000
exit codes: 0 ok, 99 thresholds failed, 104 invalid options, 105 interrupted, 111 invariant violated
)USAGE";

Result<std::int64_t, CliError> ParseCount(const std::string& flag, const std::string& value) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < 0) {
        return CliError{"invalid argument \"" + value + "\" for \"" + flag + "\""};
    }
    return n;
}

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// `./stage env` in the working directory.
Result<std::map<std::string, std::string>, CliError> RunStageEnv() {
    if (::access("./stage", X_OK) != 0)
        return CliError{"--stage: no executable ./stage in the working directory"};
    std::FILE* p = ::popen("./stage env", "r");
    if (p == nullptr) return CliError{"--stage: cannot run ./stage env"};
    std::string text;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
    const int status = ::pclose(p);
    if (status != 0) return CliError{"--stage: ./stage env failed (is the stage up?)"};
    return ParseExportLines(text);
}

void PrintList(std::ostream& out) {
    for (const ScenarioInfo& info : ScenarioCatalog()) {
        out << info.name << "\n    " << info.description << "\n";
        auto found = FindScenarioOptions(info.name);
        if (!found) {
            out << "    options: none found (1 VU, 1 iteration)\n\n";
            continue;
        }
        out << "    options: " << found->second << "\n";
        auto parsed = ParseOptionsJson(found->first);
        if (!parsed) {
            out << "    (invalid: " << parsed.error().message << ")\n\n";
            continue;
        }
        std::vector<std::string> warnings;
        auto consolidated = ConsolidateOptions(parsed.value(), CliOverrides{}, warnings);
        if (consolidated) {
            for (const ScenarioConfig& sc : SortedScenarios(consolidated.value())) {
                out << "    * " << sc.name << ": " << DescribeScenario(sc) << "\n";
            }
        }
        for (const MetricThresholds& mt : parsed->thresholds) {
            out << "    threshold " << mt.metric << ":";
            for (const ThresholdConfig& t : mt.thresholds) out << " '" << t.source << "'";
            out << "\n";
        }
        if (!info.metrics.empty()) {
            out << "    custom metrics:";
            for (const CustomMetricSpec& m : info.metrics) out << " " << m.name;
            out << "\n";
        }
        if (!info.k6_script.empty()) out << "    k6 script: " << info.k6_script << "\n";
        out << "\n";
    }
}

// Hidden: "<scenario> <k6 script or -> <metric> <type>" per custom metric.
int PrintMetrics(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const std::string only = args.size() > 1 ? args[1] : "";
    if (!only.empty() && FindScenario(only) == nullptr) {
        err << "unknown scenario '" << only << "'\n";
        return kExitInvalidConfig;
    }
    for (const ScenarioInfo& info : ScenarioCatalog()) {
        if (!only.empty() && info.name != only) continue;
        for (const CustomMetricSpec& m : info.metrics) {
            out << info.name << " " << (info.k6_script.empty() ? "-" : info.k6_script) << " "
                << m.name << " " << MetricTypeName(m.type) << "\n";
        }
    }
    return kExitOk;
}

}  // namespace

std::map<std::string, std::string> ParseExportLines(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::string_view l = line;
        while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
        if (l.substr(0, 7) == "export ") l.remove_prefix(7);
        std::size_t eq = l.find('=');
        if (eq == std::string_view::npos || eq == 0 || l.front() == '#') continue;
        std::string key(l.substr(0, eq));
        std::string_view value = l.substr(eq + 1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\r'))
            value.remove_suffix(1);
        if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        out[key] = std::string(value);
    }
    return out;
}

Result<RunArgs, CliError> ParseRunArgs(const std::vector<std::string>& args) {
    RunArgs ra;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string value;
        bool has_inline = false;
        if (arg.size() > 2 && arg[0] == '-' && arg[1] == '-') {
            if (std::size_t eq = arg.find('='); eq != std::string::npos) {
                value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
                has_inline = true;
            }
        }
        auto next = [&]() -> Result<std::string, CliError> {
            if (has_inline) return value;
            if (i + 1 >= args.size()) return CliError{"flag needs an argument: " + arg};
            return args[++i];
        };
        auto take = [&](std::string& target) -> std::optional<CliError> {
            auto v = next();
            if (!v) return std::move(v).error();
            target = std::move(v.value());
            return std::nullopt;
        };
        std::optional<CliError> error;
        std::string v;
        if (arg == "-u" || arg == "--vus") {
            if ((error = take(v))) return *error;
            auto n = ParseCount(arg, v);
            if (!n) return std::move(n).error();
            ra.overrides.vus = n.value();
        } else if (arg == "-d" || arg == "--duration") {
            if ((error = take(v))) return *error;
            auto d = ParseDuration(v);
            if (!d) return CliError{"invalid argument \"" + v + "\" for \"" + arg + "\""};
            ra.overrides.duration = *d;
        } else if (arg == "-i" || arg == "--iterations") {
            if ((error = take(v))) return *error;
            auto n = ParseCount(arg, v);
            if (!n) return std::move(n).error();
            ra.overrides.iterations = n.value();
        } else if (arg == "-e" || arg == "--env") {
            if ((error = take(v))) return *error;
            std::size_t eq = v.find('=');
            if (eq == std::string::npos || eq == 0)
                return CliError{"-e needs KEY=VALUE, got \"" + v + "\""};
            ra.env[v.substr(0, eq)] = v.substr(eq + 1);
        } else if (arg == "--options" || arg == "--config" || arg == "-c") {
            if ((error = take(ra.options_file))) return *error;
        } else if (arg == "--summary-trend-stats") {
            if ((error = take(v))) return *error;
            ra.summary_trend_stats = v;
        } else if (arg == "--summary-time-unit") {
            if ((error = take(v))) return *error;
            ra.summary_time_unit = v;
        } else if (arg == "--summary-mode") {
            if ((error = take(ra.summary_mode))) return *error;
            if (ra.summary_mode != "compact" && ra.summary_mode != "full") {
                return CliError{"invalid summary mode '" + ra.summary_mode + "': compact or full"};
            }
        } else if (arg == "--summary-export") {
            if ((error = take(ra.summary_export))) return *error;
        } else if (arg == "-o" || arg == "--out") {
            if ((error = take(v))) return *error;
            if (v.rfind("json=", 0) != 0 || v.size() == 5)
                return CliError{"only --out json=FILE is supported, got \"" + v + "\""};
            ra.out_json = v.substr(5);
        } else if (arg == "--html") {
            if ((error = take(ra.html))) return *error;
        } else if (arg == "--redis") {
            if ((error = take(v))) return *error;
            ra.redis.push_back(v);
        } else if (arg == "--admin-token") {
            if ((error = take(ra.admin_token))) return *error;
        } else if (arg == "--stage") {
            ra.stage = true;
        } else if (arg == "-q" || arg == "--quiet") {
            ra.quiet = true;
        } else if (arg == "--no-color") {
            ra.no_color = true;
        } else if (arg == "--dry-run") {
            ra.dry_run = true;
        } else if (!arg.empty() && arg[0] == '-') {
            return CliError{"unknown flag: " + arg};
        } else if (ra.scenario.empty()) {
            ra.scenario = arg;
        } else {
            return CliError{"unexpected argument \"" + arg + "\" (one scenario per run)"};
        }
    }
    if (ra.scenario.empty()) return CliError{"run needs a scenario name; see `hhplus-load list`"};
    return ra;
}

std::string ApplyEnvTweaks(Options& options,
                           const std::function<std::optional<std::string>(std::string_view)>& env) {
    if (!options.scenarios) return "";
    if (auto rate = env("RATE")) {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(rate->data(), rate->data() + rate->size(), n);
        if (ec != std::errc() || end != rate->data() + rate->size() || n <= 0)
            return "RATE must be a positive integer, got '" + *rate + "'";
        for (ScenarioConfig& sc : *options.scenarios) {
            if (sc.executor == ExecutorType::kConstantArrivalRate) sc.rate = n;
        }
    }
    if (auto duration = env("DURATION")) {
        auto d = ParseDuration(*duration);
        if (!d || *d <= 0)
            return "DURATION must be a duration such as 30s, got '" + *duration + "'";
        for (ScenarioConfig& sc : *options.scenarios) {
            if (sc.executor == ExecutorType::kConstantArrivalRate ||
                sc.executor == ExecutorType::kConstantVus)
                sc.duration = *d;
        }
    }
    return "";
}

std::optional<std::pair<std::string, std::string>> FindScenarioOptions(const std::string& name) {
    namespace fs = std::filesystem;
    const std::string relative = "k6/options/" + name + ".json";
    std::error_code ec;
    fs::path dir = fs::current_path(ec);
    for (int depth = 0; !ec && depth < kOptionsSearchDepth; ++depth) {
        fs::path candidate = dir / relative;
        if (fs::is_regular_file(candidate, ec))
            return std::make_pair(ReadFile(candidate), candidate.string());
        if (!dir.has_parent_path() || dir.parent_path() == dir) break;
        dir = dir.parent_path();
    }
    fs::path source = fs::path(HHPLUS_LOADGEN_SOURCE_DIR) / relative;
    if (fs::is_regular_file(source, ec)) return std::make_pair(ReadFile(source), source.string());
    for (const EmbeddedOptions& e : EmbeddedOptionFiles()) {
        if (e.name == name)
            return std::make_pair(std::string(e.json), relative + " (embedded copy)");
    }
    return std::nullopt;
}

Result<RunConfig, CliError> BuildRunConfig(const RunArgs& args,
                                           const std::map<std::string, std::string>& stage_env,
                                           std::ostream& err) {
    const ScenarioInfo* info = FindScenario(args.scenario);
    if (info == nullptr)
        return CliError{"unknown scenario '" + args.scenario + "'; see `hhplus-load list`"};
    RunConfig config;
    config.scenario = args.scenario;
    // k6's __ENV: -e wins over the process environment; `./stage env` sits between them.
    const std::map<std::string, std::string> cli_env = args.env;
    config.env = [cli_env, stage_env](std::string_view key) -> std::optional<std::string> {
        if (auto it = cli_env.find(std::string(key)); it != cli_env.end()) return it->second;
        if (auto it = stage_env.find(std::string(key)); it != stage_env.end()) return it->second;
        if (const char* v = std::getenv(std::string(key).c_str())) return std::string(v);
        return std::nullopt;
    };

    std::string json;
    if (!args.options_file.empty()) {
        std::ifstream in(args.options_file);
        if (!in) return CliError{"cannot read options file " + args.options_file};
        json = ReadFile(args.options_file);
        config.options_source = args.options_file;
    } else if (auto found = FindScenarioOptions(args.scenario)) {
        json = found->first;
        config.options_source = found->second;
    } else {
        json = "{}";
        config.options_source = "none (k6 defaults)";
    }
    auto parsed = ParseOptionsJson(json);
    if (!parsed) return CliError{config.options_source + ": " + parsed.error().message};
    Options options = std::move(parsed.value());
    if (std::string e = ApplyEnvTweaks(options, config.env); !e.empty()) return CliError{e};
    CliOverrides overrides = args.overrides;
    if (args.summary_trend_stats)
        overrides.summary_trend_stats = ParseTrendStatsList(*args.summary_trend_stats);
    if (args.summary_time_unit) overrides.summary_time_unit = *args.summary_time_unit;
    auto consolidated = ConsolidateOptions(std::move(options), overrides, config.warnings);
    if (!consolidated) return CliError{consolidated.error().message};
    config.options = std::move(consolidated.value());
    std::vector<std::string> problems = ValidateOptions(config.options);
    if (!problems.empty()) {
        std::string message = "There were problems with the specified script configuration:";
        for (const std::string& p : problems) message += "\n\t- " + p;
        return CliError{message};
    }
    config.trend_stats = config.options.summary_trend_stats.value_or(DefaultSummaryTrendStats());
    config.time_unit = config.options.summary_time_unit.value_or("");

    std::string target = std::string(kDefaultTarget);
    // An empty variable counts as unset (CI files often export BASE_URL= as a placeholder).
    if (auto v = config.env("BASE_URL"); v && !v->empty()) {
        target = *v;
    } else if (auto t = config.env("K6_TARGET_URL"); t && !t->empty()) {
        target = *t;
    }
    auto base = ParseBaseUrl(target);
    if (!base) return CliError{base.error()};
    config.base = base.value();
    config.base_url_text = target;

    for (const std::string& spec : args.redis) {
        auto role = ParseRedisRole(spec);
        if (!role) return CliError{"--redis: " + role.error()};
        config.redis.push_back(std::move(role.value()));
    }
    auto has_role = [&config](const std::string& r) {
        for (const RedisRole& role : config.redis) {
            if (role.role == r) return true;
        }
        return false;
    };
    for (const auto& [role, key] :
         {std::pair<std::string, std::string>{"session", "REDIS_SESSION_URL"},
          {"lock", "REDIS_LOCK_URLS"},
          {"cache", "REDIS_CACHE_URL"}}) {
        auto it = stage_env.find(key);
        if (it == stage_env.end() || it->second.empty() || has_role(role)) continue;
        auto parsed_role = ParseRedisRole(role + "=" + it->second);
        if (!parsed_role) {
            err << "WARN[0000] --stage: ignoring " << key << ": " << parsed_role.error() << "\n";
            continue;
        }
        config.redis.push_back(std::move(parsed_role.value()));
    }
    config.admin_token = args.admin_token;
    if (config.admin_token.empty()) {
        if (auto it = stage_env.find("ADMIN_TOKEN"); it != stage_env.end())
            config.admin_token = it->second;
    }
    config.quiet = args.quiet;
    config.no_color = args.no_color;
    config.dry_run = args.dry_run;
    config.full_summary = args.summary_mode == "full";
    config.summary_export = args.summary_export;
    config.out_json = args.out_json;
    config.html = args.html;
    config.stdout_is_tty = ::isatty(STDOUT_FILENO) == 1;
    return config;
}

int Main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::ostream& out = std::cout;
    std::ostream& err = std::cerr;
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        out << kUsage;  // like `k6` without a command: help, exit 0
        return kExitOk;
    }
    const std::string command = args[0];
    if (command == "list") {
        PrintList(out);
        return kExitOk;
    }
    if (command == "__metrics") return PrintMetrics(args, out, err);
    if (command == "report") {
        std::string ndjson;
        std::string html;
        std::vector<std::string> stats = DefaultSummaryTrendStats();
        bool no_color = false;
        for (std::size_t i = 1; i < args.size(); ++i) {
            if (args[i] == "--html" && i + 1 < args.size()) {
                html = args[++i];
            } else if (args[i] == "--summary-trend-stats" && i + 1 < args.size()) {
                stats = ParseTrendStatsList(args[++i]);
            } else if (args[i] == "--no-color") {
                no_color = true;
            } else if (ndjson.empty() && !args[i].empty() && args[i][0] != '-') {
                ndjson = args[i];
            } else {
                err << "report: unexpected argument " << args[i] << "\n";
                return kExitInvalidConfig;
            }
        }
        if (ndjson.empty()) {
            err << "report needs the NDJSON file written by --out json=FILE\n";
            return kExitInvalidConfig;
        }
        return RenderReportFromNdjson(ndjson, html, stats,
                                      !no_color && ::isatty(STDOUT_FILENO) == 1, out, err);
    }
    if (command != "run") {
        err << "unknown command \"" << command << "\"\n" << kUsage;
        return kExitInvalidConfig;
    }
    auto parsed = ParseRunArgs(std::vector<std::string>(args.begin() + 1, args.end()));
    if (!parsed) {
        err << "ERRO[0000] " << parsed.error().message << "\n";
        return kExitInvalidConfig;
    }
    std::map<std::string, std::string> stage_env;
    if (parsed->stage) {
        auto stage = RunStageEnv();
        if (!stage) {
            err << "ERRO[0000] " << stage.error().message << "\n";
            return kExitInvalidConfig;
        }
        stage_env = std::move(stage.value());
    }
    auto config = BuildRunConfig(parsed.value(), stage_env, err);
    if (!config) {
        err << "ERRO[0000] " << config.error().message << "\n";
        return kExitInvalidConfig;
    }
    return RunLoadTest(config.value(), out, err);
}

}  // namespace hhplus::loadgen
