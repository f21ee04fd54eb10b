#include "loadgen/ndjson.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "loadgen/runner.hpp"
#include "tests/support/process.hpp"

namespace hhplus::loadgen {
namespace {

std::string ReadAll(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(Rfc3339, FormatsAndParsesLikeGo) {
    EXPECT_EQ(FormatRfc3339Nano(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(FormatRfc3339Nano(1'614'173'830'000'000'000), "2021-02-24T13:37:10Z");
    EXPECT_EQ(FormatRfc3339Nano(1'614'173'830'123'450'000), "2021-02-24T13:37:10.12345Z");
    EXPECT_EQ(ParseRfc3339("2021-02-24T13:37:10.12345Z"), 1'614'173'830'123'450'000);
    EXPECT_EQ(ParseRfc3339("2021-02-24T22:37:10.5+09:00"), 1'614'173'830'500'000'000);
    EXPECT_FALSE(ParseRfc3339("2021-02-24 nope"));
}

TEST(Ndjson, WritesK6MetricAndPointLines) {
    hhplus::testing::TempDir dir("loadgen-ndjson");
    const std::string path = (dir.path() / "out.ndjson").string();
    Registry registry;
    BuiltinMetrics b = DefineBuiltinMetrics(registry);
    ASSERT_TRUE(registry.GetOrAddSubmetric("http_req_duration{expected_response:true}"));
    auto writer = NdjsonWriter::Open(path);
    ASSERT_TRUE(writer) << writer.error();
    std::vector<MetricThresholds> thresholds = {
        {"http_req_duration",
         {ThresholdConfig{"p(95)<3000", false, std::nullopt},
          ThresholdConfig{"p(99)<5000", true, 10 * kSecond}}}};
    writer.value()->SetThresholds(thresholds);
    registry.SetObserver(writer.value().get());
    TagSet tags{{"expected_response", "true"}, {"name", "issue"}, {"status", "201"}};
    TagSet meta{{"errorCode", "C001"}, {"instance", "app-1"}};
    registry.Add(*b.http_req_duration, 12.5, tags, 1'614'173'830'000'000'000, &meta);
    registry.Add(*b.http_req_duration, 1500000, tags, 1'614'173'830'250'000'000);
    registry.Add(*b.http_reqs, 1, tags, 1'614'173'830'250'000'000);
    registry.SetObserver(nullptr);
    ASSERT_TRUE(writer.value()->Close());

    std::istringstream lines(ReadAll(path));
    std::string line;
    std::vector<std::string> all;
    while (std::getline(lines, line)) all.push_back(line);
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(
        all[0],
        R"({"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":["p(95)<3000",)"
        R"({"threshold":"p(99)<5000","abortOnFail":true,"delayAbortEval":"10s"}],"submetrics":[{"name":"http_req_duration{expected_response:true}",)"
        R"("suffix":"expected_response:true","tags":{"expected_response":"true"}}]},"metric":"http_req_duration"})");
    EXPECT_EQ(
        all[1],
        R"({"type":"Point","data":{"time":"2021-02-24T13:37:10Z","value":12.5,"tags":{"expected_response":"true","name":"issue",)"
        R"("status":"201"},"metadata":{"errorCode":"C001","instance":"app-1"}},"metric":"http_req_duration"})");
    EXPECT_EQ(
        all[2],
        R"({"type":"Point","data":{"time":"2021-02-24T13:37:10.25Z","value":1.5e+06,"tags":{"expected_response":"true",)"
        R"("name":"issue","status":"201"}},"metric":"http_req_duration"})");
    EXPECT_EQ(
        all[3],
        R"({"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"http_reqs"})");

    auto read = ReadNdjson(path);
    ASSERT_TRUE(read) << read.error();
    ASSERT_EQ(read->metrics.size(), 2u);
    EXPECT_EQ(read->metrics[0].thresholds.size(), 2u);
    EXPECT_TRUE(read->metrics[0].thresholds[1].abort_on_fail);
    EXPECT_EQ(read->metrics[0].submetrics,
              std::vector<std::string>{"http_req_duration{expected_response:true}"});
    ASSERT_EQ(read->points.size(), 3u);
    EXPECT_EQ(read->points[0].unix_nanos, 1'614'173'830'000'000'000);
    EXPECT_EQ(*FindTag(read->points[0].metadata, "instance"), "app-1");
    EXPECT_DOUBLE_EQ(read->points[1].value, 1500000);
}

TEST(Ndjson, ReportRebuildsTheSummaryFromAFile) {
    hhplus::testing::TempDir dir("loadgen-report");
    const auto path = dir.path() / "run.ndjson";
    {
        std::ofstream out(path);
        // Lines as k6 itself writes them (a k6 file is readable too).
        out << R"({"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default","thresholds":["count>5"],"submetrics":null},"metric":"http_reqs"})"
            << "\n"
            << R"({"type":"Point","data":{"time":"2021-02-24T13:37:10+00:00","value":1,"tags":{"status":"200"}},"metric":"http_reqs"})"
            << "\n"
            << R"({"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":[],"submetrics":null},"metric":"http_req_duration"})"
            << "\n"
            << R"({"type":"Point","data":{"time":"2021-02-24T13:37:10Z","value":10,"tags":{"status":"200","name":"a"}},"metric":"http_req_duration"})"
            << "\n"
            << R"({"type":"Point","data":{"time":"2021-02-24T13:37:12Z","value":30,"tags":{"status":"409","name":"a"},"metadata":{"errorCode":"C001"}},"metric":"http_req_duration"})"
            << "\n"
            << R"({"type":"Point","data":{"time":"2021-02-24T13:37:12Z","value":1,"tags":{"status":"409"}},"metric":"http_reqs"})"
            << "\n";
    }
    std::ostringstream out;
    std::ostringstream err;
    const auto html = dir.path() / "report.html";
    int rc = RenderReportFromNdjson(path.string(), html.string(), {"avg", "max"}, false, out, err);
    EXPECT_EQ(rc, kExitOk) << err.str();
    const std::string text = out.str();
    EXPECT_NE(text.find("\xE2\x9C\x97 'count>5' count=2"), std::string::npos) << text;
    EXPECT_NE(text.find("http_req_duration...: avg=20ms max=30ms"), std::string::npos) << text;
    EXPECT_NE(text.find("http_reqs...........: 2 1/s"), std::string::npos)
        << text;  // 2 over the 2 s span
    const std::string page = ReadAll(html);
    EXPECT_NE(page.find("<svg"), std::string::npos);
    EXPECT_NE(page.find("409 C001"), std::string::npos);
    EXPECT_EQ(page.find("<script"), std::string::npos);  // self-contained, no scripts
    EXPECT_EQ(page.find("http://"), std::string::npos);  // and nothing fetched from elsewhere

    EXPECT_EQ(RenderReportFromNdjson((dir.path() / "missing.ndjson").string(), "", {"avg"}, false,
                                     out, err),
              kExitGenericError);
}

}  // namespace
}  // namespace hhplus::loadgen
