#include "loadgen/options.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "loadgen/schedule.hpp"

namespace hhplus::loadgen {
namespace {

constexpr Nanos kMinDuration = kSecond;  // k6's minDuration for duration/maxDuration

using Json = rapidjson::Value;

OptionsError Error(std::string message) { return OptionsError{std::move(message)}; }

// A k6 duration option: a string ("30s", "1m30s") or a number of milliseconds.
Result<Nanos, OptionsError> ReadDuration(const Json& value, std::string_view field) {
    if (value.IsString()) {
        auto d = ParseDuration(std::string_view(value.GetString(), value.GetStringLength()));
        if (!d)
            return Error("invalid duration for " + std::string(field) + ": \"" + value.GetString() +
                         "\"");
        return *d;
    }
    if (value.IsNumber()) {
        double ms = value.GetDouble();
        if (!std::isfinite(ms) || std::fabs(ms) > 9.2e12)
            return Error("duration out of range for " + std::string(field));
        return static_cast<Nanos>(ms * static_cast<double>(kMillisecond));
    }
    return Error("invalid duration for " + std::string(field) + ": expected a string or a number");
}

Result<std::int64_t, OptionsError> ReadInt(const Json& value, std::string_view field) {
    if (value.IsInt64()) return value.GetInt64();
    if (value.IsDouble()) {
        double d = value.GetDouble();
        if (std::trunc(d) == d && std::fabs(d) < 9e18) return static_cast<std::int64_t>(d);
    }
    return Error("invalid value for " + std::string(field) + ": expected an integer");
}

Result<std::map<std::string, std::string>, OptionsError> ReadStringMap(const Json& value,
                                                                       std::string_view field) {
    if (!value.IsObject()) return Error(std::string(field) + " must be an object of strings");
    std::map<std::string, std::string> out;
    for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
        if (!it->value.IsString())
            return Error(std::string(field) + "." + it->name.GetString() + " must be a string");
        out[it->name.GetString()] = it->value.GetString();
    }
    return out;
}

Result<std::vector<Stage>, OptionsError> ReadStages(const Json& value, std::string_view where) {
    if (!value.IsArray()) return Error(std::string(where) + "stages must be an array");
    std::vector<Stage> stages;
    int number = 0;
    for (const auto& item : value.GetArray()) {
        ++number;
        if (!item.IsObject())
            return Error(std::string(where) + "stage " + std::to_string(number) +
                         " must be an object");
        Stage stage;
        bool has_duration = false;
        bool has_target = false;
        for (auto it = item.MemberBegin(); it != item.MemberEnd(); ++it) {
            std::string_view key = it->name.GetString();
            if (key == "duration") {
                auto d = ReadDuration(it->value, "stage duration");
                if (!d) return std::move(d).error();
                stage.duration = d.value();
                has_duration = true;
            } else if (key == "target") {
                auto t = ReadInt(it->value, "stage target");
                if (!t) return std::move(t).error();
                stage.target = t.value();
                has_target = true;
            } else {
                return Error(std::string(where) + "json: unknown field \"" + std::string(key) +
                             "\" in stage");
            }
        }
        if (!has_duration)
            return Error(std::string(where) + "stage " + std::to_string(number) +
                         " doesn't have a duration");
        if (!has_target)
            return Error(std::string(where) + "stage " + std::to_string(number) +
                         " doesn't have a target");
        stages.push_back(stage);
    }
    return stages;
}

// Fields each executor accepts besides the base ones (k6's StrictJSONUnmarshal).
bool FieldAllowed(ExecutorType type, std::string_view key) {
    static constexpr std::string_view kBase[] = {"executor", "startTime", "gracefulStop", "env",
                                                 "exec",     "tags",      "options"};
    if (std::find(std::begin(kBase), std::end(kBase), key) != std::end(kBase)) return true;
    auto in = [key](std::initializer_list<std::string_view> names) {
        return std::find(names.begin(), names.end(), key) != names.end();
    };
    switch (type) {
        case ExecutorType::kConstantArrivalRate:
            return in({"rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"});
        case ExecutorType::kRampingArrivalRate:
            return in({"startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs"});
        case ExecutorType::kConstantVus:
            return in({"vus", "duration"});
        case ExecutorType::kRampingVus:
            return in({"startVUs", "stages", "gracefulRampDown"});
        case ExecutorType::kPerVuIterations:
        case ExecutorType::kSharedIterations:
            return in({"vus", "iterations", "maxDuration"});
    }
    return false;
}

Result<ScenarioConfig, OptionsError> ReadScenario(std::string name, const Json& value) {
    const std::string where = "scenario " + name + ": ";
    if (!value.IsObject()) return Error(where + "must be an object");
    auto executor_it = value.FindMember("executor");
    if (executor_it == value.MemberEnd() || !executor_it->value.IsString()) {
        return Error(where + "missing or empty type field");
    }
    auto type = ParseExecutorType(executor_it->value.GetString());
    if (!type)
        return Error(where + "unknown executor type '" +
                     std::string(executor_it->value.GetString()) + "'");
    ScenarioConfig sc;
    sc.name = std::move(name);
    sc.executor = *type;
    for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
        std::string_view key = it->name.GetString();
        const Json& v = it->value;
        if (!FieldAllowed(sc.executor, key))
            return Error(where + "json: unknown field \"" + std::string(key) + "\"");
        auto set_duration = [&](Nanos& target) -> std::optional<OptionsError> {
            auto d = ReadDuration(v, key);
            if (!d) return std::move(d).error();
            target = d.value();
            return std::nullopt;
        };
        auto set_int = [&](std::int64_t& target) -> std::optional<OptionsError> {
            auto i = ReadInt(v, key);
            if (!i) return std::move(i).error();
            target = i.value();
            return std::nullopt;
        };
        std::optional<OptionsError> err;
        if (key == "executor" || key == "options") {
            continue;
        } else if (key == "startTime") {
            err = set_duration(sc.start_time);
        } else if (key == "gracefulStop") {
            err = set_duration(sc.graceful_stop);
        } else if (key == "env" || key == "tags") {
            auto m = ReadStringMap(v, key);
            if (!m) return Error(where + std::move(m).error().message);
            (key == "env" ? sc.env : sc.tags) = std::move(m.value());
        } else if (key == "exec") {
            if (!v.IsString()) return Error(where + "exec must be a string");
            sc.exec = v.GetString();
            if (sc.exec.empty()) return Error(where + "exec value cannot be empty");
        } else if (key == "rate" || key == "preAllocatedVUs" || key == "maxVUs") {
            std::int64_t n = 0;
            err = set_int(n);
            (key == "rate"              ? sc.rate
             : key == "preAllocatedVUs" ? sc.pre_allocated_vus
                                        : sc.max_vus) = n;
        } else if (key == "timeUnit") {
            err = set_duration(sc.time_unit);
        } else if (key == "duration") {
            Nanos d = 0;
            err = set_duration(d);
            sc.duration = d;
        } else if (key == "startRate") {
            err = set_int(sc.start_rate);
        } else if (key == "stages") {
            auto stages = ReadStages(v, where);
            if (!stages) return std::move(stages).error();
            sc.stages = std::move(stages.value());
        } else if (key == "vus") {
            err = set_int(sc.vus);
        } else if (key == "iterations") {
            err = set_int(sc.iterations);
        } else if (key == "maxDuration") {
            err = set_duration(sc.max_duration);
        } else if (key == "startVUs") {
            err = set_int(sc.start_vus);
        } else if (key == "gracefulRampDown") {
            err = set_duration(sc.graceful_ramp_down);
        }
        if (err) return Error(where + err->message);
    }
    return sc;
}

