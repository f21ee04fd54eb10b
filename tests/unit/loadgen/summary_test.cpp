// Golden-file tests of the end-of-test summary. tests/unit/loadgen/golden/cases.json lists the
// samples of each case; the *.txt files next to it are what k6 v1.8.1's summary renderer prints for
// them (see golden/README.md for how they were produced). We replay the same samples through our
// registry, threshold engine and renderer and require byte-for-byte equality.
#include "loadgen/summary.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

#include "loadgen/summary_export.hpp"

namespace hhplus::loadgen {
namespace {

std::string SourceDir() {
    const char* root = std::getenv("HHPLUS_SOURCE_DIR");
    return root != nullptr ? root : HHPLUS_LOADGEN_SOURCE_DIR;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

MetricType TypeOf(std::string_view s) {
    if (s == "counter") return MetricType::kCounter;
    if (s == "gauge") return MetricType::kGauge;
    if (s == "rate") return MetricType::kRate;
    return MetricType::kTrend;
}

ValueType ContainsOf(std::string_view s) {
    if (s == "time") return ValueType::kTime;
    if (s == "data") return ValueType::kData;
    return ValueType::kDefault;
}

// One replayed case: the registry, thresholds and checks a run with these samples would hold.
struct Replay {
    Registry registry;
    ThresholdEngine thresholds;
    CheckBook checks;
    std::vector<std::string> stats;
    std::string time_unit;
    Nanos duration = 0;
    bool colors = false;
    std::string golden_file;
    std::vector<bool> expected_ok;  // per threshold, in case order, as k6 evaluated them
};

void Load(const rapidjson::Value& c, Replay& r) {
    r.golden_file = c["file"].GetString();
    r.duration = static_cast<Nanos>(c["seconds"].GetDouble() * 1e9);
    r.colors = c["colors"].GetBool();
    for (const auto& s : c["stats"].GetArray()) r.stats.emplace_back(s.GetString());
    if (c.HasMember("timeUnit")) r.time_unit = c["timeUnit"].GetString();
    BuiltinMetrics b = DefineBuiltinMetrics(r.registry);
    for (const auto& m : c["metrics"].GetArray()) {
        ASSERT_TRUE(r.registry.Define(m["name"].GetString(), TypeOf(m["type"].GetString()),
                                      ContainsOf(m["contains"].GetString())));
    }
    std::vector<MetricThresholds> config;
    for (const auto& t : c["thresholds"].GetArray()) {
        MetricThresholds mt{t["metric"].GetString(), {}};
        for (const auto& th : t["list"].GetArray()) {
            mt.thresholds.push_back(ThresholdConfig{th["source"].GetString(), false, std::nullopt});
            r.expected_ok.push_back(th["ok"].GetBool());
        }
        config.push_back(std::move(mt));
    }
    ASSERT_TRUE(r.thresholds.Setup(config, r.registry).empty());
    for (const auto& s : c["submetrics"].GetArray())
        ASSERT_TRUE(r.registry.GetOrAddSubmetric(s.GetString()));
    for (const auto& m : c["metrics"].GetArray()) {
        Metric* metric = r.registry.Find(m["name"].GetString());
        for (const auto& s : m["samples"].GetArray()) {
            TagSet tags;
            for (auto it = s["tags"].MemberBegin(); it != s["tags"].MemberEnd(); ++it) {
                SetTag(tags, it->name.GetString(), it->value.GetString());
            }
            r.registry.Add(*metric, s["v"].GetDouble(), tags, 0);
        }
    }
    if (c.HasMember("checks")) {
        for (const auto& ch : c["checks"].GetArray()) {
            const std::string name = ch["name"].GetString();
            for (int i = 0; i < ch["passes"].GetInt(); ++i) {
                r.checks.Record(name, true);
                r.registry.Add(*b.checks, 1, TagSet{{"check", name}}, 0);
            }
            for (int i = 0; i < ch["fails"].GetInt(); ++i) {
                r.checks.Record(name, false);
                r.registry.Add(*b.checks, 0, TagSet{{"check", name}}, 0);
            }
        }
    }
}

std::string Render(Replay& r) {
    r.thresholds.Evaluate(false, r.duration);
    SummaryInput in;
    in.registry = &r.registry;
    in.thresholds = &r.thresholds;
    in.checks = &r.checks;
    in.run_duration = r.duration;
    in.trend_stats = r.stats;
    in.time_unit = r.time_unit;
    in.colors = r.colors;
    return RenderTextSummary(in);
}

class SummaryGolden : public ::testing::TestWithParam<int> {};

TEST_P(SummaryGolden, MatchesK6Output) {
    const std::string dir = SourceDir() + "/tests/unit/loadgen/golden/";
    rapidjson::Document cases;
    cases.Parse(ReadFile(dir + "cases.json").c_str());
    ASSERT_FALSE(cases.HasParseError());
    ASSERT_LT(GetParam(), static_cast<int>(cases.Size()));
    Replay r;
    Load(cases[static_cast<rapidjson::SizeType>(GetParam())], r);
    const std::string actual = Render(r);
    const std::string expected = ReadFile(dir + r.golden_file);
    ASSERT_FALSE(expected.empty()) << "missing golden file " << r.golden_file;
    EXPECT_EQ(actual, expected) << "golden " << r.golden_file;
    // Our threshold engine agrees with k6's verdicts.
    std::vector<bool> ok;
    for (const MetricThresholdSet& set : r.thresholds.Sets()) {
        for (const Threshold& t : set.thresholds) ok.push_back(!t.last_failed);
    }
    EXPECT_EQ(ok, r.expected_ok);
}

INSTANTIATE_TEST_SUITE_P(Cases, SummaryGolden, ::testing::Values(0, 1, 2));

TEST(SummaryText, NoThresholdsNoChecksStillHasTotalResults) {
    Registry registry;
    BuiltinMetrics b = DefineBuiltinMetrics(registry);
    registry.Add(*b.iterations, 1, TagSet{}, 0);
    registry.Add(*b.http_reqs, 1, TagSet{}, 0);
    SummaryInput in;
    in.registry = &registry;
    in.run_duration = kSecond;
    in.trend_stats = DefaultSummaryTrendStats();
    const std::string text = RenderTextSummary(in);
    EXPECT_EQ(text.find("THRESHOLDS"), std::string::npos);
    EXPECT_NE(text.find("\n  \xE2\x96\x88 TOTAL RESULTS \n\n    HTTP\n    http_reqs....: 1 1/s\n\n "
                        "   EXECUTION\n    iterations...: 1 1/s\n"),
              std::string::npos)
        << text;
}

TEST(SummaryText, FullModeAddsTheDetailedHttpTimings) {
    Registry registry;
    BuiltinMetrics b = DefineBuiltinMetrics(registry);
    registry.Add(*b.http_req_waiting, 2, TagSet{}, 0);
    registry.Add(*b.http_req_duration, 3, TagSet{}, 0);
    SummaryInput in;
    in.registry = &registry;
    in.run_duration = kSecond;
    in.trend_stats = {"avg"};
    EXPECT_EQ(RenderTextSummary(in).find("http_req_waiting"), std::string::npos);
    in.full_mode = true;
    EXPECT_NE(RenderTextSummary(in).find("http_req_waiting.."), std::string::npos);
}

TEST(SummaryExport, HasK6LegacyShape) {
    const std::string dir = SourceDir() + "/tests/unit/loadgen/golden/";
    rapidjson::Document cases;
    cases.Parse(ReadFile(dir + "cases.json").c_str());
    Replay r;
    Load(cases[0], r);
    r.thresholds.Evaluate(false, r.duration);
    const std::string json =
        RenderSummaryExport(r.registry, &r.thresholds, &r.checks, r.duration, r.stats);
    // JSON.stringify(data, null, 4) layout.
    EXPECT_EQ(json.substr(0, 30), "{\n    \"root_group\": {\n        ");
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    ASSERT_FALSE(doc.HasParseError()) << json;
    const auto& root = doc["root_group"];
    EXPECT_STREQ(root["id"].GetString(), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_STREQ(root["path"].GetString(), "");
    EXPECT_TRUE(root["groups"].IsObject());
    const auto& check = root["checks"]["signup status is 201"];
    EXPECT_STREQ(check["path"].GetString(), "::signup status is 201");
    EXPECT_EQ(check["passes"].GetInt(), 2);
    EXPECT_EQ(check["fails"].GetInt(), 0);
    EXPECT_EQ(std::string(check["id"].GetString()).size(), 32u);

    const auto& metrics = doc["metrics"];
    const auto& duration = metrics["http_req_duration"];
    EXPECT_DOUBLE_EQ(duration["avg"].GetDouble(), 25);
    EXPECT_DOUBLE_EQ(duration["max"].GetDouble(), 40);
    EXPECT_TRUE(duration.HasMember("p(95)"));
    EXPECT_FALSE(duration["thresholds"]["p(95)<3000"].GetBool());  // false: not failed
    const auto& issue = metrics["http_req_duration{name:issue}"];
    EXPECT_TRUE(issue["thresholds"]["p(99)<15"].GetBool());  // true: failed
    const auto& rate = metrics["success_coupon_issue_rate"];
    EXPECT_DOUBLE_EQ(rate["value"].GetDouble(), 0.5);  // a Rate's "rate" is exported as "value"
    EXPECT_EQ(rate["passes"].GetInt(), 1);
    EXPECT_EQ(rate["fails"].GetInt(), 1);
    EXPECT_FALSE(rate.HasMember("rate"));
    EXPECT_EQ(metrics["http_reqs"]["count"].GetInt(), 4);
    EXPECT_DOUBLE_EQ(metrics["http_reqs"]["rate"].GetDouble(), 2);
    EXPECT_DOUBLE_EQ(metrics["vus"]["max"].GetDouble(), 2);
    EXPECT_DOUBLE_EQ(metrics["checks"]["value"].GetDouble(), 1);
    EXPECT_TRUE(metrics.HasMember("http_req_waiting"));      // exported whatever the summary mode
    EXPECT_FALSE(metrics.HasMember("errors_coupon_issue"));  // never observed
}

}  // namespace
}  // namespace hhplus::loadgen
