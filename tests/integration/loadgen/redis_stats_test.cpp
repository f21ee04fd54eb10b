// The tiny RESP client behind --redis, against a real redis-server on a free loopback port.
#include "loadgen/redis_stats.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "fake_api_server.hpp"
#include "tests/support/process.hpp"

namespace hhplus::loadgen {
namespace {

using hhplus::testing::ChildProcess;

class RedisStatsTest : public ::testing::Test {
  protected:
    void Start(const std::vector<std::string>& extra) {
        const std::string redis = hhplus::testing::FindExecutable("redis-server");
        ASSERT_FALSE(redis.empty()) << "redis-server is needed (scripts/setup.sh installs it)";
        port_ = hhplus::testing::FreePort();
        std::vector<std::string> argv{redis,
                                      "--port",
                                      std::to_string(port_),
                                      "--bind",
                                      "127.0.0.1",
                                      "--save",
                                      "",
                                      "--appendonly",
                                      "no",
                                      "--dir",
                                      dir_.path().string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        server_ = ChildProcess(argv, dir_.path() / "redis.log");
        ASSERT_TRUE(hhplus::testing::WaitForPort(port_, std::chrono::seconds(20)))
            << server_.LogTail();
    }
    std::string Url(const std::string& auth = "") const {
        return "redis://" + auth + "127.0.0.1:" + std::to_string(port_);
    }

    hhplus::testing::TempDir dir_{"loadgen-redis"};
    std::uint16_t port_ = 0;
    ChildProcess server_;
};

TEST_F(RedisStatsTest, ReadsCommandCounts) {
    Start({});
    auto first = FetchCommandStats(Url(), std::chrono::seconds(5));
    ASSERT_TRUE(first) << first.error();
    auto second = FetchCommandStats(Url(), std::chrono::seconds(5));
    ASSERT_TRUE(second) << second.error();
    // The first INFO has been counted by the time the second one reports.
    EXPECT_GE(second.value()["info"], first.value()["info"] + 1);
}

TEST_F(RedisStatsTest, AuthenticatesWhenTheUrlHasAPassword) {
    Start({"--requirepass", "s3cret"});
    EXPECT_FALSE(FetchCommandStats(Url(), std::chrono::seconds(5)));  // NOAUTH
    auto counts = FetchCommandStats(Url(":s3cret@"), std::chrono::seconds(5));
    ASSERT_TRUE(counts) << counts.error();
    EXPECT_GE(counts.value()["auth"], 1);
}

TEST_F(RedisStatsTest, TheRunReportsCommandDeltasPerRole) {
    Start({});
    testing::FakeApiServer api({});
    const char* build = std::getenv("HHPLUS_BUILD_DIR");
    const auto log = dir_.path() / "run.log";
    ChildProcess run(
        {std::string(build != nullptr ? build : ".") + "/tools/loadgen/hhplus-load", "run",
         "http-get", "--iterations", "3", "-e", "BASE_URL=" + api.BaseUrl(), "--redis",
         "cache=" + Url(), "--redis", "lock=" + Url() + "," + Url(), "--no-color", "--quiet"},
        log);
    const int status = run.Wait(std::chrono::seconds(120));
    std::ifstream in(log);
    std::stringstream out;
    out << in.rdbuf();
    ASSERT_NE(status, -1) << out.str();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out.str();
    // Nothing but our own INFO calls reached Redis during the run, and those are left out.
    EXPECT_NE(out.str().find("cache (1 instance)"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("lock (2 instances)"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find(": 0 total"), std::string::npos) << out.str();
}

TEST(RedisStats, ParsesRolesAndInfoText) {
    auto role = ParseRedisRole("lock=redis://127.0.0.1:3102,redis://127.0.0.1:3103");
    ASSERT_TRUE(role) << role.error();
    EXPECT_EQ(role->role, "lock");
    EXPECT_EQ(role->urls.size(), 2u);
    EXPECT_FALSE(ParseRedisRole("redis://127.0.0.1:1"));
    EXPECT_FALSE(ParseRedisRole("lock="));
    EXPECT_FALSE(ParseRedisRole("lock=http://127.0.0.1:1"));
    CommandCounts c = ParseCommandStats(
        "# "
        "Commandstats\r\ncmdstat_get:calls=12,usec=30,usec_per_call=2.50\r\ncmdstat_evalsha:calls="
        "5,usec=9\r\nnoise\r\n");
    EXPECT_EQ(c["get"], 12);
    EXPECT_EQ(c["evalsha"], 5);
    EXPECT_EQ(c.size(), 2u);
}

TEST(RedisStats, UnreachableServerIsAnErrorNotAHang) {
    const std::uint16_t port = hhplus::testing::FreePort();
    auto r =
        FetchCommandStats("redis://127.0.0.1:" + std::to_string(port), std::chrono::seconds(2));
    EXPECT_FALSE(r);
}

}  // namespace
}  // namespace hhplus::loadgen
