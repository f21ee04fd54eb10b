#include "loadgen/options.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "loadgen/cli.hpp"

namespace hhplus::loadgen {
namespace {

Options Parse(const std::string& json) {
    auto r = ParseOptionsJson(json);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r.value() : Options{};
}

std::string ReadRepoFile(const std::string& relative) {
    const char* root = std::getenv("HHPLUS_SOURCE_DIR");
    std::ifstream in(std::string(root != nullptr ? root : HHPLUS_LOADGEN_SOURCE_DIR) + "/" +
                     relative);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(Options, ReadsTheIssueCouponOptionsFileWithK6Defaults) {
    Options o = Parse(ReadRepoFile("k6/options/issue-coupon.json"));
    ASSERT_TRUE(o.scenarios);
    ASSERT_EQ(o.scenarios->size(), 1u);
    const ScenarioConfig& sc = o.scenarios->front();
    EXPECT_EQ(sc.executor, ExecutorType::kConstantArrivalRate);
    EXPECT_EQ(sc.rate, 25);
    EXPECT_EQ(sc.duration, 5 * kSecond);
    EXPECT_EQ(sc.pre_allocated_vus, 100);
    EXPECT_EQ(sc.MaxVus(), 100);
    EXPECT_EQ(sc.graceful_stop, 30 * kSecond);  // k6's default
    EXPECT_EQ(sc.time_unit, kSecond);
    EXPECT_EQ(DescribeScenario(sc), "25.00 iterations/s for 5s (maxVUs: 100, gracefulStop: 30s)");
    EXPECT_EQ(ScenarioMaxEnd(sc), 35 * kSecond);
    EXPECT_EQ(PlannedIterations(sc), 125);
    ASSERT_EQ(o.thresholds.size(), 3u);
    EXPECT_EQ(o.thresholds[0].metric, "http_req_duration");
    EXPECT_EQ(o.thresholds[0].thresholds[0].source, "p(95)<3000");
    EXPECT_EQ(o.thresholds[2].metric, "http_req_duration{name:issue}");
    EXPECT_EQ(o.thresholds[2].thresholds.size(), 3u);
    EXPECT_EQ(o.summary_trend_stats, (std::vector<std::string>{"avg", "min", "med", "max", "p(55)",
                                                               "p(90)", "p(95)", "p(99)"}));
    EXPECT_TRUE(ValidateOptions(o).empty());
}

TEST(Options, EveryScenarioOptionsFileIsValid) {
    for (const char* name : {"issue-coupon", "issue-only", "balance-charge", "signup",
                             "minimal-smoke", "mixed-read", "http-get"}) {
        auto parsed = ParseOptionsJson(ReadRepoFile(std::string("k6/options/") + name + ".json"));
        ASSERT_TRUE(parsed) << name << ": " << parsed.error().message;
        std::vector<std::string> warnings;
        auto consolidated = ConsolidateOptions(parsed.value(), CliOverrides{}, warnings);
        ASSERT_TRUE(consolidated) << name;
        EXPECT_TRUE(ValidateOptions(consolidated.value()).empty()) << name;
    }
}

TEST(Options, ThresholdObjectsCarryAbortOnFail) {
    Options o = Parse(
        R"({"thresholds": {"http_req_failed": [{"threshold": "rate<0.01", "abortOnFail": true, "delayAbortEval": "10s"}, "rate<0.5"]}})");
    ASSERT_EQ(o.thresholds.size(), 1u);
    const auto& t = o.thresholds[0].thresholds;
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].source, "rate<0.01");
    EXPECT_TRUE(t[0].abort_on_fail);
    EXPECT_EQ(t[0].delay_abort_eval, 10 * kSecond);
    EXPECT_FALSE(t[1].abort_on_fail);
}

TEST(Options, DurationsMayBeMilliseconds) {
    Options o = Parse(
        R"({"scenarios": {"a": {"executor": "constant-vus", "vus": 2, "duration": 1500, "gracefulStop": "0s"}}})");
    EXPECT_EQ(o.scenarios->front().duration, 1500 * kMillisecond);
    EXPECT_EQ(o.scenarios->front().graceful_stop, 0);
    EXPECT_EQ(DescribeScenario(o.scenarios->front()), "2 looping VUs for 1.5s");
}

TEST(Options, UnknownScenarioFieldsAreRejectedLikeK6) {
    auto r = ParseOptionsJson(
        R"({"scenarios": {"a": {"executor": "constant-vus", "vus": 2, "duration": "1s", "rate": 5}}})");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("unknown field \"rate\""), std::string::npos);
    EXPECT_FALSE(ParseOptionsJson(R"({"scenarios": {"a": {"executor": "warp-speed"}}})"));
    EXPECT_FALSE(ParseOptionsJson(R"({"scenarios": {"a": {"vus": 1}}})"));
    EXPECT_FALSE(ParseOptionsJson("not json"));
    EXPECT_FALSE(ParseOptionsJson(R"({"thresholds": {"checks": "rate>0.9"}})"));
}