Result<std::vector<ThresholdConfig>, OptionsError> ReadThresholdList(const Json& value,
                                                                     const std::string& metric) {
    if (!value.IsArray()) {
        return Error("thresholds for " + metric + " must be an array of expressions");
    }
    std::vector<ThresholdConfig> list;
    for (const auto& item : value.GetArray()) {
        ThresholdConfig tc;
        if (item.IsString()) {
            tc.source = item.GetString();
        } else if (item.IsObject()) {
            for (auto it = item.MemberBegin(); it != item.MemberEnd(); ++it) {
                std::string_view key = it->name.GetString();
                if (key == "threshold" && it->value.IsString()) {
                    tc.source = it->value.GetString();
                } else if (key == "abortOnFail" && it->value.IsBool()) {
                    tc.abort_on_fail = it->value.GetBool();
                } else if (key == "delayAbortEval") {
                    if (it->value.IsNull()) continue;
                    auto d = ReadDuration(it->value, "delayAbortEval");
                    if (!d) return std::move(d).error();
                    tc.delay_abort_eval = d.value();
                } else {
                    return Error("invalid threshold field \"" + std::string(key) + "\" for " +
                                 metric);
                }
            }
        } else {
            return Error("thresholds for " + metric +
                         " must be strings or {threshold, abortOnFail, delayAbortEval} objects");
        }
        list.push_back(std::move(tc));
    }
    return list;
}

