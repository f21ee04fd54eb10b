#include "loadgen/metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace hhplus::loadgen {
namespace {

// An independent reference: the percentile by definition on a sorted copy (rank p·(n−1),
// linear interpolation between the two neighbouring order statistics).
double ReferencePercentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    if (values.size() == 1) return values[0];
    const double rank = p * static_cast<double>(values.size() - 1);
    const auto below = static_cast<std::size_t>(rank);
    if (below + 1 >= values.size()) return values.back();
    return values[below] +
           (values[below + 1] - values[below]) * (rank - static_cast<double>(below));
}

TEST(TrendSink, KnownPercentiles) {
    TrendSink t;
    for (double v : {40.0, 10.0, 30.0, 20.0}) t.Add(v);
    EXPECT_DOUBLE_EQ(t.P(0.5), 25);
    EXPECT_DOUBLE_EQ(t.P(0), 10);
    EXPECT_DOUBLE_EQ(t.P(1), 40);
    EXPECT_DOUBLE_EQ(t.Avg(), 25);
    EXPECT_DOUBLE_EQ(t.Min(), 10);
    EXPECT_DOUBLE_EQ(t.Max(), 40);
    TrendSink hundred;
    for (int i = 100; i >= 1; --i) hundred.Add(i);
    EXPECT_NEAR(hundred.P(0.95), 95.05, 1e-9);
    EXPECT_NEAR(hundred.P(0.99), 99.01, 1e-9);
    EXPECT_NEAR(hundred.P(0.55), 55.45, 1e-9);
}

TEST(TrendSink, EmptyAndSingleSample) {
    TrendSink t;
    EXPECT_EQ(t.P(0.95), 0);
    EXPECT_EQ(t.Avg(), 0);
    t.Add(7.5);
    EXPECT_EQ(t.P(0.01), 7.5);
    EXPECT_EQ(t.P(0.99), 7.5);
}

TEST(TrendSink, PercentilesMatchASortedReferenceOnRandomData) {
    std::mt19937_64 rng(12345);
    std::lognormal_distribution<double> latency(2.0, 1.0);  // heavy tail, like real latencies
    for (int n : {2, 3, 10, 101, 1000, 12345}) {
        TrendSink t;
        std::vector<double> values;
        for (int i = 0; i < n; ++i) {
            double v = latency(rng);
            values.push_back(v);
            t.Add(v);
        }
        for (double p : {0.0, 0.5, 0.55, 0.9, 0.95, 0.99, 0.999, 1.0}) {
            EXPECT_DOUBLE_EQ(t.P(p), ReferencePercentile(values, p)) << "n=" << n << " p=" << p;
        }
        // Adding after a percentile query keeps the answers exact (the sink re-sorts).
        t.Add(0.0);
        values.push_back(0.0);
        EXPECT_DOUBLE_EQ(t.P(0.5), ReferencePercentile(values, 0.5));
    }
}

TEST(Sink, CounterGaugeRate) {
    Sink counter;
    counter.type = MetricType::kCounter;
    EXPECT_TRUE(counter.IsEmpty());
    counter.Add(0);
    EXPECT_FALSE(counter.IsEmpty());  // a zero sample still marks the counter as seen
    counter.Add(3);
    EXPECT_EQ(counter.counter, 3);

    Sink gauge;
    gauge.type = MetricType::kGauge;
    gauge.Add(5);
    gauge.Add(2);
    gauge.Add(4);
    EXPECT_EQ(gauge.gauge, 4);
    EXPECT_EQ(gauge.gauge_min, 2);
    EXPECT_EQ(gauge.gauge_max, 5);

    Sink rate;
    rate.type = MetricType::kRate;
    rate.Add(1);
    rate.Add(0);
    rate.Add(2);
    EXPECT_EQ(rate.trues, 2);
    EXPECT_EQ(rate.total, 3);
}

TEST(Registry, SubmetricsReceiveMatchingSamplesOnly) {
    Registry r;
    BuiltinMetrics b = DefineBuiltinMetrics(r);
    auto issue = r.GetOrAddSubmetric("http_req_duration{name:issue}");
    ASSERT_TRUE(issue);
    auto expected = r.GetOrAddSubmetric("http_req_duration{ expected_response : \"true\" }");
    ASSERT_TRUE(expected);
    EXPECT_EQ(expected.value()->name, "http_req_duration{expected_response : \"true\"}");
    EXPECT_EQ(expected.value()->filter, (TagSet{{"expected_response", "true"}}));
    // The same filter spelled differently is the same sub-metric.
    EXPECT_EQ(r.GetOrAddSubmetric("http_req_duration{name: 'issue'}").value(), issue.value());

    TagSet issue_ok{{"expected_response", "true"}, {"name", "issue"}};
    TagSet issue_conflict{{"expected_response", "false"}, {"name", "issue"}};
    TagSet signup{{"expected_response", "true"}, {"name", "signup"}};
    r.Add(*b.http_req_duration, 10, issue_ok, 0);
    r.Add(*b.http_req_duration, 20, issue_conflict, 0);
    r.Add(*b.http_req_duration, 30, signup, 0);
    EXPECT_EQ(b.http_req_duration->sink.trend.Count(), 3u);
    EXPECT_EQ(issue.value()->sink.trend.Count(), 2u);
    EXPECT_EQ(expected.value()->sink.trend.Count(), 2u);
    EXPECT_DOUBLE_EQ(issue.value()->sink.trend.Max(), 20);

    auto multi = r.GetOrAddSubmetric("http_req_duration{name:issue,expected_response:true}");
    ASSERT_TRUE(multi);
    r.Add(*b.http_req_duration, 40, issue_ok, 0);
    EXPECT_EQ(multi.value()->sink.trend.Count(), 1u);
}

TEST(Registry, MetricNameErrors) {
    Registry r;
    DefineBuiltinMetrics(r);
    EXPECT_FALSE(r.GetOrAddSubmetric("nope{a:b}"));
    EXPECT_FALSE(r.GetOrAddSubmetric("http_reqs{a:b"));
    EXPECT_FALSE(r.GetOrAddSubmetric("http_reqs}a:b{"));
    EXPECT_FALSE(r.GetOrAddSubmetric("http_reqs{}"));
    EXPECT_FALSE(r.GetOrAddSubmetric("http_reqs{a:b}x"));
    EXPECT_FALSE(r.Define("http_reqs", MetricType::kTrend, ValueType::kTime));
    EXPECT_TRUE(r.Define("http_reqs", MetricType::kCounter, ValueType::kDefault));
}

TEST(CheckBook, KeepsFirstUseOrder) {
    CheckBook c;
    c.Record("b", true);
    c.Record("a", false);
    c.Record("b", false);
    ASSERT_EQ(c.Ordered().size(), 2u);
    EXPECT_EQ(c.Ordered()[0].name, "b");
    EXPECT_EQ(c.Ordered()[0].passes, 1);
    EXPECT_EQ(c.Ordered()[0].fails, 1);
    EXPECT_EQ(c.Ordered()[1].fails, 1);
}

}  // namespace
}  // namespace hhplus::loadgen