TEST(Options, ValidationUsesK6Messages) {
    Options o = Parse(R"({"scenarios": {
        "car": {"executor": "constant-arrival-rate", "duration": "500ms", "preAllocatedVUs": 5, "maxVUs": 2},
        "si": {"executor": "shared-iterations", "vus": 10, "iterations": 5},
        "rv": {"executor": "ramping-vus", "startVUs": 0, "stages": []}
    }})");
    std::vector<std::string> errors = ValidateOptions(o);
    auto has = [&errors](const std::string& text) {
        for (const auto& e : errors) {
            if (e == text) return true;
        }
        return false;
    };
    EXPECT_TRUE(has("executor car: the iteration rate isn't specified"));
    EXPECT_TRUE(has("executor car: the duration must be at least 1s, but is 500ms"));
    EXPECT_TRUE(has("executor car: maxVUs can't be less than preAllocatedVUs"));
    EXPECT_TRUE(
        has("executor si: the number of iterations (5) can't be less than the number of VUs (10)"));
    EXPECT_TRUE(has(
        "executor rv: either startVUs or one of the stages' target values must be greater than 0"));
    EXPECT_TRUE(has("executor rv: at least one stage has to be specified"));
}

TEST(Options, CliShortcutsReplaceScenariosAsK6Does) {
    Options file = Parse(ReadRepoFile("k6/options/issue-coupon.json"));
    CliOverrides cli;
    cli.vus = 200;
    cli.duration = 60 * kSecond;
    std::vector<std::string> warnings;
    auto r = ConsolidateOptions(file, cli, warnings);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->scenarios->size(), 1u);
    const ScenarioConfig& sc = r->scenarios->front();
    EXPECT_EQ(sc.name, "default");
    EXPECT_EQ(sc.executor, ExecutorType::kConstantVus);
    EXPECT_EQ(sc.vus, 200);
    EXPECT_EQ(sc.duration, 60 * kSecond);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "\"cli\" level configuration overrode scenarios configuration entirely");
    EXPECT_EQ(r->thresholds.size(), 3u);  // thresholds stay

    CliOverrides iterations;
    iterations.iterations = 10;
    iterations.vus = 2;
    auto shared = ConsolidateOptions(Options{}, iterations, warnings);
    ASSERT_TRUE(shared);
    EXPECT_EQ(shared->scenarios->front().executor, ExecutorType::kSharedIterations);
    EXPECT_EQ(shared->scenarios->front().iterations, 10);
    EXPECT_EQ(shared->scenarios->front().vus, 2);

    auto plain = ConsolidateOptions(Options{}, CliOverrides{}, warnings);
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->scenarios->front().executor, ExecutorType::kPerVuIterations);
    EXPECT_EQ(DescribeScenario(plain->scenarios->front()),
              "1 iterations for each of 1 VUs (maxDuration: 10m0s, gracefulStop: 30s)");
}

TEST(Options, FileShortcutsConflictingWithScenariosAreErrors) {
    Options o = Parse(
        R"({"duration": "10s", "scenarios": {"a": {"executor": "constant-vus", "duration": "1s"}}})");
    std::vector<std::string> warnings;
    auto r = ConsolidateOptions(o, CliOverrides{}, warnings);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "using `duration` and `scenarios` options simultaneously is not allowed");
}

TEST(Options, TrendStatsAreValidated) {
    EXPECT_TRUE(IsValidTrendStat("p(99.9)"));
    EXPECT_TRUE(IsValidTrendStat("count"));
    EXPECT_FALSE(IsValidTrendStat("p(101)"));
    EXPECT_FALSE(IsValidTrendStat("p99"));
    EXPECT_FALSE(IsValidTrendStat("mean"));
    EXPECT_EQ(ParseTrendStatsList("avg, min,med,p(99)"),
              (std::vector<std::string>{"avg", "min", "med", "p(99)"}));
    Options o;
    o.summary_trend_stats = std::vector<std::string>{"avg", "p(200)"};
    EXPECT_EQ(ValidateOptions(o).size(), 1u);
}

TEST(Options, DescriptionsOfEveryExecutor) {
    Options o = Parse(R"({"scenarios": {
        "a": {"executor": "ramping-arrival-rate", "startRate": 1, "stages": [{"duration": "10s", "target": 50}, {"duration": "20s", "target": 10}], "preAllocatedVUs": 10, "maxVUs": 40, "startTime": "5s"},
        "b": {"executor": "ramping-vus", "stages": [{"duration": "1m", "target": 20}]},
        "c": {"executor": "shared-iterations", "vus": 4, "iterations": 100, "maxDuration": "30s", "exec": "other"}
    }})");
    const auto& s = *o.scenarios;
    EXPECT_EQ(DescribeScenario(s[0]),
              "Up to 50.00 iterations/s for 30s over 2 stages (maxVUs: 10-40, startTime: 5s, "
              "gracefulStop: 30s)");
    EXPECT_EQ(
        DescribeScenario(s[1]),
        "Up to 20 looping VUs for 1m0s over 1 stages (gracefulRampDown: 30s, gracefulStop: 30s)");
    EXPECT_EQ(
        DescribeScenario(s[2]),
        "100 iterations shared among 4 VUs (maxDuration: 30s, exec: other, gracefulStop: 30s)");
    EXPECT_EQ(ScenarioMaxEnd(s[0]), 65 * kSecond);
    EXPECT_EQ(ScenarioMaxVus(s[1]), 20);
}