std::string FormatRate(double per_second) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", per_second);
    return buf;
}

std::string BaseInfo(const ScenarioConfig& sc, std::vector<std::string> facts) {
    if (!sc.exec.empty()) facts.push_back("exec: " + sc.exec);
    if (sc.start_time > 0) facts.push_back("startTime: " + FormatGoDuration(sc.start_time));
    if (sc.graceful_stop > 0)
        facts.push_back("gracefulStop: " + FormatGoDuration(sc.graceful_stop));
    if (facts.empty()) return "";
    std::string out = " (";
    for (std::size_t i = 0; i < facts.size(); ++i) {
        if (i > 0) out += ", ";
        out += facts[i];
    }
    return out + ")";
}

std::string MaxVusRange(const ScenarioConfig& sc) {
    std::string out = "maxVUs: " + std::to_string(sc.pre_allocated_vus.value_or(0));
    if (sc.MaxVus() > sc.pre_allocated_vus.value_or(0)) out += "-" + std::to_string(sc.MaxVus());
    return out;
}

Nanos SumStages(const std::vector<Stage>& stages) {
    Nanos total = 0;
    for (const Stage& s : stages) total += s.duration;
    return total;
}

void ValidateStages(const std::vector<Stage>& stages, std::vector<std::string>& errors) {
    if (stages.empty()) {
        errors.emplace_back("at least one stage has to be specified");
        return;
    }
    for (std::size_t i = 0; i < stages.size(); ++i) {
        const std::string n = std::to_string(i + 1);
        if (stages[i].duration < 0)
            errors.push_back("the duration for stage " + n + " can't be negative");
        if (stages[i].target < 0)
            errors.push_back("the target for stage " + n + " can't be negative");
    }
}

void ValidatePreAllocated(const ScenarioConfig& sc, std::vector<std::string>& errors) {
    if (!sc.pre_allocated_vus) {
        errors.emplace_back("the number of preAllocatedVUs isn't specified");
    } else if (*sc.pre_allocated_vus < 0) {
        errors.emplace_back("the number of preAllocatedVUs can't be negative");
    }
    if (sc.max_vus && *sc.max_vus < sc.pre_allocated_vus.value_or(0)) {
        errors.emplace_back("maxVUs can't be less than preAllocatedVUs");
    }
}

void ValidateDuration(std::optional<Nanos> d, std::string_view what,
                      std::vector<std::string>& errors) {
    if (!d) {
        errors.push_back("the " + std::string(what) + " is unspecified");
    } else if (*d < kMinDuration) {
        errors.push_back("the " + std::string(what) + " must be at least " +
                         FormatGoDuration(kMinDuration) + ", but is " + FormatGoDuration(*d));
    }
}

