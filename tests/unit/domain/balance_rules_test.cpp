#include "domain/balance/balance_service.hpp"
#include "domain/sql_time.hpp"

#include <gtest/gtest.h>

namespace hhplus::balance {
namespace {

TEST(IdempotencyKey, VisibleAsciiUpTo64) {
    EXPECT_TRUE(IsValidIdempotencyKey("a"));
    EXPECT_TRUE(IsValidIdempotencyKey(std::string(64, 'k')));
    EXPECT_TRUE(IsValidIdempotencyKey("order-42:retry~1!"));
    EXPECT_FALSE(IsValidIdempotencyKey(""));
    EXPECT_FALSE(IsValidIdempotencyKey(std::string(65, 'k')));
    EXPECT_FALSE(IsValidIdempotencyKey("has space"));
    EXPECT_FALSE(IsValidIdempotencyKey("tab\there"));
    EXPECT_FALSE(IsValidIdempotencyKey("\xc3\xa9"));  // non-ASCII
}

TEST(SqlTime, IsPlainArithmeticFromTheEpoch) {
    EXPECT_EQ(domain::SqlTime(1500),
              "TIMESTAMPADD(MICROSECOND, 1500000, '1970-01-01 00:00:00.000')");
    EXPECT_EQ(domain::SqlEpochMs("c"),
              "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', c) DIV 1000)");
}

}  // namespace
}  // namespace hhplus::balance