TEST(Cli, ParsesK6LikeFlags) {
    auto r = ParseRunArgs({"issue-coupon",
                           "--vus",
                           "200",
                           "--duration=60s",
                           "-e",
                           "COUPON_ID=7",
                           "-e",
                           "RATE=50",
                           "--summary-trend-stats",
                           "avg,p(99)",
                           "--out",
                           "json=x.ndjson",
                           "--no-color",
                           "-q",
                           "--dry-run",
                           "--redis",
                           "lock=redis://127.0.0.1:1",
                           "--html",
                           "r.html",
                           "--summary-export=s.json"});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->scenario, "issue-coupon");
    EXPECT_EQ(r->overrides.vus, 200);
    EXPECT_EQ(r->overrides.duration, 60 * kSecond);
    EXPECT_EQ(r->env.at("COUPON_ID"), "7");
    EXPECT_EQ(r->out_json, "x.ndjson");
    EXPECT_EQ(r->summary_export, "s.json");
    EXPECT_TRUE(r->quiet && r->no_color && r->dry_run);
    EXPECT_FALSE(ParseRunArgs({"issue-coupon", "--vus"}));
    EXPECT_FALSE(ParseRunArgs({"issue-coupon", "--bogus"}));
    EXPECT_FALSE(ParseRunArgs({"issue-coupon", "--vus", "many"}));
    EXPECT_FALSE(ParseRunArgs({"issue-coupon", "--out", "csv=x"}));
    EXPECT_FALSE(ParseRunArgs({}));
}

TEST(Cli, EnvironmentTweaksAndTargetFallbacks) {
    ::unsetenv("BASE_URL");  // the process environment is visible too; keep it out of this test
    RunArgs args;
    args.scenario = "issue-only";
    args.env["RATE"] = "50";
    args.env["K6_TARGET_URL"] = "http://10.0.0.5:8080";
    std::ostringstream err;
    auto config = BuildRunConfig(args, {}, err);
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->options.scenarios->front().rate, 50);
    EXPECT_EQ(config->base.host, "10.0.0.5");
    EXPECT_EQ(config->base.port, 8080);

    args.env["BASE_URL"] = "http://127.0.0.1:9";  // BASE_URL wins over K6_TARGET_URL
    auto with_base = BuildRunConfig(args, {}, err);
    ASSERT_TRUE(with_base);
    EXPECT_EQ(with_base->base.port, 9);

    args.env["RATE"] = "fast";
    EXPECT_FALSE(BuildRunConfig(args, {}, err));
    args.env.erase("RATE");
    args.scenario = "no-such-scenario";
    EXPECT_FALSE(BuildRunConfig(args, {}, err));
}

TEST(Cli, StageEnvSuppliesTargetRedisAndToken) {
    auto env = ParseExportLines(
        "export BASE_URL='http://127.0.0.1:3000'\nexport "
        "REDIS_LOCK_URLS=\"redis://127.0.0.1:3102,redis://127.0.0.1:3103\"\n"
        "export REDIS_SESSION_URL=redis://127.0.0.1:3100\nexport ADMIN_TOKEN=stage-admin-token\n# "
        "comment\n");
    EXPECT_EQ(env.at("BASE_URL"), "http://127.0.0.1:3000");
    EXPECT_EQ(env.at("REDIS_LOCK_URLS"), "redis://127.0.0.1:3102,redis://127.0.0.1:3103");
    RunArgs args;
    args.scenario = "issue-coupon";
    std::ostringstream err;
    auto config = BuildRunConfig(args, env, err);
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->admin_token, "stage-admin-token");
    ASSERT_EQ(config->redis.size(), 2u);
    EXPECT_EQ(config->redis[0].role, "session");
    EXPECT_EQ(config->redis[1].role, "lock");
    EXPECT_EQ(config->redis[1].urls.size(), 2u);
}

TEST(Cli, InvalidConfigurationsAreReportedWithK6Wording) {
    RunArgs args;
    args.scenario = "signup";
    args.options_file = "/nonexistent/options.json";
    std::ostringstream err;
    EXPECT_FALSE(BuildRunConfig(args, {}, err));
    args.options_file.clear();
    args.overrides.duration = 5 * kSecond;
    args.overrides.iterations = 10;
    auto r = BuildRunConfig(args, {}, err);
    ASSERT_TRUE(r);  // iterations + duration → shared-iterations with maxDuration
    EXPECT_EQ(r->options.scenarios->front().executor, ExecutorType::kSharedIterations);
    EXPECT_EQ(r->options.scenarios->front().max_duration, 5 * kSecond);
}

}  // namespace
}  // namespace hhplus::loadgen
