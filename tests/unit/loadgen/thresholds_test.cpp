#include "loadgen/thresholds.hpp"

#include <gtest/gtest.h>

namespace hhplus::loadgen {
namespace {

TEST(ThresholdParser, AcceptsK6Expressions) {
    auto p95 = ParseThresholdExpression("p(95)<3000");
    ASSERT_TRUE(p95);
    EXPECT_EQ(p95->method, Aggregation::kPercentile);
    EXPECT_DOUBLE_EQ(p95->percentile, 95);
    EXPECT_EQ(p95->op, "<");
    EXPECT_DOUBLE_EQ(p95->value, 3000);

    auto spaced = ParseThresholdExpression("  p(99.9) <= 250.5 ");
    ASSERT_TRUE(spaced);
    EXPECT_DOUBLE_EQ(spaced->percentile, 99.9);
    EXPECT_EQ(spaced->op, "<=");
    EXPECT_DOUBLE_EQ(spaced->value, 250.5);

    EXPECT_EQ(ParseThresholdExpression("rate>0.99")->method, Aggregation::kRate);
    EXPECT_EQ(ParseThresholdExpression("rate>=0.99")->op, ">=");
    EXPECT_EQ(ParseThresholdExpression("count<10")->method, Aggregation::kCount);
    EXPECT_EQ(ParseThresholdExpression("avg<200")->method, Aggregation::kAvg);
    EXPECT_EQ(ParseThresholdExpression("med<200")->method, Aggregation::kMed);
    EXPECT_EQ(ParseThresholdExpression("min>1")->method, Aggregation::kMin);
    EXPECT_EQ(ParseThresholdExpression("max<5")->method, Aggregation::kMax);
    EXPECT_EQ(ParseThresholdExpression("value==1")->op, "==");
    EXPECT_EQ(ParseThresholdExpression("value===1")->op, "===");
    EXPECT_EQ(ParseThresholdExpression("rate!=0")->op, "!=");
}

TEST(ThresholdParser, RejectsMalformedExpressions) {
    EXPECT_FALSE(ParseThresholdExpression("p(95)"));
    EXPECT_FALSE(ParseThresholdExpression("p95<100"));
    EXPECT_FALSE(ParseThresholdExpression("p(abc)<100"));
    EXPECT_FALSE(ParseThresholdExpression("mean<100"));
    EXPECT_FALSE(ParseThresholdExpression("avg<fast"));
    EXPECT_FALSE(ParseThresholdExpression("avg<"));
    EXPECT_FALSE(ParseThresholdExpression(""));
}

TEST(ThresholdParser, AggregationsPerMetricType) {
    EXPECT_TRUE(SupportsAggregation(MetricType::kTrend, Aggregation::kPercentile));
    EXPECT_TRUE(SupportsAggregation(MetricType::kTrend, Aggregation::kMed));
    EXPECT_FALSE(SupportsAggregation(MetricType::kTrend, Aggregation::kRate));
    EXPECT_TRUE(SupportsAggregation(MetricType::kRate, Aggregation::kRate));
    EXPECT_FALSE(SupportsAggregation(MetricType::kRate, Aggregation::kCount));
    EXPECT_TRUE(SupportsAggregation(MetricType::kCounter, Aggregation::kCount));
    EXPECT_TRUE(SupportsAggregation(MetricType::kCounter, Aggregation::kRate));
    EXPECT_TRUE(SupportsAggregation(MetricType::kGauge, Aggregation::kValue));
    EXPECT_FALSE(SupportsAggregation(MetricType::kGauge, Aggregation::kAvg));
}

class ThresholdEngineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        builtin_ = DefineBuiltinMetrics(registry_);
        errors_counter_ =
            registry_.Define("errors_coupon_issue", MetricType::kCounter, ValueType::kDefault)
                .value();
        register_rate_ =
            registry_.Define("success_register_rate", MetricType::kRate, ValueType::kDefault)
                .value();
    }
    std::vector<std::string> Configure(std::vector<MetricThresholds> config) {
        return engine_.Setup(config, registry_);
    }
    void Duration(double ms, const std::string& name) {
        registry_.Add(*builtin_.http_req_duration, ms, TagSet{{"name", name}}, 0);
    }
    static MetricThresholds On(std::string metric, std::vector<std::string> sources) {
        MetricThresholds mt{std::move(metric), {}};
        for (auto& s : sources)
            mt.thresholds.push_back(ThresholdConfig{std::move(s), false, std::nullopt});
        return mt;
    }

    Registry registry_;
    BuiltinMetrics builtin_;
    Metric* errors_counter_ = nullptr;
    Metric* register_rate_ = nullptr;
    ThresholdEngine engine_;
};

