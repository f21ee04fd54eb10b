// hhplus-load end to end against an in-process fake API server: exact iteration counts from the
// executors, cookies and keep-alive over real sockets, the k6 exit codes (0, 99, 104, 105) and
// ours (111), summary export, JSON output and `report`.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "fake_api_server.hpp"
#include "tests/support/process.hpp"

namespace hhplus::loadgen {
namespace {

using hhplus::testing::ChildProcess;
using hhplus::testing::TempDir;
using testing::FakeApiServer;

std::string Binary() {
    const char* build = std::getenv("HHPLUS_BUILD_DIR");
    return std::string(build != nullptr ? build : ".") + "/tools/loadgen/hhplus-load";
}

std::string ReadAll(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Options without latency thresholds: these tests check counts and exit codes, never speed.
constexpr const char* kArrivalOptions = R"JSON({
  "scenarios": {"issue_coupon": {"executor": "constant-arrival-rate", "rate": 25, "timeUnit": "1s",
                                  "duration": "2s", "preAllocatedVUs": 50, "maxVUs": 50}},
  "thresholds": {"success_register_rate": ["rate>0.99"], "checks": ["rate==1"]},
  "summaryTrendStats": ["avg", "min", "med", "max", "p(55)", "p(90)", "p(95)", "p(99)"]
})JSON";

struct RunResult {
    int exit_code = -1;
    std::string output;
};

class LoadgenRunner : public ::testing::Test {
  protected:
    RunResult Run(std::vector<std::string> args,
                  std::chrono::seconds timeout = std::chrono::seconds(120)) {
        std::vector<std::string> argv{Binary()};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto log = dir_.path() / ("run" + std::to_string(++runs_) + ".log");
        ChildProcess p(argv, log, {{"BASE_URL", ""}});
        const int status = p.Wait(timeout);
        RunResult r;
        r.output = ReadAll(log);
        EXPECT_NE(status, -1) << "hhplus-load did not finish in time:\n" << r.output;
        if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
        return r;
    }

    std::string Write(const std::string& name, const std::string& text) {
        const auto path = dir_.path() / name;
        std::ofstream(path) << text;
        return path.string();
    }

    rapidjson::Document Export(const std::string& path) {
        rapidjson::Document doc;
        doc.Parse(ReadAll(path).c_str());
        EXPECT_FALSE(doc.HasParseError()) << path;
        return doc;
    }