std::vector<std::string> ValidateScenario(const ScenarioConfig& sc) {
    std::vector<std::string> errors;
    const bool name_ok =
        !sc.name.empty() && std::all_of(sc.name.begin(), sc.name.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   c == '_' || c == '-';
        });
    if (sc.name.empty()) errors.emplace_back("scenario name can't be empty");
    if (!name_ok)
        errors.emplace_back(
            "the scenario name should contain only numbers, latin letters, underscores, and "
            "dashes");
    if (sc.start_time < 0) errors.emplace_back("the startTime can't be negative");
    if (sc.graceful_stop < 0) errors.emplace_back("the gracefulStop timeout can't be negative");
    switch (sc.executor) {
        case ExecutorType::kConstantArrivalRate:
            if (!sc.rate) {
                errors.emplace_back("the iteration rate isn't specified");
            } else if (*sc.rate <= 0) {
                errors.emplace_back("the iteration rate must be more than 0");
            }
            if (sc.time_unit <= 0) errors.emplace_back("the timeUnit must be more than 0");
            ValidateDuration(sc.duration, "duration", errors);
            ValidatePreAllocated(sc, errors);
            break;
        case ExecutorType::kRampingArrivalRate:
            if (sc.start_rate < 0) errors.emplace_back("the startRate value can't be negative");
            if (sc.time_unit <= 0) errors.emplace_back("the timeUnit must be more than 0");
            ValidateStages(sc.stages, errors);
            ValidatePreAllocated(sc, errors);
            break;
        case ExecutorType::kConstantVus:
            if (sc.vus <= 0) errors.emplace_back("the number of VUs must be more than 0");
            ValidateDuration(sc.duration, "duration", errors);
            break;
        case ExecutorType::kRampingVus: {
            if (sc.start_vus < 0) errors.emplace_back("the number of start VUs can't be negative");
            std::int64_t max_target = sc.start_vus;
            for (const Stage& s : sc.stages) max_target = std::max(max_target, s.target);
            if (max_target <= 0) {
                errors.emplace_back(
                    "either startVUs or one of the stages' target values must be greater than 0");
            }
            ValidateStages(sc.stages, errors);
            break;
        }
        case ExecutorType::kPerVuIterations:
            if (sc.vus <= 0) errors.emplace_back("the number of VUs must be more than 0");
            if (sc.iterations <= 0)
                errors.emplace_back("the number of iterations must be more than 0");
            ValidateDuration(sc.max_duration, "maxDuration", errors);
            break;
        case ExecutorType::kSharedIterations:
            if (sc.vus <= 0) errors.emplace_back("the number of VUs must be more than 0");
            if (sc.iterations < sc.vus) {
                errors.push_back("the number of iterations (" + std::to_string(sc.iterations) +
                                 ") can't be less than the number of VUs (" +
                                 std::to_string(sc.vus) + ")");
            }
            ValidateDuration(sc.max_duration, "maxDuration", errors);
            break;
    }
    return errors;
}

}  // namespace

std::string_view ExecutorTypeName(ExecutorType type) {
    switch (type) {
        case ExecutorType::kConstantArrivalRate:
            return "constant-arrival-rate";
        case ExecutorType::kRampingArrivalRate:
            return "ramping-arrival-rate";
        case ExecutorType::kConstantVus:
            return "constant-vus";
        case ExecutorType::kRampingVus:
            return "ramping-vus";
        case ExecutorType::kPerVuIterations:
            return "per-vu-iterations";
        case ExecutorType::kSharedIterations:
            return "shared-iterations";
    }
    return "per-vu-iterations";
}

std::optional<ExecutorType> ParseExecutorType(std::string_view name) {
    for (auto t : {ExecutorType::kConstantArrivalRate, ExecutorType::kRampingArrivalRate,
                   ExecutorType::kConstantVus, ExecutorType::kRampingVus,
                   ExecutorType::kPerVuIterations, ExecutorType::kSharedIterations}) {
        if (ExecutorTypeName(t) == name) return t;
    }
    return std::nullopt;
}

bool IsArrivalRate(ExecutorType type) {
    return type == ExecutorType::kConstantArrivalRate || type == ExecutorType::kRampingArrivalRate;
}

