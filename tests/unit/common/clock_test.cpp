#include "common/clock.hpp"

#include <gtest/gtest.h>

namespace hhplus {
namespace {

TEST(Iso8601, FormatsEpochWithMillis) {
    EXPECT_EQ(FormatIsoMillis(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(FormatIsoMillis(1'890'777'599'000), "2029-11-30T23:59:59.000Z");
}

TEST(Iso8601, RoundTrips) {
    std::int64_t ms = 0;
    ASSERT_TRUE(ParseIso8601("2029-12-31T23:59:59.000Z", ms));
    EXPECT_EQ(FormatIsoMillis(ms), "2029-12-31T23:59:59.000Z");
    ASSERT_TRUE(ParseIso8601("2024-02-29T12:00:00.5Z", ms));
    EXPECT_EQ(FormatIsoMillis(ms), "2024-02-29T12:00:00.500Z");
}

TEST(Iso8601, AppliesOffsets) {
    std::int64_t a = 0, b = 0;
    ASSERT_TRUE(ParseIso8601("2030-01-01T09:00:00+09:00", a));
    ASSERT_TRUE(ParseIso8601("2030-01-01T00:00:00Z", b));
    EXPECT_EQ(a, b);
}

TEST(Iso8601, RejectsMalformed) {
    std::int64_t ms = 0;
    for (const char* bad :
         {"", "2030-01-01", "2030-01-01T00:00:00", "2030-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
          "2030-01-01T24:00:00Z", "2030-01-01 00:00:00Z", "2030-01-01T00:00:00.Z",
          "2030-01-01T00:00:00Zjunk", "2030-01-01T00:00:00+0900"}) {
        EXPECT_FALSE(ParseIso8601(bad, ms)) << bad;
    }
}

}  // namespace
}  // namespace hhplus
