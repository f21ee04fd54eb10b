// Number, duration and unit formatting against values k6 (JavaScript and Go runtimes) prints.
#include <gtest/gtest.h>

#include "common/digest.hpp"
#include "loadgen/duration.hpp"
#include "loadgen/humanize.hpp"
#include "loadgen/js_number.hpp"
#include "loadgen/url.hpp"

namespace hhplus::loadgen {
namespace {

TEST(Duration, ParsesK6DurationStrings) {
    EXPECT_EQ(ParseDuration("5s"), 5 * kSecond);
    EXPECT_EQ(ParseDuration("1m30s"), 90 * kSecond);
    EXPECT_EQ(ParseDuration("250ms"), 250 * kMillisecond);
    EXPECT_EQ(ParseDuration("1.5h"), 90 * kMinute);
    EXPECT_EQ(ParseDuration("1500"), 1500 * kMillisecond);  // bare number: milliseconds
    EXPECT_EQ(ParseDuration("2d"), 48 * kHour);
    EXPECT_EQ(ParseDuration("1d12h"), 36 * kHour);
    EXPECT_EQ(ParseDuration("10us"), 10 * kMicrosecond);
    EXPECT_EQ(ParseDuration("0"), 0);
    EXPECT_FALSE(ParseDuration(""));
    EXPECT_FALSE(ParseDuration("s"));
    EXPECT_FALSE(ParseDuration("5 s"));
    EXPECT_FALSE(ParseDuration("five seconds"));
    EXPECT_FALSE(ParseDuration("10x"));
    EXPECT_FALSE(ParseDuration("99999999999h"));
}

TEST(Duration, FormatsLikeGo) {
    EXPECT_EQ(FormatGoDuration(0), "0s");
    EXPECT_EQ(FormatGoDuration(5 * kSecond), "5s");
    EXPECT_EQ(FormatGoDuration(30 * kSecond), "30s");
    EXPECT_EQ(FormatGoDuration(90 * kSecond), "1m30s");
    EXPECT_EQ(FormatGoDuration(kHour), "1h0m0s");
    EXPECT_EQ(FormatGoDuration(1500 * kMicrosecond), "1.5ms");
    EXPECT_EQ(FormatGoDuration(40 * kMillisecond), "40ms");
    EXPECT_EQ(FormatGoDuration(1500), "1.5\xC2\xB5s");
    EXPECT_EQ(FormatGoDuration(999), "999ns");
    EXPECT_EQ(FormatGoDuration(2500 * kMillisecond), "2.5s");
    EXPECT_EQ(FormatGoDuration(-5 * kSecond), "-5s");
}

TEST(Duration, FixedLengthProgressTimes) {
    EXPECT_EQ(FormatFixedLengthDuration(5 * kSecond, 35 * kSecond), "05.0s");
    EXPECT_EQ(FormatFixedLengthDuration(5 * kSecond, 5 * kSecond), "5.0s");
    EXPECT_EQ(FormatFixedLengthDuration(5 * kSecond + 49 * kMillisecond, 9 * kSecond), "5.0s");
    EXPECT_EQ(FormatFixedLengthDuration(5 * kSecond + 50 * kMillisecond, 9 * kSecond), "5.1s");
    EXPECT_EQ(FormatFixedLengthDuration(65 * kSecond, 5 * kMinute), "1m05.0s");
    EXPECT_EQ(FormatFixedLengthDuration(5 * kSecond, 5 * kMinute), "0m05.0s");
    EXPECT_EQ(FormatFixedLengthDuration(5 * kSecond, 30 * kMinute), "00m05.0s");
    EXPECT_EQ(FormatFixedLengthDuration(kHour + kSecond, 2 * kHour), "1h00m01.0s");
}

TEST(JsNumber, ToStringMatchesEcmaScript) {
    EXPECT_EQ(JsNumberToString(0), "0");
    EXPECT_EQ(JsNumberToString(45), "45");
    EXPECT_EQ(JsNumberToString(6.56109), "6.56109");
    EXPECT_EQ(JsNumberToString(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(JsNumberToString(1e21), "1e+21");
    EXPECT_EQ(JsNumberToString(123456789012345680000.0), "123456789012345680000");
    EXPECT_EQ(JsNumberToString(0.000001), "0.000001");
    EXPECT_EQ(JsNumberToString(1e-7), "1e-7");
    EXPECT_EQ(JsNumberToString(-2.5), "-2.5");
    EXPECT_EQ(JsNumberToString(1.5e-10), "1.5e-10");
}

TEST(JsNumber, ToFixedRoundsTheExactBinaryValue) {
    EXPECT_EQ(JsToFixed(0.125, 2), "0.13");  // exact tie: JS picks the larger n
    EXPECT_EQ(JsToFixed(1.005, 2), "1.00");  // 1.005 is 1.00499999999999989...
    EXPECT_EQ(JsToFixed(99.99, 2), "99.99");
    EXPECT_EQ(JsToFixed(9.995, 2), "9.99");
    EXPECT_EQ(JsToFixed(2.5, 0), "3");
    EXPECT_EQ(JsToFixed(999.996, 2), "1000.00");
    EXPECT_EQ(JsToFixed(-0.001, 2), "-0.00");
    EXPECT_EQ(JsToFixed(13.1221789, 6), "13.122179");
    EXPECT_EQ(JsToFixed(0, 2), "0.00");
}

TEST(JsNumber, GoShortestGFormat) {
    EXPECT_EQ(GoFormatFloat(1), "1");
    EXPECT_EQ(GoFormatFloat(1.449054), "1.449054");
    EXPECT_EQ(GoFormatFloat(123456), "123456");
    EXPECT_EQ(GoFormatFloat(1500000), "1.5e+06");
    EXPECT_EQ(GoFormatFloat(1234567), "1.234567e+06");
    EXPECT_EQ(GoFormatFloat(0.0001), "0.0001");
    EXPECT_EQ(GoFormatFloat(0.00001), "1e-05");
    EXPECT_EQ(GoFormatFloat(0), "0");
    EXPECT_EQ(GoFormatFloat(-2.5), "-2.5");
}

TEST(Humanize, DurationsAreTruncatedToTwoDecimals) {
    EXPECT_EQ(HumanizeGenericDuration(0), "0s");
    EXPECT_EQ(HumanizeGenericDuration(148.21), "148.21ms");
    EXPECT_EQ(HumanizeGenericDuration(148.219), "148.21ms");
    EXPECT_EQ(HumanizeGenericDuration(0.5), "500\xC2\xB5s");
    EXPECT_EQ(HumanizeGenericDuration(0.0005), "500ns");
    EXPECT_EQ(HumanizeGenericDuration(1500), "1.5s");
    EXPECT_EQ(HumanizeGenericDuration(12910), "12.91s");
    EXPECT_EQ(HumanizeGenericDuration(65000), "1m5s");
    EXPECT_EQ(HumanizeGenericDuration(3725000), "1h2m5s");
    EXPECT_EQ(HumanizeDuration(1.23456, "ms"), "1.23ms");
    EXPECT_EQ(HumanizeDuration(1234.5, "s"), "1.23s");
    EXPECT_EQ(HumanizeDuration(0.5, "us"), "500.00\xC2\xB5s");
}

TEST(Humanize, BytesUseDecimalUnits) {
    EXPECT_EQ(HumanizeBytes(7), "7 B");
    EXPECT_EQ(HumanizeBytes(519000), "519 kB");
    EXPECT_EQ(HumanizeBytes(76000), "76 kB");
    EXPECT_EQ(HumanizeBytes(2400), "2.4 kB");
    EXPECT_EQ(HumanizeBytes(1300000), "1.3 MB");
    EXPECT_EQ(HumanizeBytes(81000), "81 kB");
}

TEST(Humanize, ValuesByMetricType) {
    EXPECT_EQ(HumanizeValue(0.99999, MetricType::kRate, ValueType::kDefault, ""), "99.99%");
    EXPECT_EQ(HumanizeValue(1, MetricType::kRate, ValueType::kDefault, ""), "100.00%");
    EXPECT_EQ(HumanizeValue(0, MetricType::kRate, ValueType::kDefault, ""), "0.00%");
    EXPECT_EQ(HumanizeValue(13.1221789, MetricType::kCounter, ValueType::kDefault, ""),
              "13.122179");
    EXPECT_EQ(HumanizeValue(45, MetricType::kCounter, ValueType::kDefault, ""), "45");
    EXPECT_EQ(HumanizeValue(31000, MetricType::kCounter, ValueType::kData, ""), "31 kB");
    EXPECT_EQ(HumanizeValue(152.355556, MetricType::kTrend, ValueType::kDefault, ""), "152.355556");
}

TEST(Humanize, StrWidthCountsCodePointsOutsideEscapes) {
    EXPECT_EQ(StrWidth("abc"), 3u);
    EXPECT_EQ(StrWidth("148.21\xC2\xB5s"), 8u);
    EXPECT_EQ(StrWidth("\x1b[36m25ms\x1b[0m"), 4u);
    EXPECT_EQ(StrWidth("\xE2\x9C\x93 ok"), 4u);
}

TEST(Humanize, CollationOrdersLikeK6) {
    EXPECT_LT(CollateCompare("http_req_duration", "http_reqs"), 0);
    EXPECT_LT(CollateCompare("iteration_duration", "iterations"), 0);
    EXPECT_LT(CollateCompare("vus", "vus_max"), 0);
    EXPECT_LT(CollateCompare("data_received", "data_sent"), 0);
    // Unicode root collation, not byte order: '_' sorts before digits, letters ignore case first.
    EXPECT_LT(CollateCompare("a_b", "a1"), 0);
    EXPECT_LT(CollateCompare("apple", "Banana"), 0);
    EXPECT_LT(CollateCompare("abc", "Abc"), 0);
    EXPECT_LT(CollateCompare("{expected_response:true}", "{name:issue}"), 0);
    EXPECT_EQ(CollateCompare("same", "same"), 0);
}

TEST(Md5, MatchesK6GroupAndCheckIds) {
    EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(Md5Hex("::TRUE is TRUE"), "1bed1cc5e442054df516f1ca1076ac6a");  // from k6's own tests
    EXPECT_EQ(Md5Hex("The quick brown fox jumps over the lazy dog"),
              "9e107d9d372bb6826bd81d3542a419d6");
}

TEST(BaseUrl, ParsesTargets) {
    auto u = ParseBaseUrl("http://127.0.0.1:3000");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, 3000);
    EXPECT_EQ(u->Target("/api/x"), "/api/x");
    EXPECT_EQ(u->HostHeader(), "127.0.0.1:3000");
    auto prefixed = ParseBaseUrl("http://localhost/v1/");
    ASSERT_TRUE(prefixed);
    EXPECT_EQ(prefixed->port, 80);
    EXPECT_EQ(prefixed->Target("/api/x"), "/v1/api/x");
    EXPECT_EQ(prefixed->HostHeader(), "localhost");
    auto v6 = ParseBaseUrl("http://[::1]:8080");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->HostHeader(), "[::1]:8080");
    EXPECT_FALSE(ParseBaseUrl("https://example.com"));
    EXPECT_FALSE(ParseBaseUrl("127.0.0.1:3000"));
    EXPECT_FALSE(ParseBaseUrl("http://host:99999"));
    EXPECT_FALSE(ParseBaseUrl("http://:80"));
}

}  // namespace
}  // namespace hhplus::loadgen
