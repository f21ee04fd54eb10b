#include <gtest/gtest.h>

#include "redis/client.hpp"

namespace hhplus::redis {
namespace {

TEST(ParseRedisUrl, AcceptsHostPortAndDb) {
    const auto e = ParseRedisUrl("redis://127.0.0.1:3100/2");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->host, "127.0.0.1");
    EXPECT_EQ(e->port, 3100);
    EXPECT_EQ(e->db, 2);
}

TEST(ParseRedisUrl, DefaultsPortAndDb) {
    const auto e = ParseRedisUrl("redis://10.0.0.7");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->host, "10.0.0.7");
    EXPECT_EQ(e->port, 6379);
    EXPECT_EQ(e->db, 0);
    const auto slash = ParseRedisUrl("redis://10.0.0.7:1/");
    ASSERT_TRUE(slash.has_value());
    EXPECT_EQ(slash->port, 1);
    EXPECT_EQ(slash->db, 0);
}

TEST(ParseRedisUrl, MapsLocalhostToLoopback) {
    const auto e = ParseRedisUrl("redis://localhost:6380");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->host, "127.0.0.1");
    EXPECT_EQ(e->port, 6380);
}

TEST(ParseRedisUrl, AcceptsBracketedIpv6) {
    const auto e = ParseRedisUrl("redis://[::1]:7000/3");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->host, "::1");
    EXPECT_EQ(e->port, 7000);
    EXPECT_EQ(e->db, 3);
    EXPECT_EQ(ToString(*e), "[::1]:7000/3");
}

TEST(ParseRedisUrl, RejectsEverythingElse) {
    for (const char* bad : {
             "",
             "127.0.0.1:6379",           // no scheme
             "rediss://127.0.0.1:6379",  // TLS
             "http://127.0.0.1:6379",
             "redis://",  // no host
             "redis://:6379",
             "redis://bad_host!:6379",
             "redis://a..b:6379",
             "redis://-lead:6379",
             "redis://user:pw@127.0.0.1:6379",
             "redis://:pw@127.0.0.1:6379",
             "redis://127.0.0.1:0",  // port out of range
             "redis://127.0.0.1:65536",
             "redis://127.0.0.1:-1",
             "redis://127.0.0.1:+1",
             "redis://127.0.0.1:",  // empty port
             "redis://127.0.0.1:63x9",
             "redis://127.0.0.1:6379/x",  // bad db
             "redis://127.0.0.1:6379/-1",
             "redis://127.0.0.1:6379/123456",
             "redis://127.0.0.1:6379/1/2",
             "redis://127.0.0.1:6379?db=1",
             "redis://256.0.0.1:6379",
             "redis://[::1",  // unclosed bracket
             "redis://[::1]x",
             "redis://[nothost]:1",
             "redis://::1:6379",  // IPv6 without brackets
         }) {
        EXPECT_FALSE(ParseRedisUrl(bad).has_value()) << bad;
    }
}

TEST(ParseRedisUrl, KeepsHostNamesForResolutionBeforeEachConnect) {
    const auto e = ParseRedisUrl("redis://redis-session:6379/1");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->host, "redis-session");
    EXPECT_EQ(e->port, 6379);
    EXPECT_EQ(e->db, 1);
    const auto fqdn = ParseRedisUrl("redis://Lock-1.hhplus.svc.cluster.local.");
    ASSERT_TRUE(fqdn.has_value());
    EXPECT_EQ(fqdn->host, "lock-1.hhplus.svc.cluster.local.");
    EXPECT_EQ(fqdn->port, 6379);
}

TEST(ToStringEndpoint, ShowsHostPortDb) {
    EXPECT_EQ(ToString(Endpoint{"127.0.0.1", 3100, 0}), "127.0.0.1:3100/0");
}

TEST(ErrcName, NamesEveryCode) {
    EXPECT_EQ(ErrcName(Errc::kUnavailable), "unavailable");
    EXPECT_EQ(ErrcName(Errc::kTimeout), "timeout");
    EXPECT_EQ(ErrcName(Errc::kProtocol), "protocol");
    EXPECT_EQ(ErrcName(Errc::kCancelled), "cancelled");
    EXPECT_EQ(ErrcName(Errc::kQueueFull), "queue_full");
}

TEST(ReplyType, ErrorAndNilPredicates) {
    Reply r;
    EXPECT_TRUE(r.IsNil());
    EXPECT_FALSE(r.IsError());
    r.type = Reply::Type::kError;
    EXPECT_TRUE(r.IsError());
    EXPECT_FALSE(r.IsNil());
}

}  // namespace
}  // namespace hhplus::redis