Result<Options, OptionsError> ParseOptionsJson(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag>(json.data(),
                                                                                   json.size());
    if (doc.HasParseError()) {
        return Error("options are not valid JSON at offset " +
                     std::to_string(doc.GetErrorOffset()) + ": " +
                     rapidjson::GetParseError_En(doc.GetParseError()));
    }
    if (!doc.IsObject()) return Error("options must be a JSON object");
    Options options;
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
        std::string_view key = it->name.GetString();
        const Json& v = it->value;
        if (key == "scenarios") {
            if (!v.IsObject()) return Error("scenarios must be an object");
            std::vector<ScenarioConfig> scenarios;
            for (auto s = v.MemberBegin(); s != v.MemberEnd(); ++s) {
                auto sc = ReadScenario(s->name.GetString(), s->value);
                if (!sc) return std::move(sc).error();
                scenarios.push_back(std::move(sc.value()));
            }
            options.scenarios = std::move(scenarios);
        } else if (key == "thresholds") {
            if (!v.IsObject()) return Error("thresholds must be an object");
            for (auto t = v.MemberBegin(); t != v.MemberEnd(); ++t) {
                std::string metric = t->name.GetString();
                auto list = ReadThresholdList(t->value, metric);
                if (!list) return std::move(list).error();
                options.thresholds.push_back({metric, std::move(list.value())});
            }
        } else if (key == "summaryTrendStats") {
            if (!v.IsArray()) return Error("summaryTrendStats must be an array of strings");
            std::vector<std::string> stats;
            for (const auto& s : v.GetArray()) {
                if (!s.IsString()) return Error("summaryTrendStats must be an array of strings");
                stats.emplace_back(s.GetString());
            }
            options.summary_trend_stats = std::move(stats);
        } else if (key == "summaryTimeUnit") {
            if (!v.IsString()) return Error("summaryTimeUnit must be a string");
            options.summary_time_unit = v.GetString();
        } else if (key == "vus" || key == "iterations") {
            auto n = ReadInt(v, key);
            if (!n) return std::move(n).error();
            (key == "vus" ? options.vus : options.iterations) = n.value();
        } else if (key == "duration") {
            auto d = ReadDuration(v, key);
            if (!d) return std::move(d).error();
            options.duration = d.value();
        } else if (key == "stages") {
            auto stages = ReadStages(v, "");
            if (!stages) return std::move(stages).error();
            options.stages = std::move(stages.value());
        } else if (key == "noCookiesReset") {
            if (!v.IsBool()) return Error("noCookiesReset must be a boolean");
            options.no_cookies_reset = v.GetBool();
        }
        // Other k6 options (hosts, dns, tlsAuth, ...) have no meaning here and are ignored.
    }
    return options;
}

Result<Options, OptionsError> ConsolidateOptions(Options file, const CliOverrides& cli,
                                                 std::vector<std::string>& warnings) {
    Options opts = std::move(file);
    if (cli.duration || cli.iterations) {
        if (opts.scenarios)
            warnings.emplace_back(
                "\"cli\" level configuration overrode scenarios configuration entirely");
        opts.scenarios.reset();
        opts.duration.reset();
        opts.iterations.reset();
        opts.stages.reset();
        opts.duration = cli.duration;
        opts.iterations = cli.iterations;
    }
    if (cli.vus) opts.vus = cli.vus;
    if (cli.summary_trend_stats) opts.summary_trend_stats = cli.summary_trend_stats;
    if (cli.summary_time_unit) opts.summary_time_unit = cli.summary_time_unit;

    const bool has_stages = opts.stages && !opts.stages->empty();
    if (opts.iterations) {
        if (has_stages)
            return Error("using `iterations` and `stages` options simultaneously is not allowed");
        if (opts.scenarios)
            return Error(
                "using `iterations` and `scenarios` options simultaneously is not allowed");
        ScenarioConfig sc;
        sc.name = "default";
        sc.executor = ExecutorType::kSharedIterations;
        sc.vus = opts.vus.value_or(1);
        sc.iterations = *opts.iterations;
        if (opts.duration) sc.max_duration = *opts.duration;
        opts.scenarios = std::vector<ScenarioConfig>{sc};
    } else if (opts.duration) {
        if (has_stages)
            return Error("using `duration` and `stages` options simultaneously is not allowed");
        if (opts.scenarios)
            return Error("using `duration` and `scenarios` options simultaneously is not allowed");
        if (*opts.duration <= 0) {
            return Error(
                "`duration` option should be more than 0, for infinite duration use the "
                "externally-controlled executor");
        }
        ScenarioConfig sc;
        sc.name = "default";
        sc.executor = ExecutorType::kConstantVus;
        sc.vus = opts.vus.value_or(1);
        sc.duration = opts.duration;
        opts.scenarios = std::vector<ScenarioConfig>{sc};
    } else if (has_stages) {
        if (opts.scenarios)
            return Error("using `stages` and `scenarios` options simultaneously is not allowed");
        ScenarioConfig sc;
        sc.name = "default";
        sc.executor = ExecutorType::kRampingVus;
        sc.start_vus = opts.vus.value_or(1);
        sc.stages = *opts.stages;
        opts.scenarios = std::vector<ScenarioConfig>{sc};
    } else if (!opts.scenarios || opts.scenarios->empty()) {
        if (opts.vus && *opts.vus != 1) {
            warnings.push_back("`vus=" + std::to_string(*opts.vus) +
                               "` option will be ignored, it only works in conjunction with "
                               "`iterations`, `duration`, or `stages`");
        }
        ScenarioConfig sc;
        sc.name = "default";
        sc.executor = ExecutorType::kPerVuIterations;
        opts.scenarios = std::vector<ScenarioConfig>{sc};
    }
    return opts;
}

