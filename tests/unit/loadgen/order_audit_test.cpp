// order-rush's audit parsing and invariants: every rule with a case that holds and one that breaks.
#include "loadgen/order_audit.hpp"

#include <gtest/gtest.h>

namespace hhplus::loadgen {
namespace {

// A sale of 100 units, 100 orders placed and paid, nothing pending.
OptionAudit SoldOut() { return OptionAudit{5, 100, 0, 0, 0, 100, 0}; }

OrderTally Paid(std::int64_t n) {
    OrderTally t;
    t.placed = n;
    t.paid = n;
    return t;
}

std::string Details(const InvariantReport& r) {
    std::string out;
    for (const std::string& d : r.details) out += d + "\n";
    return out;
}

TEST(OrderAudit, ParsesTheAdminAnswers) {
    auto a = ParseOptionAudit(
        R"({"productOptionId":5,"initialStock":100,"addedStock":-3,"stock":40,"reserved":2,"soldUnits":57,"pendingUnits":2})");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->option_id, 5);
    EXPECT_EQ(a->added_stock, -3);
    EXPECT_EQ(a->sold_units, 57);
    EXPECT_EQ(a->pending_units, 2);
    EXPECT_FALSE(ParseOptionAudit(R"({"productOptionId":5,"stock":40})"));
    EXPECT_FALSE(ParseOptionAudit("<html>"));

    auto b = ParseBalanceAudit(R"({"userId":9,"balance":1000,"charged":10000,"paid":9000})");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->user_id, 9);
    EXPECT_EQ(b->paid, 9000);
    EXPECT_FALSE(ParseBalanceAudit(R"({"userId":9,"balance":"1000"})"));

    EXPECT_EQ(
        FirstOptionIdOf(
            R"({"productId":3,"name":"x","options":[{"productOptionId":11,"price":1},{"productOptionId":12}]})"),
        11);
    EXPECT_FALSE(FirstOptionIdOf(R"({"productId":3,"options":[]})"));
    EXPECT_FALSE(FirstOptionIdOf(R"({"productId":3})"));
}

TEST(OrderAudit, AFullSaleHolds) {
    OrderTally t = Paid(100);
    t.sold_out = 1900;
    InvariantReport r = CheckOptionInvariants(SoldOut(), t, true, 1);
    EXPECT_TRUE(r.ok) << Details(r);
    EXPECT_EQ(Details(r).find("VIOLATED"), std::string::npos);
}

TEST(OrderAudit, TheStockIdentityAndReservations) {
    OptionAudit a = SoldOut();
    a.stock = 1;  // 100 + 0 − 100 != 1
    EXPECT_FALSE(CheckOptionInvariants(a, Paid(100), true, 1).ok);
    a = SoldOut();
    a.reserved = 1;  // no pending order holds it
    a.stock = 1;
    a.initial_stock = 101;
    InvariantReport r = CheckOptionInvariants(a, Paid(100), true, 1);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(Details(r).find("VIOLATED: reserved == pendingUnits"), std::string::npos)
        << Details(r);
}

TEST(OrderAudit, SoldUnitsMatchThePaymentsSeen) {
    // One sale more than 200s and unanswered payments allow: a payment applied twice.
    OptionAudit a{5, 100, 0, 49, 0, 51, 0};
    OrderTally t = Paid(50);
    EXPECT_FALSE(CheckOptionInvariants(a, t, true, 1).ok);
    // ... unless one payment went unanswered (it may have gone through).
    t.placed = 51;
    t.payment_unanswered = 1;
    EXPECT_TRUE(CheckOptionInvariants(a, t, true, 1).ok);
    // A sale fewer than the 200s: a payment answered 200 that sold nothing.
    OptionAudit fewer{5, 100, 0, 51, 0, 49, 0};
    EXPECT_FALSE(CheckOptionInvariants(fewer, Paid(50), true, 1).ok);
    // An existing option: earlier sales count, only the lower bound applies.
    OptionAudit earlier{5, 100, 0, 10, 0, 90, 0};
    EXPECT_TRUE(CheckOptionInvariants(earlier, Paid(50), false, 1).ok);
    EXPECT_FALSE(CheckOptionInvariants(fewer, Paid(50), false, 1).ok);
    // Units per order scale the bounds.
    OptionAudit twos{5, 100, 0, 0, 0, 100, 0};
    EXPECT_TRUE(CheckOptionInvariants(twos, Paid(50), true, 2).ok);
    EXPECT_FALSE(CheckOptionInvariants(twos, Paid(50), true, 1).ok);
}

TEST(OrderAudit, NeverMoreSoldOrReservedThanOrdered) {
    // More units pending than orders placed (or maybe placed): a reservation without an order.
    OptionAudit a{5, 100, 0, 60, 11, 40, 11};
    OrderTally t = Paid(40);
    t.placed = 50;
    EXPECT_FALSE(CheckOptionInvariants(a, t, true, 1).ok);
    t.order_unanswered = 1;
    EXPECT_TRUE(CheckOptionInvariants(a, t, true, 1).ok);
    // Oversold: more sold than the stock ever was.
    OptionAudit over{5, 100, 0, -1, 0, 101, 0};
    EXPECT_FALSE(CheckOptionInvariants(over, Paid(101), true, 1).ok);
}