TEST_F(ThresholdEngineTest, TagFilteredThresholdSeesOnlyItsRequests) {
    ASSERT_TRUE(Configure({On("http_req_duration", {"p(95)<3000"}),
                           On("http_req_duration{name:issue}", {"p(95)<100", "max<50"})})
                    .empty());
    for (int i = 0; i < 100; ++i) Duration(10, "issue");
    Duration(200, "signup");  // slow, but not an issue request
    auto outcome = engine_.Evaluate(false, kSecond);
    EXPECT_TRUE(outcome.breached.empty());
    Duration(60, "issue");
    outcome = engine_.Evaluate(false, kSecond);
    ASSERT_EQ(outcome.breached, std::vector<std::string>{"http_req_duration{name:issue}"});
    const auto& issue_set = engine_.Sets()[1];
    EXPECT_FALSE(issue_set.thresholds[0].last_failed);  // p95 still 10 ms
    EXPECT_TRUE(issue_set.thresholds[1].last_failed);   // max 60 ms
}

TEST_F(ThresholdEngineTest, EmptyMetricsBehaveAsInK6) {
    ASSERT_TRUE(Configure({On("http_req_duration{name:issue}", {"p(95)<100"}),
                           On("success_register_rate", {"rate>0.99"}),
                           On("errors_coupon_issue", {"count>0"})})
                    .empty());
    // Thresholds make their metrics visible in the summary even without samples.
    EXPECT_TRUE(registry_.Find("http_req_duration{name:issue}")->observed);
    EXPECT_TRUE(builtin_.http_req_duration->observed);
    // During the run empty sinks are skipped...
    EXPECT_TRUE(engine_.Evaluate(true, kSecond).breached.empty());
    // ...at the end they are evaluated: an empty trend is 0 (p95<100 passes), an empty rate has no
    // value (passes), an empty counter counts 0 (count>0 fails).
    auto outcome = engine_.Evaluate(false, kSecond);
    EXPECT_EQ(outcome.breached, std::vector<std::string>{"errors_coupon_issue"});
}

TEST_F(ThresholdEngineTest, RatesAndCounters) {
    ASSERT_TRUE(Configure({On("success_register_rate", {"rate>0.99"}),
                           On("errors_coupon_issue", {"count<10", "rate<2"})})
                    .empty());
    TagSet none;
    for (int i = 0; i < 99; ++i) registry_.Add(*register_rate_, 1, none, 0);
    registry_.Add(*register_rate_, 0, none, 0);
    for (int i = 0; i < 9; ++i) registry_.Add(*errors_counter_, 1, none, 0);
    auto outcome = engine_.Evaluate(false, 5 * kSecond);  // 9 errors in 5 s: 1.8/s
    EXPECT_EQ(outcome.breached,
              std::vector<std::string>{"success_register_rate"});  // 0.99 is not > 0.99
    registry_.Add(*errors_counter_, 1, none, 0);
    outcome = engine_.Evaluate(false, 4 * kSecond);  // 10 errors, 2.5/s
    EXPECT_EQ(outcome.breached,
              (std::vector<std::string>{"errors_coupon_issue", "success_register_rate"}));
}

TEST_F(ThresholdEngineTest, AbortOnFailHonoursDelayAbortEval) {
    MetricThresholds mt{"http_req_failed", {ThresholdConfig{"rate<0.1", true, 10 * kSecond}}};
    ASSERT_TRUE(Configure({mt}).empty());
    registry_.Add(*builtin_.http_req_failed, 1, TagSet{}, 0);
    auto early = engine_.Evaluate(true, 5 * kSecond);
    EXPECT_EQ(early.breached.size(), 1u);
    EXPECT_FALSE(early.should_abort);  // still inside delayAbortEval
    auto late = engine_.Evaluate(true, 11 * kSecond);
    EXPECT_TRUE(late.should_abort);

    ThresholdEngine no_delay;
    MetricThresholds immediate{"http_req_failed",
                               {ThresholdConfig{"rate<0.1", true, std::nullopt}}};
    ASSERT_TRUE(no_delay.Setup({immediate}, registry_).empty());
    EXPECT_TRUE(no_delay.Evaluate(true, kSecond).should_abort);
}

TEST_F(ThresholdEngineTest, InvalidThresholdsAreConfigErrors) {
    EXPECT_EQ(Configure({On("no_such_metric", {"rate<1"})}).size(), 1u);
    EXPECT_EQ(Configure({On("http_req_duration", {"rate<1"})}).size(),
              1u);  // unsupported on a trend
    EXPECT_EQ(Configure({On("success_register_rate", {"p(95)<1"})}).size(),
              1u);  // unsupported on a rate
    EXPECT_EQ(Configure({On("http_reqs", {"count<<1"})}).size(), 1u);
    EXPECT_EQ(Configure({On("http_req_duration{name", {"p(95)<1"})}).size(), 1u);
}

}  // namespace
}  // namespace hhplus::loadgen
