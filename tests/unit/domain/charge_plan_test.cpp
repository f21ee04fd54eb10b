// PlanCharges: a combined batch decides each charge as the serial path would, in order.
#include "domain/balance/charge_plan.hpp"

#include <gtest/gtest.h>

namespace hhplus::balance {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;  // any instant far from the epoch

ChargeRequest Plain(std::int64_t amount) {
    ChargeRequest r;
    r.amount = amount;
    r.now_ms = kNow;
    return r;
}

ChargeRequest Keyed(std::int64_t amount, std::string key) {
    ChargeRequest r = Plain(amount);
    r.key = IdempotencyKey{std::move(key), "hash-of-" + std::to_string(amount)};
    return r;
}

PlanInput Account(std::int64_t balance) {
    PlanInput input;
    input.user_exists = true;
    input.balance = balance;
    return input;
}

TEST(PlanCharges, AppliesInOrderWithOneLogEach) {
    const auto plan = PlanCharges(Account(100), {Plain(1), Plain(20), Plain(300)});
    ASSERT_EQ(plan.answers.size(), 3u);
    EXPECT_EQ(plan.answers[0].value(), 101);
    EXPECT_EQ(plan.answers[1].value(), 121);
    EXPECT_EQ(plan.answers[2].value(), 421);
    EXPECT_EQ(plan.final_balance, 421);
    ASSERT_EQ(plan.logs.size(), 3u);
    EXPECT_EQ(plan.logs[1].before, 101);
    EXPECT_EQ(plan.logs[1].after, 121);
    EXPECT_EQ(plan.logs[1].amount, 20);
    EXPECT_TRUE(plan.new_keys.empty());
}

TEST(PlanCharges, OnlyTheChargeThatBreaksTheCapIsRefused) {
    // 10 below the cap: 9 fits, then 5 would pass it, then 1 still fits.
    const auto plan = PlanCharges(Account(kMaxBalance - 10), {Plain(9), Plain(5), Plain(1)});
    EXPECT_EQ(plan.answers[0].value(), kMaxBalance - 1);
    ASSERT_FALSE(plan.answers[1].ok());
    EXPECT_EQ(plan.answers[1].error().code, ErrorCode::kBalanceLimitExceeded);
    EXPECT_EQ(plan.answers[2].value(), kMaxBalance);
    EXPECT_EQ(plan.final_balance, kMaxBalance);
    EXPECT_EQ(plan.logs.size(), 2u);
}

TEST(PlanCharges, SameKeyTwiceInABatchIsAppliedOnceAndAnsweredAlike) {
    const auto plan =
        PlanCharges(Account(0), {Keyed(7, "k"), Plain(1), Keyed(7, "k"), Keyed(8, "k")});
    EXPECT_EQ(plan.answers[0].value(), 7);
    EXPECT_EQ(plan.answers[1].value(), 8);
    EXPECT_EQ(plan.answers[2].value(), 7);  // the first's answer, not the balance now
    ASSERT_FALSE(plan.answers[3].ok());
    EXPECT_EQ(plan.answers[3].error().code, ErrorCode::kIdempotencyKeyMismatch);
    EXPECT_EQ(plan.final_balance, 8);
    EXPECT_EQ(plan.logs.size(), 2u);
    ASSERT_EQ(plan.new_keys.size(), 1u);
    EXPECT_EQ(plan.new_keys[0].status, 200);
    EXPECT_EQ(plan.new_keys[0].answer, "7");
}

TEST(PlanCharges, ARefusalIsStoredAndReplayedWithinTheBatch) {
    const auto plan =
        PlanCharges(Account(kMaxBalance), {Keyed(3, "too-much"), Keyed(3, "too-much")});
    for (const auto& answer : plan.answers) {
        ASSERT_FALSE(answer.ok());
        EXPECT_EQ(answer.error().code, ErrorCode::kBalanceLimitExceeded);
    }
    ASSERT_EQ(plan.new_keys.size(), 1u);
    EXPECT_EQ(plan.new_keys[0].status, 409);
    EXPECT_TRUE(plan.logs.empty());
    EXPECT_EQ(plan.final_balance, kMaxBalance);
}

TEST(PlanCharges, StoredKeysReplayMismatchOrWaitAsTheSerialClaimDid) {
    PlanInput input = Account(50);
    input.stored_keys["done"] = StoredKey{"hash-of-5", 200, "42", kNow - 1000};
    input.stored_keys["refused"] =
        StoredKey{"hash-of-5", 409,
                  std::to_string(static_cast<int>(ErrorCode::kBalanceLimitExceeded)), kNow - 1000};
    input.stored_keys["pending"] = StoredKey{"hash-of-5", std::nullopt, "", kNow - 1000};
    input.stored_keys["dead"] = StoredKey{"hash-of-5", std::nullopt, "", kNow - kAbandonedClaimMs};
    input.stored_keys["old"] = StoredKey{"hash-of-5", 200, "1", kNow - kKeyLifetimeMs};
    const auto plan = PlanCharges(input, {Keyed(5, "done"), Keyed(6, "done"), Keyed(5, "refused"),
                                          Keyed(5, "pending"), Keyed(5, "dead"), Keyed(5, "old")});
    EXPECT_EQ(plan.answers[0].value(), 42);  // the stored answer, not recomputed
    EXPECT_EQ(plan.answers[1].error().code, ErrorCode::kIdempotencyKeyMismatch);
    EXPECT_EQ(plan.answers[2].error().code, ErrorCode::kBalanceLimitExceeded);
    EXPECT_EQ(plan.answers[3].error().code, ErrorCode::kIdempotencyKeyInFlight);
    EXPECT_EQ(plan.answers[4].value(), 55);  // abandoned claim taken over
    EXPECT_EQ(plan.answers[5].value(), 60);  // expired key starts a new request
    ASSERT_EQ(plan.replaced_keys.size(), 2u);
    EXPECT_EQ(plan.replaced_keys[0].key, "dead");
    EXPECT_EQ(plan.replaced_keys[0].created_ms, kNow - kAbandonedClaimMs);
    EXPECT_EQ(plan.replaced_keys[1].key, "old");
    EXPECT_EQ(plan.new_keys.size(), 2u);
    EXPECT_EQ(plan.logs.size(), 2u);
}

TEST(PlanCharges, AnExpiredKeyIsCheckedBeforeItsIdentity) {
    PlanInput input = Account(0);
    input.stored_keys["k"] = StoredKey{"hash-of-99", 200, "99", kNow - kKeyLifetimeMs};
    const auto plan = PlanCharges(input, {Keyed(5, "k")});
    EXPECT_EQ(plan.answers[0].value(), 5);
}

TEST(PlanCharges, NoUserRefusesEveryChargeAndStoresKeyedAnswers) {
    PlanInput input;  // user_exists = false
    const auto plan = PlanCharges(input, {Plain(5), Keyed(5, "k")});
    EXPECT_EQ(plan.answers[0].error().code, ErrorCode::kUserNotFound);
    EXPECT_EQ(plan.answers[1].error().code, ErrorCode::kUserNotFound);
    EXPECT_TRUE(plan.logs.empty());
    ASSERT_EQ(plan.new_keys.size(), 1u);
    EXPECT_EQ(plan.new_keys[0].status, 404);
}

TEST(ReplayAnswer, DecodesSuccessErrorsAndRefusesGarbage) {
    EXPECT_EQ(ReplayAnswer(200, "1234").value(), 1234);
    EXPECT_EQ(ReplayAnswer(409, std::to_string(static_cast<int>(ErrorCode::kBalanceLimitExceeded)))
                  .error()
                  .code,
              ErrorCode::kBalanceLimitExceeded);
    EXPECT_EQ(ReplayAnswer(409, "999").error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace hhplus::balance