std::vector<std::string> ValidateOptions(const Options& options) {
    std::vector<std::string> errors;
    if (options.scenarios) {
        for (const ScenarioConfig& sc : *options.scenarios) {
            for (const std::string& e : ValidateScenario(sc))
                errors.push_back("executor " + sc.name + ": " + e);
        }
    }
    if (options.summary_trend_stats) {
        for (const std::string& stat : *options.summary_trend_stats) {
            if (!IsValidTrendStat(stat)) {
                errors.push_back("invalid trend stat '" + stat +
                                 "': use avg, min, med, max, count or p(N) with 0 <= N <= 100");
            }
        }
    }
    if (options.summary_time_unit) {
        const std::string& u = *options.summary_time_unit;
        if (!u.empty() && u != "s" && u != "ms" && u != "us") {
            errors.push_back("invalid summaryTimeUnit '" + u + "': use s, ms or us");
        }
    }
    return errors;
}

std::vector<ScenarioConfig> SortedScenarios(const Options& options) {
    std::vector<ScenarioConfig> out = options.scenarios.value_or(std::vector<ScenarioConfig>{});
    std::stable_sort(out.begin(), out.end(), [](const ScenarioConfig& a, const ScenarioConfig& b) {
        if (a.start_time != b.start_time) return a.start_time < b.start_time;
        return a.name < b.name;
    });
    return out;
}

std::string DescribeScenario(const ScenarioConfig& sc) {
    switch (sc.executor) {
        case ExecutorType::kConstantArrivalRate: {
            double per_second = sc.MaxVus() == 0 || sc.time_unit <= 0
                                    ? 0
                                    : static_cast<double>(sc.rate.value_or(0)) *
                                          static_cast<double>(kSecond) /
                                          static_cast<double>(sc.time_unit);
            return FormatRate(per_second) + " iterations/s for " +
                   FormatGoDuration(sc.duration.value_or(0)) + BaseInfo(sc, {MaxVusRange(sc)});
        }
        case ExecutorType::kRampingArrivalRate: {
            std::int64_t max_rate = sc.start_rate;
            for (const Stage& s : sc.stages) max_rate = std::max(max_rate, s.target);
            double per_second = sc.time_unit <= 0
                                    ? 0
                                    : static_cast<double>(max_rate) * static_cast<double>(kSecond) /
                                          static_cast<double>(sc.time_unit);
            return "Up to " + FormatRate(per_second) + " iterations/s for " +
                   FormatGoDuration(SumStages(sc.stages)) + " over " +
                   std::to_string(sc.stages.size()) + " stages" + BaseInfo(sc, {MaxVusRange(sc)});
        }
        case ExecutorType::kConstantVus:
            return std::to_string(sc.vus) + " looping VUs for " +
                   FormatGoDuration(sc.duration.value_or(0)) + BaseInfo(sc, {});
        case ExecutorType::kRampingVus:
            return "Up to " + std::to_string(ScenarioMaxVus(sc)) + " looping VUs for " +
                   FormatGoDuration(SumStages(sc.stages)) + " over " +
                   std::to_string(sc.stages.size()) + " stages" +
                   BaseInfo(sc, {"gracefulRampDown: " + FormatGoDuration(sc.graceful_ramp_down)});
        case ExecutorType::kPerVuIterations:
            return std::to_string(sc.iterations) + " iterations for each of " +
                   std::to_string(sc.vus) + " VUs" +
                   BaseInfo(sc, {"maxDuration: " + FormatGoDuration(sc.max_duration)});
        case ExecutorType::kSharedIterations:
            return std::to_string(sc.iterations) + " iterations shared among " +
                   std::to_string(sc.vus) + " VUs" +
                   BaseInfo(sc, {"maxDuration: " + FormatGoDuration(sc.max_duration)});
    }
    return "";
}

