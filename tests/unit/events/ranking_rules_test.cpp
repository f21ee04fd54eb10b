#include <gtest/gtest.h>

#include "domain/events/ranking_handler.hpp"
#include "domain/events/ranking_service.hpp"

namespace hhplus::events {
namespace {

http::Request WithQuery(std::string query) {
    http::Request r;
    r.path = "/api/products/top";
    r.query = std::move(query);
    return r;
}

TEST(ParseTopQuery, DefaultsAndBounds) {
    auto q = ParseTopQuery(WithQuery(""));
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->count, 5);
    EXPECT_EQ(q->days, 3);
    q = ParseTopQuery(WithQuery("count=50&days=30"));
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->count, 50);
    EXPECT_EQ(q->days, 30);
    q = ParseTopQuery(WithQuery("days=1"));
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->count, 5);
    EXPECT_EQ(q->days, 1);
    for (const char* bad : {"count=0", "count=51", "days=0", "days=31", "count=-1", "count=abc",
                            "count=", "days=01", "count=1.5", "days=%zz"}) {
        auto r = ParseTopQuery(WithQuery(bad));
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidRequest) << bad;
    }
}

TEST(RenderTopProducts, MatchesTheContract) {
    EXPECT_EQ(RenderTopProducts(3, {}), R"({"days":3,"products":[]})");
    EXPECT_EQ(
        RenderTopProducts(1, {{1, 7, "Shirt \"A\"", 12}, {2, 3, "Cap", 12}}),
        R"({"days":1,"products":[{"rank":1,"productId":7,"name":"Shirt \"A\"","soldUnits":12},)"
        R"({"rank":2,"productId":3,"name":"Cap","soldUnits":12}]})");
}

TEST(ParseUnionWithScores, ReadsPairsAndSkipsForeignMembers) {
    redis::Reply reply;
    reply.type = redis::Reply::Type::kArray;
    for (const char* s : {"10", "3", "x", "4", "2", "7", "0", "1"}) {
        redis::Reply e;
        e.type = redis::Reply::Type::kString;
        e.str = s;
        reply.elements.push_back(e);
    }
    const auto units = ParseUnionWithScores(reply);
    ASSERT_EQ(units.size(), 2u);
    EXPECT_EQ(units[0].product_id, 10);
    EXPECT_EQ(units[0].units, 3);
    EXPECT_EQ(units[1].product_id, 2);
    EXPECT_EQ(units[1].units, 7);
}

}  // namespace
}  // namespace hhplus::events
