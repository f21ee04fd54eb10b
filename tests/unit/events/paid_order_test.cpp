#include "domain/events/paid_order.hpp"

#include <gtest/gtest.h>

#include "common/clock.hpp"

namespace hhplus::events {
namespace {

constexpr const char* kPayload =
    R"({"orderId":1,"userId":2,"paidAt":"2026-12-06T10:00:00.123Z","finalAmount":9000,)"
    R"("items":[{"productId":1,"productOptionId":3,"quantity":2,"unitPrice":5000},)"
    R"({"productId":7,"productOptionId":9,"quantity":1,"unitPrice":100}]})";

TEST(ParsePaidOrder, ReadsThePaymentsPayload) {
    const auto order = ParsePaidOrder(kPayload);
    ASSERT_TRUE(order.has_value());
    EXPECT_EQ(order->order_id, 1);
    EXPECT_EQ(order->user_id, 2);
    EXPECT_EQ(order->final_amount, 9000);
    EXPECT_EQ(UtcDay(order->paid_at_ms), "20261206");
    ASSERT_EQ(order->items.size(), 2u);
    EXPECT_EQ(order->items[0].product_id, 1);
    EXPECT_EQ(order->items[0].product_option_id, 3);
    EXPECT_EQ(order->items[0].quantity, 2);
    EXPECT_EQ(order->items[0].unit_price, 5000);
    EXPECT_EQ(order->items[1].product_id, 7);
}

TEST(ParsePaidOrder, IgnoresUnknownMembers) {
    EXPECT_TRUE(ParsePaidOrder(
        R"({"v":2,"orderId":1,"userId":2,"paidAt":"2026-12-06T10:00:00Z","finalAmount":0,)"
        R"("items":[{"productId":1,"productOptionId":3,"quantity":2,"unitPrice":5000,"x":1}]})"));
}

TEST(ParsePaidOrder, RefusesWhatIsNotAPaidOrder) {
    for (
        const char* bad : {
            "",
            "[]",
            "not json",
            R"({"orderId":1})",
            R"({"orderId":0,"userId":2,"paidAt":"2026-12-06T10:00:00Z","finalAmount":1,"items":[{"productId":1,"productOptionId":3,"quantity":2,"unitPrice":1}]})",
            R"({"orderId":"1","userId":2,"paidAt":"2026-12-06T10:00:00Z","finalAmount":1,"items":[{"productId":1,"productOptionId":3,"quantity":2,"unitPrice":1}]})",
            R"({"orderId":1,"userId":2,"paidAt":"yesterday","finalAmount":1,"items":[{"productId":1,"productOptionId":3,"quantity":2,"unitPrice":1}]})",
            R"({"orderId":1,"userId":2,"paidAt":"2026-12-06T10:00:00Z","finalAmount":1,"items":[]})",
            R"({"orderId":1,"userId":2,"paidAt":"2026-12-06T10:00:00Z","finalAmount":1,"items":[{"productId":1,"productOptionId":3,"quantity":0,"unitPrice":1}]})",
            R"({"orderId":1,"userId":2,"paidAt":"2026-12-06T10:00:00Z","finalAmount":1,"items":[{"productId":1.5,"productOptionId":3,"quantity":1,"unitPrice":1}]})",
            R"({"orderId":1,"userId":2,"paidAt":"2026-12-06T10:00:00Z","finalAmount":-1,"items":[{"productId":1,"productOptionId":3,"quantity":1,"unitPrice":1}]})",
        }) {
        EXPECT_FALSE(ParsePaidOrder(bad).has_value()) << bad;
    }
}

TEST(UtcDay, IsTheUtcCalendarDay) {
    std::int64_t ms = 0;
    ASSERT_TRUE(ParseIso8601("2026-12-06T23:59:59.999Z", ms));
    EXPECT_EQ(UtcDay(ms), "20261206");
    EXPECT_EQ(UtcDay(ms + 1), "20261207");
    // 08:30 in Seoul on the 7th is still the 6th in UTC.
    ASSERT_TRUE(ParseIso8601("2026-12-07T08:30:00+09:00", ms));
    EXPECT_EQ(UtcDay(ms), "20261206");
    EXPECT_EQ(UtcDay(0), "19700101");
    EXPECT_EQ(UtcDay(-1), "19691231");
    ASSERT_TRUE(ParseIso8601("2028-02-29T12:00:00Z", ms));
    EXPECT_EQ(RankDayKey(ms), "hhplus:rank:units:20280229");
}

TEST(RankDayKeys, ListsTodayThenTheDaysBefore) {
    std::int64_t ms = 0;
    ASSERT_TRUE(ParseIso8601("2026-03-01T00:00:00.000Z", ms));
    EXPECT_EQ(RankDayKeys(ms, 3),
              (std::vector<std::string>{"hhplus:rank:units:20260301", "hhplus:rank:units:20260228",
                                        "hhplus:rank:units:20260227"}));
    EXPECT_EQ(RankDayKeys(ms, 1).size(), 1u);
    EXPECT_EQ(RankDayKeys(ms, 30).back(), "hhplus:rank:units:20260131");
}

TEST(TopByUnits, MostUnitsFirstTiesByIdAscending) {
    std::vector<ProductUnits> all{{9, 5}, {10, 5}, {2, 1}, {3, 7}, {1, 5}, {11, 0}};
    const auto top = TopByUnits(all, 4);
    ASSERT_EQ(top.size(), 4u);
    EXPECT_EQ(top[0].product_id, 3);
    EXPECT_EQ(top[1].product_id, 1);
    EXPECT_EQ(top[2].product_id, 9);  // 9 before 10: by number, not by text
    EXPECT_EQ(top[3].product_id, 10);
    EXPECT_EQ(TopByUnits(all, 50).size(), all.size());
    EXPECT_EQ(TopByUnits(all, 50).back().product_id, 11);
    EXPECT_TRUE(TopByUnits({}, 5).empty());
}

}  // namespace
}  // namespace hhplus::events
