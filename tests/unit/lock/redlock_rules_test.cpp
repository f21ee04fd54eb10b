#include "lock/redlock_rules.hpp"

#include <gtest/gtest.h>

#include <set>

namespace hhplus::lock {
namespace {

using std::chrono::milliseconds;

TEST(RedlockRulesTest, QuorumIsAMajority) {
    EXPECT_EQ(Quorum(1), 1u);
    EXPECT_EQ(Quorum(3), 2u);
    EXPECT_EQ(Quorum(5), 3u);
    EXPECT_EQ(Quorum(7), 4u);
}

TEST(RedlockRulesTest, ValiditySubtractsElapsedAndDrift) {
    EXPECT_EQ(Validity(milliseconds(3000), milliseconds(5), milliseconds(32)), milliseconds(2963));
    EXPECT_EQ(Validity(milliseconds(100), milliseconds(90), milliseconds(32)), milliseconds(-22));
}

TEST(RedlockRulesTest, SuccessNeedsQuorumAndPositiveValidity) {
    EXPECT_TRUE(RedlockSucceeded(1, 1, milliseconds(1)));
    EXPECT_TRUE(RedlockSucceeded(2, 3, milliseconds(2900)));
    EXPECT_FALSE(RedlockSucceeded(1, 3, milliseconds(2900)));  // minority
    EXPECT_TRUE(RedlockSucceeded(3, 5, milliseconds(10)));
    EXPECT_FALSE(RedlockSucceeded(2, 5, milliseconds(10)));
    EXPECT_FALSE(RedlockSucceeded(3, 3, milliseconds(0)));  // too slow: nothing left
    EXPECT_FALSE(RedlockSucceeded(3, 3, milliseconds(-5)));
    EXPECT_FALSE(RedlockSucceeded(0, 0, milliseconds(100)));  // no masters at all
}

TEST(RedlockRulesTest, HeadRetryDelayIsTheHolderPttlBoundedByFloorAndBudget) {
    const milliseconds floor(10);
    EXPECT_EQ(HeadRetryDelay(milliseconds(1500), milliseconds(2000), floor), milliseconds(1500));
    EXPECT_EQ(HeadRetryDelay(milliseconds(2999), milliseconds(2000), floor), milliseconds(2000));
    EXPECT_EQ(HeadRetryDelay(milliseconds(1), milliseconds(2000), floor), floor);
    EXPECT_EQ(HeadRetryDelay(std::nullopt, milliseconds(2000), floor), floor);
    EXPECT_EQ(HeadRetryDelay(milliseconds(500), milliseconds(3), floor), milliseconds(3));
    EXPECT_EQ(HeadRetryDelay(milliseconds(500), milliseconds(0), floor), milliseconds(0));
}

TEST(RedlockRulesTest, PollingDelayIsJitteredAroundTheInterval) {
    const milliseconds interval(50);
    const milliseconds budget(2000);
    EXPECT_EQ(PollingDelay(interval, 0.0, budget), milliseconds(25));
    EXPECT_EQ(PollingDelay(interval, 0.5, budget), milliseconds(50));
    EXPECT_EQ(PollingDelay(interval, 0.999, budget), milliseconds(74));
    EXPECT_EQ(PollingDelay(interval, 7.0, budget), milliseconds(75));            // clamped draw
    EXPECT_EQ(PollingDelay(interval, 0.5, milliseconds(20)), milliseconds(20));  // budget bound
}

TEST(RedlockRulesTest, TokenIs128BitsOfHex) {
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 17);
    EXPECT_EQ(TokenHex(bytes), "00112233445566778899aabbccddeeff");

    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string token = RandomToken();
        ASSERT_EQ(token.size(), 32u);
        ASSERT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
        seen.insert(token);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace hhplus::lock

namespace hhplus::lock {
namespace {

TEST(RedlockRulesTest, LocalHandOffIsBoundedInCountTimeAndValidity) {
    using std::chrono::milliseconds;
    const milliseconds ttl(3000);
    const milliseconds window(20);
    EXPECT_TRUE(HandOffAllowed(0, 32, milliseconds(0), window, milliseconds(2968), ttl));
    EXPECT_TRUE(HandOffAllowed(31, 32, milliseconds(20), window, milliseconds(1500), ttl));
    EXPECT_FALSE(HandOffAllowed(32, 32, milliseconds(1), window, milliseconds(2968), ttl));
    EXPECT_FALSE(HandOffAllowed(3, 32, milliseconds(21), window, milliseconds(2968), ttl));
    EXPECT_FALSE(HandOffAllowed(3, 32, milliseconds(5), window, milliseconds(1499), ttl));
}

}  // namespace
}  // namespace hhplus::lock
