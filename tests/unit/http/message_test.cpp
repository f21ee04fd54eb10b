#include "http/message.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "http/request_id.hpp"

namespace hhplus::http {
namespace {

TEST(RequestId, SaneIdsAreEchoedOthersNot) {
    EXPECT_TRUE(IsSaneRequestId("a"));
    EXPECT_TRUE(IsSaneRequestId("550e8400-e29b-41d4-a716-446655440000"));
    EXPECT_TRUE(IsSaneRequestId("load.run_7-AZaz09"));
    EXPECT_TRUE(IsSaneRequestId(std::string(64, 'x')));
    EXPECT_FALSE(IsSaneRequestId(std::string(65, 'x')));
    EXPECT_FALSE(IsSaneRequestId(""));
    for (const char* bad : {"a b", "a\r\nX-Evil: 1", "a/b", "a:b", "ü", "a\tb", "a\"b", "a;b"}) {
        EXPECT_FALSE(IsSaneRequestId(bad)) << bad;
    }
}

TEST(RequestId, GeneratedIdsAreSaneAndDistinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        const std::string id = GenerateRequestId();
        ASSERT_TRUE(IsSaneRequestId(id)) << id;
        ASSERT_EQ(id.size(), 16u);
        ASSERT_TRUE(seen.insert(id).second) << "repeated " << id;
    }
}

Request WithHeaders(std::vector<std::pair<std::string, std::string>> headers) {
    Request r;
    r.headers = std::move(headers);
    return r;
}

TEST(Request, HeaderFindsFirstByLowerCaseName) {
    const Request r =
        WithHeaders({{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}});
    EXPECT_EQ(r.Header("content-type"), "application/json");
    EXPECT_EQ(r.Header("x-a"), "1");
    EXPECT_EQ(r.Header("x-b"), std::nullopt);
}

TEST(Request, PathId) {
    Request r;
    r.path_ids = {{"userId", 7}, {"couponId", 9}};
    EXPECT_EQ(r.PathId("userId"), 7);
    EXPECT_EQ(r.PathId("couponId"), 9);
}

TEST(Request, CookieParsing) {
    const std::string sid(43, 'A');
    const Request r = WithHeaders({{"cookie", "theme=dark; sid=" + sid + ";lang=\"ko\"; empty="},
                                   {"cookie", "late=1; sid=second"}});
    EXPECT_EQ(r.Cookie("sid"), sid);
    EXPECT_EQ(r.Cookie("theme"), "dark");
    EXPECT_EQ(r.Cookie("lang"), "ko");
    EXPECT_EQ(r.Cookie("empty"), "");
    EXPECT_EQ(r.Cookie("late"), "1");
    EXPECT_EQ(r.Cookie("si"), std::nullopt);
    EXPECT_EQ(r.Cookie("missing"), std::nullopt);
    EXPECT_EQ(WithHeaders({}).Cookie("sid"), std::nullopt);
    EXPECT_EQ(WithHeaders({{"cookie", "novalue; sid = spaced "}}).Cookie("sid"), "spaced");
    EXPECT_EQ(WithHeaders({{"cookie", "xsid=1"}}).Cookie("sid"), std::nullopt);
}

TEST(Request, QueryParsing) {
    Request r;
    r.query = "limit=20&cursor=abc%3D%3D&q=a+b&flag&limit=99&enc%6Fded=yes&bad=%zz&tail=";
    EXPECT_EQ(r.QueryParam("limit"), "20");  // first wins
    EXPECT_EQ(r.QueryParam("cursor"), "abc==");
    EXPECT_EQ(r.QueryParam("q"), "a b");
    EXPECT_EQ(r.QueryParam("flag"), "");
    EXPECT_EQ(r.QueryParam("encoded"), "yes");
    EXPECT_EQ(r.QueryParam("bad"), std::nullopt);
    EXPECT_EQ(r.QueryParam("tail"), "");
    EXPECT_EQ(r.QueryParam("missing"), std::nullopt);
    EXPECT_EQ(r.QueryParam("lim"), std::nullopt);
    Request empty;
    EXPECT_EQ(empty.QueryParam("limit"), std::nullopt);
}

TEST(PercentDecode, Cases) {
    EXPECT_EQ(PercentDecode("a%20b%2Fc", false), "a b/c");
    EXPECT_EQ(PercentDecode("a+b", false), "a+b");
    EXPECT_EQ(PercentDecode("a+b", true), "a b");
    EXPECT_EQ(PercentDecode("%e2%82%ac", false), "\xe2\x82\xac");
    EXPECT_EQ(PercentDecode("%", false), std::nullopt);
    EXPECT_EQ(PercentDecode("%4", false), std::nullopt);
    EXPECT_EQ(PercentDecode("%g0", false), std::nullopt);
    EXPECT_EQ(PercentDecode("", false), "");
}

TEST(Response, Helpers) {
    const Response j = Json(201, R"({"a":1})");
    EXPECT_EQ(j.status, 201);
    EXPECT_EQ(j.body, R"({"a":1})");
    EXPECT_EQ(j.content_type, "application/json; charset=utf-8");
    const Response n = NoContent();
    EXPECT_EQ(n.status, 204);
    EXPECT_TRUE(n.body.empty());
}

TEST(Method, NamesRoundTrip) {
    for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                     Method::kDelete, Method::kOptions}) {
        EXPECT_EQ(ParseMethod(MethodName(m)), m);
    }
    EXPECT_EQ(ParseMethod("get"), Method::kOther);
    EXPECT_EQ(ParseMethod("TRACE"), Method::kOther);
    EXPECT_EQ(MethodName(Method::kOther), "OTHER");
}

}  // namespace
}  // namespace hhplus::http
