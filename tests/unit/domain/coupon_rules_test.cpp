#include "domain/coupon/coupon.hpp"

#include <gtest/gtest.h>

namespace hhplus::coupon {
namespace {

TEST(RefusalFor, FollowsApiPrecedence) {
    // C006 > C005 > C003 > C001, whatever else applies.
    EXPECT_EQ(RefusalFor(false, true, true, true), ErrorCode::kCouponNotFound);
    EXPECT_EQ(RefusalFor(true, true, true, true), ErrorCode::kCouponAlreadyIssued);
    EXPECT_EQ(RefusalFor(true, false, true, true), ErrorCode::kCouponExpired);
    EXPECT_EQ(RefusalFor(true, false, false, true), ErrorCode::kCouponSoldOut);
    EXPECT_EQ(RefusalFor(true, false, false, false), std::nullopt);
}

TEST(IsExpired, FromTheInstantOn) {
    EXPECT_FALSE(IsExpired(1000, 999));
    EXPECT_TRUE(IsExpired(1000, 1000));
    EXPECT_TRUE(IsExpired(1000, 1001));
}

TEST(OutcomeLabel, MatchesMetricLabels) {
    EXPECT_STREQ(OutcomeLabel(std::nullopt), "issued");
    EXPECT_STREQ(OutcomeLabel(ErrorCode::kCouponSoldOut), "sold_out");
    EXPECT_STREQ(OutcomeLabel(ErrorCode::kCouponAlreadyIssued), "duplicate");
    EXPECT_STREQ(OutcomeLabel(ErrorCode::kCouponExpired), "expired");
    EXPECT_STREQ(OutcomeLabel(ErrorCode::kBusy), "busy");
    EXPECT_STREQ(OutcomeLabel(ErrorCode::kDependencyUnavailable), "error");
}

TEST(OutcomeLabel, TellsTheLeaseRefusalsFromAPlainBusy) {
    EXPECT_STREQ(OutcomeLabel(ErrorCode::kBusy, kLeaseLostDetail), "lease_lost");
    EXPECT_STREQ(OutcomeLabel(ErrorCode::kBusy, kFencedDetail), "fenced");
    EXPECT_STREQ(OutcomeLabel(ErrorCode::kBusy, "lock: timeout"), "busy");
    // Only S001 carries these meanings: the same text on another code keeps that code's label.
    EXPECT_STREQ(OutcomeLabel(ErrorCode::kDependencyUnavailable, kFencedDetail), "error");
    EXPECT_STREQ(OutcomeLabel(std::nullopt, kLeaseLostDetail), "issued");
}

TEST(DecideBatch, AnswersAsASerialRunInTheSameOrder) {
    // Users 1..5 in arrival order, 3 already holds it, 2 coupons remain.
    const auto decided = DecideBatch({1, 2, 3, 4, 5}, {3}, 2, false);
    ASSERT_EQ(decided.size(), 5u);
    EXPECT_EQ(decided[0], std::nullopt);
    EXPECT_EQ(decided[1], std::nullopt);
    EXPECT_EQ(decided[2], ErrorCode::kCouponAlreadyIssued);  // a holder does not use up a coupon
    EXPECT_EQ(decided[3], ErrorCode::kCouponSoldOut);
    EXPECT_EQ(decided[4], ErrorCode::kCouponSoldOut);
}

TEST(DecideBatch, KeepsThePrecedenceWhenNothingRemainsOrTheCouponExpired) {
    EXPECT_EQ(DecideBatch({7, 8}, {8}, 0, false),
              (std::vector<std::optional<ErrorCode>>{ErrorCode::kCouponSoldOut,
                                                     ErrorCode::kCouponAlreadyIssued}));
    EXPECT_EQ(DecideBatch({7, 8}, {8}, 5, true),
              (std::vector<std::optional<ErrorCode>>{ErrorCode::kCouponExpired,
                                                     ErrorCode::kCouponAlreadyIssued}));
    // A negative remainder (an over-issued row would be a bug elsewhere) still issues nothing.
    EXPECT_EQ(DecideBatch({7}, {}, -1, false),
              (std::vector<std::optional<ErrorCode>>{ErrorCode::kCouponSoldOut}));
    EXPECT_TRUE(DecideBatch({}, {}, 3, false).empty());
}

}  // namespace
}  // namespace hhplus::coupon
