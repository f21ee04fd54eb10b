#include "http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace hhplus::http {
namespace {

boost::asio::awaitable<Response> Ok(Request) { co_return Json(200, "{}"); }

class RouterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        router_.Add(Method::kGet, "/health", Ok);
        router_.Add(Method::kGet, "/api/users/{userId}/balance", Ok);
        router_.Add(Method::kPatch, "/api/users/{userId}/balance", Ok, BodyKind::kJson);
        router_.Add(Method::kGet, "/api/users/{userId}/balance/logs", Ok);
        router_.Add(Method::kGet, "/api/coupons/{couponId}", Ok);
        router_.Add(Method::kPost, "/api/coupons/{couponId}/issue", Ok, BodyKind::kJson);
        router_.Add(Method::kPost, "/api/admin/coupons", Ok, BodyKind::kJson);
        router_.Add(Method::kGet, "/api/admin/coupons/{couponId}/audit", Ok);
        router_.Add(Method::kGet, "/api/coupons/popular", Ok);  // literal beside a {param}
    }
    Router router_;
};

TEST_F(RouterTest, FindsRoutesAndBindsIds) {
    const auto m = router_.Find(Method::kGet, "/api/users/42/balance");
    ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
    ASSERT_NE(m.handler, nullptr);
    EXPECT_EQ(m.route, "/api/users/{userId}/balance");
    ASSERT_EQ(m.path_ids.size(), 1u);
    EXPECT_EQ(m.path_ids[0].first, "userId");
    EXPECT_EQ(m.path_ids[0].second, 42);
    EXPECT_EQ(m.body, BodyKind::kNone);

    const auto patch = router_.Find(Method::kPatch, "/api/users/42/balance");
    ASSERT_EQ(patch.kind, Router::Match::Kind::kFound);
    EXPECT_EQ(patch.body, BodyKind::kJson);

    const auto logs = router_.Find(Method::kGet, "/api/users/9223372036854775807/balance/logs");
    ASSERT_EQ(logs.kind, Router::Match::Kind::kFound);
    EXPECT_EQ(logs.path_ids[0].second, INT64_MAX);
    EXPECT_EQ(logs.route, "/api/users/{userId}/balance/logs");

    EXPECT_EQ(router_.Find(Method::kGet, "/health").kind, Router::Match::Kind::kFound);
}

TEST_F(RouterTest, LiteralBeatsParam) {
    const auto m = router_.Find(Method::kGet, "/api/coupons/popular");
    ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
    EXPECT_EQ(m.route, "/api/coupons/popular");
    EXPECT_TRUE(m.path_ids.empty());
    const auto id = router_.Find(Method::kGet, "/api/coupons/7");
    ASSERT_EQ(id.kind, Router::Match::Kind::kFound);
    EXPECT_EQ(id.route, "/api/coupons/{couponId}");
}

TEST_F(RouterTest, BadPathIds) {
    for (const char* id : {"abc", "0", "-1", "1.5", "0x10", "+1", "01", "1e3", " 1", "1 ",
                           "12345678901234567890",  // 20 digits
                           "9223372036854775808",   // 2^63
                           "99999999999999999999", "%31"}) {
        SCOPED_TRACE(id);
        const auto m = router_.Find(Method::kGet, std::string("/api/users/") + id + "/balance");
        EXPECT_EQ(m.kind, Router::Match::Kind::kBadPathId);
        EXPECT_EQ(m.route, "/api/users/{userId}/balance");
        EXPECT_EQ(m.handler, nullptr);
    }
    // The body kind comes along so 415 can be decided before 400.
    EXPECT_EQ(router_.Find(Method::kPatch, "/api/users/x/balance").body, BodyKind::kJson);
}

TEST_F(RouterTest, UnknownPaths) {
    for (const char* path : {"/", "/api", "/api/users", "/api/users/1", "/api/users/1/balance/",
                             "/api/users//balance", "/api/users/1/balancex", "/API/users/1/balance",
                             "/health/", "//health", "", "health", "/api/users/1/balance/logs/x"}) {
        SCOPED_TRACE(path);
        EXPECT_EQ(router_.Find(Method::kGet, path).kind, Router::Match::Kind::kNotFound);
    }
}

TEST_F(RouterTest, MethodNotAllowedListsAllowedMethods) {
    const auto m = router_.Find(Method::kDelete, "/api/users/1/balance");
    ASSERT_EQ(m.kind, Router::Match::Kind::kMethodNotAllowed);
    EXPECT_EQ(m.allow, "GET, PATCH");
    EXPECT_EQ(m.route, "/api/users/{userId}/balance");
    EXPECT_EQ(m.handler, nullptr);
    // The method is checked against the resource before its ids.
    EXPECT_EQ(router_.Find(Method::kDelete, "/api/users/abc/balance").kind,
              Router::Match::Kind::kMethodNotAllowed);
    EXPECT_EQ(router_.Find(Method::kHead, "/health").kind, Router::Match::Kind::kMethodNotAllowed);
    EXPECT_EQ(router_.Find(Method::kOther, "/health").allow, "GET");
    EXPECT_EQ(router_.Find(Method::kGet, "/api/admin/coupons").allow, "POST");
}

TEST(ParsePathId, Edges) {
    EXPECT_EQ(ParsePathId("1"), 1);
    EXPECT_EQ(ParsePathId("9223372036854775807"), INT64_MAX);
    EXPECT_EQ(ParsePathId("9223372036854775808"), std::nullopt);
    EXPECT_EQ(ParsePathId("9999999999999999999"), std::nullopt);  // 19 digits, > 2^63-1
    EXPECT_EQ(ParsePathId("0"), std::nullopt);
    EXPECT_EQ(ParsePathId(""), std::nullopt);
    EXPECT_EQ(ParsePathId("-1"), std::nullopt);
}

TEST(Router, RejectsBadPatternsAndDuplicates) {
    Router r;
    EXPECT_THROW(r.Add(Method::kGet, "no-slash", Ok), std::invalid_argument);
    EXPECT_THROW(r.Add(Method::kGet, "/a/{}", Ok), std::invalid_argument);
    EXPECT_THROW(r.Add(Method::kGet, "/a/x{id}", Ok), std::invalid_argument);
    EXPECT_THROW(r.Add(Method::kGet, "/a/{id", Ok), std::invalid_argument);
    r.Add(Method::kGet, "/a/{id}", Ok);
    EXPECT_THROW(r.Add(Method::kGet, "/a/{id}", Ok), std::invalid_argument);
    EXPECT_THROW(r.Add(Method::kPost, "/a/{other}", Ok), std::invalid_argument);
    EXPECT_THROW(r.Add(Method::kGet, "/b", Handler{}), std::invalid_argument);
    r.Add(Method::kPost, "/a/{id}", Ok);
    EXPECT_EQ(r.Find(Method::kPut, "/a/1").allow, "GET, POST");
}

}  // namespace
}  // namespace hhplus::http
