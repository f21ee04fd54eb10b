// The order rules that need no database: pricing with a coupon, the refusal order, the status
// machine, and the admin stock rule.
#include <gtest/gtest.h>

#include "domain/catalog/catalog.hpp"
#include "domain/order/order.hpp"

namespace hhplus::order {
namespace {

Item Priced(std::int64_t price, std::int64_t quantity) {
    Item item;
    item.unit_price = price;
    item.quantity = quantity;
    return item;
}

TEST(OrderPrice, TotalIsTheSumOfLinesAndTheDiscountIsFloored) {
    const std::vector<Item> items{Priced(10'000, 2), Priced(3'333, 3)};
    const auto none = Price(items, 0);
    EXPECT_EQ(none.total, 29'999);
    EXPECT_EQ(none.discount, 0);
    EXPECT_EQ(none.final, 29'999);
    const auto fifteen = Price(items, 15);
    EXPECT_EQ(fifteen.discount, 4'499);  // 4,499.85 floored
    EXPECT_EQ(fifteen.final, 25'500);
    const auto all = Price(items, 100);
    EXPECT_EQ(all.final, 0);
    EXPECT_EQ(Price(std::vector<Item>{Priced(1, 1)}, 99).discount, 0);  // 0.99 floored
}

TEST(OrderPrice, TheLargestOrderStaysExact) {
    // api.md limits: price ≤ 10^8, quantity ≤ 100, 20 lines.
    std::vector<Item> items(kMaxOrderLines, Priced(100'000'000, kMaxLineQuantity));
    const auto a = Price(items, 37);
    EXPECT_EQ(a.total, 200'000'000'000);
    EXPECT_EQ(a.discount, 74'000'000'000);
    EXPECT_EQ(a.total, a.discount + a.final);
}

TEST(OrderLines, RepeatedOptionsAreRefused) {
    EXPECT_TRUE(LinesAreDistinct(std::vector<Line>{{1, 1}, {2, 5}, {3, 1}}));
    EXPECT_FALSE(LinesAreDistinct(std::vector<Line>{{1, 1}, {2, 5}, {1, 2}}));
}

TEST(OrderCoupon, RefusalsFollowThePrecedence) {
    EXPECT_EQ(CouponRefusal({false, false, false, false}), ErrorCode::kCouponNotFound);
    EXPECT_EQ(CouponRefusal({true, false, true, true}), ErrorCode::kCouponNotHeld);
    EXPECT_EQ(CouponRefusal({true, true, true, true}), ErrorCode::kCouponAlreadyUsed);
    EXPECT_EQ(CouponRefusal({true, true, false, true}), ErrorCode::kCouponExpired);
    EXPECT_EQ(CouponRefusal({true, true, false, false}), std::nullopt);
}

TEST(OrderStatus, OnlyAPendingUnexpiredOrderCanBePaid) {
    EXPECT_EQ(PaymentRefusal(Status::kPending, 1000, 999), std::nullopt);
    EXPECT_EQ(PaymentRefusal(Status::kPending, 1000, 1000), ErrorCode::kOrderExpired);
    EXPECT_EQ(PaymentRefusal(Status::kExpired, 1000, 0), ErrorCode::kOrderExpired);
    EXPECT_EQ(PaymentRefusal(Status::kPaid, 1000, 0), ErrorCode::kOrderAlreadyPaid);
    EXPECT_EQ(PaymentRefusal(Status::kPaid, 1000, 5000), ErrorCode::kOrderAlreadyPaid);
    for (auto s : {Status::kPending, Status::kPaid, Status::kExpired}) {
        EXPECT_EQ(ParseStatus(StatusName(s)), s);
    }
    EXPECT_EQ(ParseStatus("paid"), std::nullopt);
}

}  // namespace
}  // namespace hhplus::order

namespace hhplus::catalog {
namespace {

TEST(StockChange, NeverBelowReservedNorAboveTheLimit) {
    EXPECT_EQ(ChangedStock(StockOperation::kIncrease, 5, 10, 3), 15);
    EXPECT_EQ(ChangedStock(StockOperation::kDecrease, 7, 10, 3), 3);
    EXPECT_EQ(ChangedStock(StockOperation::kDecrease, 8, 10, 3), std::nullopt);
    EXPECT_EQ(ChangedStock(StockOperation::kSet, 2, 10, 3), std::nullopt);
    EXPECT_EQ(ChangedStock(StockOperation::kSet, 0, 10, 0), 0);
    EXPECT_EQ(ChangedStock(StockOperation::kIncrease, 1, kMaxStock, 0), std::nullopt);
    EXPECT_EQ(ParseStockOperation("set"), StockOperation::kSet);
    EXPECT_EQ(ParseStockOperation("SET"), std::nullopt);
}

}  // namespace
}  // namespace hhplus::catalog
