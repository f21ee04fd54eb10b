#include "domain/auth/auth_rules.hpp"

#include <gtest/gtest.h>

namespace hhplus::auth {
namespace {

TEST(NormalizeEmail, TrimsAndLowerCases) {
    EXPECT_EQ(NormalizeEmail("  A@B.Co \t"), "a@b.co");
    EXPECT_EQ(NormalizeEmail("user+tag@example.com"), "user+tag@example.com");
}

TEST(NormalizeEmail, RejectsBadShapes) {
    for (const char* bad : {"", "   ", "ab.co", "a@@b.co", "a@b@c.co", "@b.co", "a@", "a b@c.co",
                            "a@b\x01.co", "a\x7f@b.co"}) {
        EXPECT_FALSE(NormalizeEmail(bad)) << bad;
    }
    EXPECT_FALSE(NormalizeEmail(std::string(65, 'a') + "@b.co"));  // local part > 64
    EXPECT_TRUE(NormalizeEmail(std::string(64, 'a') + "@b.co"));
    EXPECT_FALSE(NormalizeEmail("a@" + std::string(253, 'b')));  // > 254 in total
}

TEST(Password, LengthBounds) {
    EXPECT_FALSE(IsValidPassword("123"));
    EXPECT_TRUE(IsValidPassword("1234"));
    EXPECT_TRUE(IsValidPassword(std::string(128, 'x')));
    EXPECT_FALSE(IsValidPassword(std::string(129, 'x')));
}

TEST(SessionId, OnlyWellFormedIdsAreLookedUp) {
    EXPECT_TRUE(IsWellFormedSessionId(std::string(43, 'A')));
    EXPECT_TRUE(IsWellFormedSessionId("abcdefghijklmnopqrstuvwxyz0123456789-_ABCDE"));
    EXPECT_FALSE(IsWellFormedSessionId(std::string(42, 'A')));
    EXPECT_FALSE(IsWellFormedSessionId(std::string(44, 'A')));
    EXPECT_FALSE(IsWellFormedSessionId(std::string(42, 'A') + "="));
    EXPECT_FALSE(IsWellFormedSessionId(std::string(42, 'A') + "/"));
}

TEST(SessionCookie, CarriesTheRequiredFlags) {
    const auto c = SessionCookie("SID", false);
    EXPECT_EQ(c, "sid=SID; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200");
    EXPECT_NE(SessionCookie("SID", true).find("; Secure"), std::string::npos);
    EXPECT_NE(ExpiredSessionCookie(false).find("Max-Age=0"), std::string::npos);
}

}  // namespace
}  // namespace hhplus::auth
