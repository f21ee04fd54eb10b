#include "domain/crypto.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <set>

#include "domain/auth/auth_rules.hpp"

namespace hhplus::domain {
namespace {

class CryptoTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

TEST_F(CryptoTest, SessionTokensAreWellFormedAndDistinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        auto t = RandomToken();
        EXPECT_TRUE(auth::IsWellFormedSessionId(t)) << t;
        seen.insert(t);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST_F(CryptoTest, Sha256HexKnownVector) {
    EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(CryptoTest, SecretEquals) {
    EXPECT_TRUE(SecretEquals("token", "token"));
    EXPECT_FALSE(SecretEquals("token", "tokem"));
    EXPECT_FALSE(SecretEquals("token", "token2"));
    EXPECT_FALSE(SecretEquals("", "x"));
}

}  // namespace
}  // namespace hhplus::domain