Nanos ScenarioRegularDuration(const ScenarioConfig& sc) {
    switch (sc.executor) {
        case ExecutorType::kConstantArrivalRate:
        case ExecutorType::kConstantVus:
            return sc.duration.value_or(0);
        case ExecutorType::kRampingArrivalRate:
        case ExecutorType::kRampingVus:
            return SumStages(sc.stages);
        case ExecutorType::kPerVuIterations:
        case ExecutorType::kSharedIterations:
            return sc.max_duration;
    }
    return 0;
}

Nanos ScenarioMaxEnd(const ScenarioConfig& sc) {
    if (sc.executor == ExecutorType::kRampingVus) {
        auto steps = RampingVusGracefulSteps(sc.start_vus, sc.stages, sc.graceful_ramp_down,
                                             sc.graceful_stop);
        return sc.start_time + steps.back().offset;
    }
    return sc.start_time + ScenarioRegularDuration(sc) + sc.graceful_stop;
}

std::int64_t ScenarioMaxVus(const ScenarioConfig& sc) {
    switch (sc.executor) {
        case ExecutorType::kConstantArrivalRate:
        case ExecutorType::kRampingArrivalRate:
            return sc.MaxVus();
        case ExecutorType::kRampingVus: {
            std::int64_t max_vus = 0;
            for (const auto& step : RampingVusGracefulSteps(
                     sc.start_vus, sc.stages, sc.graceful_ramp_down, sc.graceful_stop)) {
                max_vus = std::max(max_vus, step.planned_vus);
            }
            return max_vus;
        }
        case ExecutorType::kConstantVus:
        case ExecutorType::kPerVuIterations:
        case ExecutorType::kSharedIterations:
            return sc.vus;
    }
    return 0;
}

std::optional<std::int64_t> PlannedIterations(const ScenarioConfig& sc) {
    switch (sc.executor) {
        case ExecutorType::kConstantArrivalRate: {
            Nanos period = ArrivalPeriod(sc.rate.value_or(0), sc.time_unit);
            Nanos duration = sc.duration.value_or(0);
            if (period == kNever || duration <= 0) return 0;
            if (period == 0)
                return std::nullopt;  // more than one arrival per nanosecond: unbounded
            return (duration + period - 1) / period;
        }
        case ExecutorType::kRampingArrivalRate: {
            const Nanos total = SumStages(sc.stages);
            RampingArrivalTimes times(sc.start_rate, sc.time_unit, sc.stages);
            std::int64_t count = 0;
            for (auto t = times.Next(); t && *t < total; t = times.Next()) ++count;
            return count;
        }
        case ExecutorType::kPerVuIterations:
            return sc.vus * sc.iterations;
        case ExecutorType::kSharedIterations:
            return sc.iterations;
        case ExecutorType::kConstantVus:
        case ExecutorType::kRampingVus:
            return std::nullopt;
    }
    return std::nullopt;
}

bool IsValidTrendStat(std::string_view stat) {
    if (stat == "avg" || stat == "min" || stat == "med" || stat == "max" || stat == "count")
        return true;
    if (stat.size() < 4 || stat.substr(0, 2) != "p(" || stat.back() != ')') return false;
    std::string_view number = stat.substr(2, stat.size() - 3);
    double p = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), p);
    return ec == std::errc() && end == number.data() + number.size() && p >= 0 && p <= 100;
}

std::vector<std::string> ParseTrendStatsList(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view item = text.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) out.emplace_back(item);
        start = comma + 1;
    }
    return out;
}

const std::vector<std::string>& DefaultSummaryTrendStats() {
    static const std::vector<std::string> kStats = {"avg", "min", "med", "max", "p(90)", "p(95)"};
    return kStats;
}

}  // namespace hhplus::loadgen