TEST(OrderAudit, ASoldOutAnswerMeansNothingIsLeft) {
    // P003 seen while 3 units are still available: a refusal with stock left.
    OptionAudit a{5, 100, 0, 3, 0, 97, 0};
    OrderTally t = Paid(97);
    t.sold_out = 5;
    InvariantReport r = CheckOptionInvariants(a, t, true, 1);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(Details(r).find("VIOLATED: sold out"), std::string::npos) << Details(r);
    // Units held by pending orders are not available: that is still sold out.
    OptionAudit held{5, 100, 0, 3, 3, 97, 3};
    t.placed = 100;
    EXPECT_TRUE(CheckOptionInvariants(held, t, true, 1).ok) << Details(r);
    // Without a P003 a partial sale is fine.
    EXPECT_TRUE(CheckOptionInvariants(a, Paid(97), true, 1).ok);
}

TEST(OrderAudit, UserBalances) {
    // {user, finalAmount, paid orders, unsure orders}
    const BalanceAudit paid{7, 1000, 10000, 9000};
    EXPECT_EQ(CheckUserBalance(paid, {7, 9000, 1, 0}, 10000), "");
    EXPECT_NE(CheckUserBalance(paid, {7, 10000, 1, 0}, 10000), "");  // wrong amount
    EXPECT_NE(CheckUserBalance(paid, {7, 0, 0, 0}, 10000), "");      // paid unasked
    EXPECT_NE(CheckUserBalance(paid, {7, 9000, 0, 0}, 10000), "");   // refused, yet paid
    EXPECT_EQ(CheckUserBalance(paid, {7, 9000, 0, 1}, 10000), "");
    const BalanceAudit none{7, 10000, 10000, 0};
    EXPECT_EQ(CheckUserBalance(none, {7, 9000, 0, 1}, 10000), "");
    EXPECT_EQ(CheckUserBalance(none, {7, 0, 0, 0}, 10000), "");
    EXPECT_NE(CheckUserBalance(none, {7, 9000, 1, 0}, 10000), "");  // a lost payment
    // The identity itself, and the setup's charge.
    const BalanceAudit broken{7, 2000, 10000, 9000};
    EXPECT_NE(CheckUserBalance(broken, {7, 9000, 1, 0}, 10000).find("!= balance"),
              std::string::npos);
    EXPECT_NE(CheckUserBalance(none, {7, 0, 0, 0}, 20000), "");
    EXPECT_EQ(CheckUserBalance(none, {7, 0, 0, 0}, -1), "");
}

TEST(OrderAudit, ReusedUsersPayWholeOrdersWithinTheUnanswered) {
    // ORDERS_PER_USER > 1: 5 orders of 1000 answered 200, 2 payments unanswered.
    const UserOutcome o{7, 1000, 5, 2};
    for (std::int64_t paid : {5000, 6000, 7000}) {
        EXPECT_EQ(CheckUserBalance({7, 100000 - paid, 100000, paid}, o, 100000), "") << paid;
    }
    EXPECT_NE(CheckUserBalance({7, 96000, 100000, 4000}, o, 100000), "");  // one 200 lost
    EXPECT_NE(CheckUserBalance({7, 92000, 100000, 8000}, o, 100000), "");  // paid twice once
    EXPECT_NE(CheckUserBalance({7, 94500, 100000, 5500}, o, 100000), "");  // half an order
}

TEST(OrderAudit, TheSampleTakesEveryPayerFirstThenASpread) {
    std::vector<UserOutcome> users(10);
    users[3].paid_orders = 1;
    users[8].unsure_orders = 1;
    auto sample = BalanceAuditSample(users, 4);
    ASSERT_EQ(sample.size(), 4u);
    EXPECT_EQ(sample[0], 3u);
    EXPECT_EQ(sample[1], 8u);
    EXPECT_EQ(sample[2], 0u);  // the others, evenly spread: rest[0], rest[4]
    EXPECT_EQ(sample[3], 5u);
    EXPECT_EQ(BalanceAuditSample(users, 100).size(), 10u);
    EXPECT_TRUE(BalanceAuditSample(users, 0).empty());
    EXPECT_EQ(BalanceAuditSample(users, 1), std::vector<std::size_t>{3});
}

TEST(OrderAudit, Discount) {
    EXPECT_EQ(DiscountedAmount(10000, 10), 9000);
    EXPECT_EQ(DiscountedAmount(999, 15), 850);  // ⌊149.85⌋ = 149 off
    EXPECT_EQ(DiscountedAmount(10000, 0), 10000);
}

}  // namespace
}  // namespace hhplus::loadgen
