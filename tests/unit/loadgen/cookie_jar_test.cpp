#include "loadgen/cookie_jar.hpp"

#include <gtest/gtest.h>

namespace hhplus::loadgen {
namespace {

using Clock = CookieJar::Clock;

const Clock::time_point kNow = Clock::from_time_t(1'800'000'000);

TEST(CookieJar, StoresTheSessionCookieOfASignup) {
    CookieJar jar;
    jar.SetFromHeader("sid=abc123; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200", "127.0.0.1",
                      "/api/auth/signup", kNow);
    EXPECT_EQ(jar.HeaderFor("127.0.0.1", "/api/coupons/1/issue", false, kNow), "sid=abc123");
    EXPECT_EQ(jar.Get("127.0.0.1", "sid", kNow), "abc123");
    // Host-only: another host does not get it; ports do not isolate cookies (RFC 6265).
    EXPECT_EQ(jar.HeaderFor("127.0.0.2", "/", false, kNow), "");
    // Max-Age expires.
    EXPECT_EQ(jar.HeaderFor("127.0.0.1", "/", false, kNow + std::chrono::hours(13)), "");
}

TEST(CookieJar, ClearEmptiesTheJarAsAnIterationStartDoes) {
    CookieJar jar;
    jar.SetFromHeader("sid=abc; Path=/", "h", "/", kNow);
    jar.Clear();
    EXPECT_EQ(jar.Size(), 0u);
    EXPECT_EQ(jar.HeaderFor("h", "/", false, kNow), "");
}

TEST(CookieJar, MaxAgeZeroAndPastExpiresDelete) {
    CookieJar jar;
    jar.SetFromHeader("sid=abc; Path=/", "h", "/", kNow);
    jar.SetFromHeader("sid=; Path=/; Max-Age=0", "h", "/api/auth/logout", kNow);
    EXPECT_EQ(jar.Size(), 0u);
    jar.SetFromHeader("a=1; Path=/", "h", "/", kNow);
    jar.SetFromHeader("a=2; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "h", "/", kNow);
    EXPECT_EQ(jar.HeaderFor("h", "/", false, kNow), "");
    jar.SetFromHeader("b=3; Path=/; Expires=Wed, 21 Oct 2099 07:28:00 GMT", "h", "/", kNow);
    EXPECT_EQ(jar.HeaderFor("h", "/", false, kNow), "b=3");
}

TEST(CookieJar, ReplacingKeepsOneCookiePerNameDomainAndPath) {
    CookieJar jar;
    jar.SetFromHeader("sid=old; Path=/", "h", "/", kNow);
    jar.SetFromHeader("sid=new; Path=/", "h", "/", kNow);  // session id rotated at login
    EXPECT_EQ(jar.HeaderFor("h", "/x", false, kNow), "sid=new");
    EXPECT_EQ(jar.Size(), 1u);
}

TEST(CookieJar, PathMatchingAndOrder) {
    CookieJar jar;
    jar.SetFromHeader("root=1; Path=/", "h", "/", kNow);
    jar.SetFromHeader("api=2; Path=/api", "h", "/", kNow);
    jar.SetFromHeader("deflt=3", "h", "/api/auth/signup", kNow);  // default path /api/auth
    EXPECT_EQ(jar.HeaderFor("h", "/api/auth/me", false, kNow), "deflt=3; api=2; root=1");
    EXPECT_EQ(jar.HeaderFor("h", "/api", false, kNow), "api=2; root=1");
    EXPECT_EQ(jar.HeaderFor("h", "/apix", false, kNow), "root=1");  // /api does not match /apix
    EXPECT_EQ(jar.HeaderFor("h", "/api/x?y=1", false, kNow), "api=2; root=1");
    EXPECT_EQ(DefaultCookiePath("/api/auth/signup"), "/api/auth");
    EXPECT_EQ(DefaultCookiePath("/signup"), "/");
    EXPECT_EQ(DefaultCookiePath(""), "/");
}

TEST(CookieJar, DomainAttributeAndSecure) {
    CookieJar jar;
    jar.SetFromHeader("d=1; Domain=.example.com; Path=/", "api.example.com", "/", kNow);
    EXPECT_EQ(jar.HeaderFor("www.example.com", "/", false, kNow), "d=1");
    EXPECT_EQ(jar.HeaderFor("example.com", "/", false, kNow), "d=1");
    EXPECT_EQ(jar.HeaderFor("evil-example.com", "/", false, kNow), "");
    jar.SetFromHeader("x=1; Domain=other.org", "api.example.com", "/", kNow);  // rejected
    EXPECT_EQ(jar.Size(), 1u);
    jar.SetFromHeader("s=1; Secure; Path=/", "h", "/", kNow);
    EXPECT_EQ(jar.HeaderFor("h", "/", false, kNow), "");
    EXPECT_EQ(jar.HeaderFor("h", "/", true, kNow), "s=1");
}

TEST(CookieJar, SetInjectsASessionForAnIteration) {
    CookieJar jar;
    jar.Set("127.0.0.1", "sid", "pool-session");
    EXPECT_EQ(jar.HeaderFor("127.0.0.1", "/api/users/5/balance", false, kNow), "sid=pool-session");
}

TEST(CookieJar, IgnoresMalformedHeaders) {
    CookieJar jar;
    jar.SetFromHeader("novalue", "h", "/", kNow);
    jar.SetFromHeader("=v; Path=/", "h", "/", kNow);
    EXPECT_EQ(jar.Size(), 0u);
    jar.SetFromHeader(" q = \"quoted\" ; Path=/", "h", "/", kNow);
    EXPECT_EQ(jar.HeaderFor("h", "/", false, kNow), "q=quoted");
}

}  // namespace
}  // namespace hhplus::loadgen