    TempDir dir_{"loadgen-it"};
    int runs_ = 0;
};

TEST_F(LoadgenRunner, ConstantArrivalRateStartsExactlyThePlannedIterations) {
    FakeApiServer server({});
    const std::string options = Write("arrival.json", kArrivalOptions);
    const std::string summary = (dir_.path() / "summary.json").string();
    RunResult r =
        Run({"run", "issue-coupon", "--options", options, "-e", "BASE_URL=" + server.BaseUrl(),
             "-e", "COUPON_ID=7", "--summary-export", summary, "--no-color"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // 25/s for 2 s: iterations due at 0, 40 ms, ..., 1960 ms: exactly 50, each a sign-up + an
    // issue.
    EXPECT_EQ(server.Count("signup"), 50);
    EXPECT_EQ(server.Count("issue"), 50);
    // The session cookie of each sign-up reached its issue request (the server answers 401/403
    // otherwise), and every issue of the 100-piece coupon succeeded.
    EXPECT_EQ(server.Issued(), 50);
    // Keep-alive: VUs reuse their connection across iterations.
    EXPECT_LE(server.Connections(), 50);
    EXPECT_EQ(server.Requests(), 100);

    rapidjson::Document doc = Export(summary);
    const auto& m = doc["metrics"];
    EXPECT_EQ(m["iterations"]["count"].GetInt(), 50);
    EXPECT_EQ(m["http_reqs"]["count"].GetInt(), 100);
    EXPECT_FALSE(m.HasMember("dropped_iterations"));
    EXPECT_DOUBLE_EQ(m["success_register_rate"]["value"].GetDouble(), 1.0);
    EXPECT_DOUBLE_EQ(m["success_coupon_issue_rate"]["value"].GetDouble(), 1.0);
    EXPECT_DOUBLE_EQ(m["checks"]["value"].GetDouble(), 1.0);
    EXPECT_EQ(m["http_req_duration{expected_response:true}"]["p(99)"].IsNumber(), true);
    EXPECT_EQ(doc["root_group"]["checks"]["issue answered 201 or C001"]["passes"].GetInt(), 50);

    // k6's summary layout, then ours.
    EXPECT_NE(r.output.find("\xE2\x96\x88 THRESHOLDS"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\xE2\x9C\x93 'rate>0.99' rate=100.00%"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("    iterations.....................: 50 "), std::string::npos)
        << r.output;
    EXPECT_NE(
        r.output.find("* issue_coupon: 25.00 iterations/s for 2s (maxVUs: 50, gracefulStop: 30s)"),
        std::string::npos);
    EXPECT_NE(r.output.find("schedule lag"), std::string::npos);
    EXPECT_NE(r.output.find("fake-app-1"), std::string::npos);  // X-Instance distribution
    EXPECT_NE(r.output.find("fake-app-2"), std::string::npos);
}

TEST_F(LoadgenRunner, SharedIterationsRunExactlyTheRequestedCount) {
    FakeApiServer server({});
    RunResult r = Run({"run", "signup", "--iterations", "7", "--vus", "3", "-e",
                       "BASE_URL=" + server.BaseUrl(), "--quiet"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(server.Count("signup"), 7);
    EXPECT_LE(server.Connections(), 3);
}

TEST_F(LoadgenRunner, AFailingThresholdExits99) {
    FakeApiServer server({});
    const std::string options =
        Write("fail.json",
              R"({"thresholds": {"http_reqs": ["count<1"], "http_req_failed": ["rate<0.5"]}})");
    RunResult r = Run({"run", "signup", "--options", options, "--iterations", "2", "-e",
                       "BASE_URL=" + server.BaseUrl(), "--no-color"});
    EXPECT_EQ(r.exit_code, 99) << r.output;
    EXPECT_NE(r.output.find("\xE2\x9C\x97 'count<1' count=2"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\xE2\x9C\x93 'rate<0.5' rate=0.00%"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("thresholds on metrics 'http_reqs' have been crossed"),
              std::string::npos)
        << r.output;
}

TEST_F(LoadgenRunner, InvalidOptionsExit104AndSendNothing) {
    FakeApiServer server({});
    const std::string bad_metric =
        Write("bad1.json", R"({"thresholds": {"no_such_metric": ["rate<1"]}})");
    RunResult r =
        Run({"run", "signup", "--options", bad_metric, "-e", "BASE_URL=" + server.BaseUrl()});
    EXPECT_EQ(r.exit_code, 104) << r.output;
    const std::string bad_executor = Write(
        "bad2.json",
        R"({"scenarios": {"x": {"executor": "constant-arrival-rate", "duration": "1s", "preAllocatedVUs": 1}}})");
    r = Run({"run", "signup", "--options", bad_executor, "-e", "BASE_URL=" + server.BaseUrl()});
    EXPECT_EQ(r.exit_code, 104) << r.output;
    EXPECT_NE(r.output.find("the iteration rate isn't specified"), std::string::npos) << r.output;
    r = Run({"run", "signup", "--summary-trend-stats", "avg,p(200)", "-e",
             "BASE_URL=" + server.BaseUrl()});
    EXPECT_EQ(r.exit_code, 104) << r.output;
    r = Run({"run", "no-such-scenario"});
    EXPECT_EQ(r.exit_code, 104) << r.output;
    EXPECT_EQ(server.Requests(), 0);
}

TEST_F(LoadgenRunner, DryRunValidatesAndSendsNothing) {
    FakeApiServer server({});
    RunResult r = Run({"run", "issue-coupon", "--dry-run", "-e", "BASE_URL=" + server.BaseUrl()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("planned iterations: 125"), std::string::npos) << r.output;
    EXPECT_EQ(server.Requests(), 0);
}

TEST_F(LoadgenRunner, FreshCouponAndInvariantCheck) {
    FakeApiServer server({});
    const std::string options =
        Write("coupon.json", R"({"thresholds": {"success_register_rate": ["rate>0.99"]}})");
    RunResult r = Run({"run", "issue-coupon", "--options", options, "--iterations", "12", "--vus",
                       "3", "--admin-token", "admin-secret", "-e", "COUPON_QUANTITY=5", "-e",
                       "BASE_URL=" + server.BaseUrl(), "--no-color"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(server.Count("admin-create"), 1);
    EXPECT_EQ(server.Count("audit"), 1);
    EXPECT_EQ(server.Count("issue"), 12);
    EXPECT_EQ(server.Issued(), 5);
    EXPECT_NE(r.output.find("coupon_sold_out_count..."), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(": 7 "), std::string::npos) << r.output;  // 12 - 5 sold out
    EXPECT_NE(r.output.find("\xE2\x9C\x93 coupon 7"), std::string::npos) << r.output;
}

TEST_F(LoadgenRunner, InvariantViolationExits111) {
    FakeApiServer::Config config;
    config.audit_extra_issued = 1;  // the audit reports one coupon more than the 201s allow
    FakeApiServer server(config);
    const std::string options = Write("coupon.json", R"({"thresholds": {}})");
    RunResult r = Run({"run", "issue-coupon", "--options", options, "--iterations", "4",
                       "--admin-token", "admin-secret", "-e", "COUPON_QUANTITY=10", "-e",
                       "BASE_URL=" + server.BaseUrl(), "--no-color"});
    EXPECT_EQ(r.exit_code, 111) << r.output;
    EXPECT_NE(r.output.find("\xE2\x9C\x97 coupon 7"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("VIOLATED"), std::string::npos) << r.output;
}

// order-rush: 40 users for a stock of 10 at 20/s for 2 s; every unit sold and paid, the rest
// answered P003, and the audits agree.
constexpr const char* kOrderOptions = R"JSON({
  "scenarios": {"order_rush": {"executor": "constant-arrival-rate", "rate": 20, "timeUnit": "1s",
                                "duration": "2s", "preAllocatedVUs": 20, "maxVUs": 20}},
  "thresholds": {"errors_order": ["count==0"]}
})JSON";

TEST_F(LoadgenRunner, OrderRushSellsTheStockOnceAndChecksTheAudits) {
    FakeApiServer server({});
    const std::string options = Write("orders.json", kOrderOptions);
    const std::string summary = (dir_.path() / "orders-summary.json").string();
    const std::string html = (dir_.path() / "orders.html").string();
    RunResult r =
        Run({"run", "order-rush", "--options", options, "--admin-token", "admin-secret", "-e",
             "STOCK=10", "-e", "WITH_COUPON=1", "-e", "BASE_URL=" + server.BaseUrl(),
             "--summary-export", summary, "--html", html, "--no-color"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(server.Count("admin-product"), 1);
    EXPECT_EQ(server.Count("admin-create"), 1);  // the coupon every user holds
    EXPECT_EQ(server.Count("signup"), 40);       // one user per planned iteration
    EXPECT_EQ(server.Count("charge"), 40);
    EXPECT_EQ(server.Count("issue"), 40);
    EXPECT_EQ(server.Count("order"), 40);
    EXPECT_EQ(server.Count("payment"), 10);
    EXPECT_EQ(server.SoldUnits(), 10);
    EXPECT_EQ(server.Count("option-audit"), 1);
    EXPECT_EQ(server.Count("balance-audit"), 40);  // every user: fewer than the sample bound

    rapidjson::Document doc = Export(summary);
    const auto& m = doc["metrics"];
    EXPECT_EQ(m["iterations"]["count"].GetInt(), 40);
    EXPECT_EQ(m["http_reqs"]["count"].GetInt(), 50);  // setup requests are not recorded
    EXPECT_EQ(m["success_order_rate"]["passes"].GetInt(), 10);
    EXPECT_EQ(m["order_sold_out_count"]["count"].GetInt(), 30);
    // Declared by its threshold, never added to.
    EXPECT_TRUE(!m.HasMember("errors_order") || m["errors_order"]["count"].GetInt() == 0);
    EXPECT_EQ(doc["root_group"]["checks"]["payment status is 200"]["passes"].GetInt(), 10);
    EXPECT_EQ(doc["root_group"]["checks"]["order answered 201 or P003"]["passes"].GetInt(), 40);

    EXPECT_NE(r.output.find("\xE2\x9C\x93 product option 11"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\xE2\x9C\x93 balance identity of 40 of 40 users"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("setup (untimed, not in the metrics)"), std::string::npos);
    const std::string page = ReadAll(html);
    EXPECT_NE(page.find("409 P003"), std::string::npos);
    EXPECT_NE(page.find("<h2>Per request name</h2>"), std::string::npos);
    EXPECT_NE(page.find("<tr><td>payment</td><td>10</td>"), std::string::npos);
    EXPECT_NE(page.find("<tr><td>order</td><td>40</td>"), std::string::npos);
}

TEST_F(LoadgenRunner, OrderRushExits111WhenTheOptionAuditDisagrees) {
    FakeApiServer::Config config;
    config.audit_extra_sold = 1;  // one unit sold that no 200 payment accounts for
    FakeApiServer server(config);
    const std::string options = Write("orders.json", kOrderOptions);
    RunResult r = Run({"run", "order-rush", "--options", options, "--admin-token", "admin-secret",
                       "-e", "STOCK=5", "-e", "BASE_URL=" + server.BaseUrl(), "--no-color"});
    EXPECT_EQ(r.exit_code, 111) << r.output;
    EXPECT_NE(r.output.find("\xE2\x9C\x97 product option 11"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("VIOLATED"), std::string::npos) << r.output;
}

TEST_F(LoadgenRunner, OrderRushWithoutAnAdminTokenNeedsAnExistingOption) {
    FakeApiServer server({});
    const std::string options = Write("orders.json", kOrderOptions);
    RunResult r = Run({"run", "order-rush", "--options", options, "-e",
                       "BASE_URL=" + server.BaseUrl(), "--no-color"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("--admin-token"), std::string::npos) << r.output;
    EXPECT_EQ(server.Requests(), 0);
}

TEST_F(LoadgenRunner, ConnectionRefusedIsAFailedRequestNotACrash) {
    const std::uint16_t port = hhplus::testing::FreePort();  // nothing listens there
    const std::string options = Write("plain.json", R"({})");
    const std::string summary = (dir_.path() / "refused.json").string();
    RunResult r = Run({"run", "http-get", "--options", options, "--iterations", "3", "-e",
                       "BASE_URL=http://127.0.0.1:" + std::to_string(port), "--summary-export",
                       summary, "--no-color"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    rapidjson::Document doc = Export(summary);
    EXPECT_DOUBLE_EQ(doc["metrics"]["http_req_failed"]["value"].GetDouble(), 1.0);
    EXPECT_EQ(doc["metrics"]["http_reqs"]["count"].GetInt(), 3);
    EXPECT_NE(r.output.find("no response 1212"), std::string::npos) << r.output;
}

TEST_F(LoadgenRunner, ASilentServerTimesOutWithK6ErrorCode1050) {
    // Accepts connections and never answers.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const std::string options = Write("plain.json", R"({})");
    const std::string summary = (dir_.path() / "timeout.json").string();
    const auto started = std::chrono::steady_clock::now();
    RunResult r = Run(
        {"run", "http-get", "--options", options, "--iterations", "1", "-e", "REQUEST_TIMEOUT=1s",
         "-e", "BASE_URL=http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()),
         "--summary-export", summary, "--no-color"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_LT(std::chrono::steady_clock::now() - started,
              std::chrono::seconds(30));  // bounded, not the 60 s default
    EXPECT_NE(r.output.find("no response 1050"), std::string::npos) << r.output;
    rapidjson::Document doc = Export(summary);
    EXPECT_DOUBLE_EQ(doc["metrics"]["http_req_failed"]["value"].GetDouble(), 1.0);
    EXPECT_EQ(doc["metrics"]["iterations"]["count"].GetInt(), 1);
}

TEST_F(LoadgenRunner, SigintStopsTheRunPrintsTheSummaryAndExits105) {
    FakeApiServer server({});
    const std::string options = Write("long.json", R"({})");
    const auto log = dir_.path() / "sigint.log";
    ChildProcess p({Binary(), "run", "http-get", "--options", options, "--vus", "2", "--duration",
                    "60s", "-e", "BASE_URL=" + server.BaseUrl(), "--no-color"},
                   log, {{"BASE_URL", ""}});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (server.Requests() < 20 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(
            std::chrono::milliseconds(20));  // polling a condition, not timing
    }
    ASSERT_GE(server.Requests(), 20) << ReadAll(log);
    p.Signal(SIGINT);
    const int status = p.Wait(std::chrono::seconds(30));
    ASSERT_NE(status, -1) << "no exit after SIGINT:\n" << ReadAll(log);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 105) << ReadAll(log);
    const std::string out = ReadAll(log);
    EXPECT_NE(out.find("TOTAL RESULTS"), std::string::npos) << out;
    EXPECT_NE(out.find("interrupted iterations"), std::string::npos) << out;
}

TEST_F(LoadgenRunner, JsonOutputFeedsTheReportCommand) {
    FakeApiServer server({});
    const std::string ndjson = (dir_.path() / "raw.ndjson").string();
    const std::string html = (dir_.path() / "live.html").string();
    RunResult r = Run({"run", "minimal-smoke", "-e", "BASE_URL=" + server.BaseUrl(), "--out",
                       "json=" + ndjson, "--html", html, "--quiet", "--no-color"});
    EXPECT_EQ(r.exit_code, 0) << r.output;  // every check passes against the fake API
    EXPECT_EQ(server.Count("health"), 1);
    EXPECT_EQ(server.Count("me"), 1);
    const std::string raw = ReadAll(ndjson);
    EXPECT_NE(
        raw.find(
            R"({"type":"Metric","data":{"name":"checks","type":"rate","contains":"default","thresholds":["rate==1"])"),
        std::string::npos)
        << raw.substr(0, 2000);
    EXPECT_NE(raw.find(R"("name":"signup")"), std::string::npos);
    EXPECT_NE(ReadAll(html).find("<svg"), std::string::npos);

    const std::string html2 = (dir_.path() / "report.html").string();
    RunResult report = Run({"report", ndjson, "--html", html2, "--no-color"});
    EXPECT_EQ(report.exit_code, 0) << report.output;
    EXPECT_NE(report.output.find("\xE2\x9C\x93 'rate==1' rate=100.00%"), std::string::npos)
        << report.output;
    EXPECT_NE(report.output.find("\xE2\x9C\x93 health status is 200"), std::string::npos)
        << report.output;
    EXPECT_NE(ReadAll(html2).find("fake-app"), std::string::npos);
}

}  // namespace
}  // namespace hhplus::loadgen
