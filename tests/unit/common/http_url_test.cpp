#include <gtest/gtest.h>

#include "common/urls.hpp"

namespace hhplus {
namespace {

TEST(ParseHttpUrl, HostPortAndTarget) {
    auto u = ParseHttpUrl("http://127.0.0.1:8080/orders");
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, 8080);
    EXPECT_EQ(u->target, "/orders");
    u = ParseHttpUrl("http://Data-Platform.internal");
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->host, "data-platform.internal");
    EXPECT_EQ(u->port, 80);
    EXPECT_EQ(u->target, "/");
    u = ParseHttpUrl("HTTP://localhost:9/a/b?x=1&y=2");
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->target, "/a/b?x=1&y=2");
    u = ParseHttpUrl("http://[::1]:81/orders");
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->port, 81);
}

TEST(ParseHttpUrl, RefusesTheRest) {
    for (const char* bad :
         {"", "https://h/orders", "ftp://h", "http://", "http://h:0/", "http://h:65536/",
          "http://user:pw@h/", "http://h/a b", "http://h/a#frag", "http://h?x", "http://[::1/",
          "http://h:x/", "http://1.2.3/", "127.0.0.1:80/orders"}) {
        EXPECT_FALSE(ParseHttpUrl(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace hhplus
