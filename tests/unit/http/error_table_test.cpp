#include "http/error_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace hhplus::http {
namespace {

// api.md "Error codes and HTTP status", copied here on purpose: the test fails when the code and
// the contract drift apart.
const std::map<std::string, int> kContract = {
    {"V001", 400},
    {"V003", 415},
    {"V013", 413},
    {"V014", 431},
    {"V015", 414},
    {"V404", 404},
    {"V405", 405},
    {"A001", 401},
    {"A002", 403},
    {"A003", 409},
    {"A004", 401},
    {"A005", 429},
    {"A006", 401},
    {"U001", 404},
    {"B001", 409},
    {"B002", 422},
    {"B003", 409},
    {"C001", 409},
    {"C003", 409},
    {"C005", 409},
    {"C006", 404},
    {"S001", 503},
    {"S002", 503},
    {"S500", 500},
    // orders
    {"C007", 409},
    {"C008", 409},
    {"B004", 409},
    {"P001", 404},
    {"P002", 404},
    {"P003", 409},
    {"P004", 409},
    {"O001", 404},
    {"O002", 409},
    {"O003", 409},
};

TEST(ErrorTable, EveryEnumeratorHasADistinctRowFromTheContract) {
    std::set<std::string_view> codes;
    for (int i = 0; i < kErrorCodeCount; ++i) {
        const ErrorInfo& info = Describe(static_cast<ErrorCode>(i));
        SCOPED_TRACE(i);
        EXPECT_TRUE(codes.insert(info.code).second) << "duplicate code " << info.code;
        const auto it = kContract.find(std::string(info.code));
        ASSERT_NE(it, kContract.end()) << "code not in api.md: " << info.code;
        EXPECT_EQ(info.status, it->second) << info.code;
        EXPECT_FALSE(info.message.empty());
    }
    EXPECT_EQ(codes.size(), kContract.size()) << "api.md has codes without an enumerator";
}

TEST(ErrorTable, SpotChecksOfNamedEnumerators) {
    EXPECT_EQ(Describe(ErrorCode::kCouponSoldOut).code, "C001");
    EXPECT_EQ(Describe(ErrorCode::kCouponSoldOut).status, 409);
    EXPECT_EQ(Describe(ErrorCode::kCouponNotFound).code, "C006");
    EXPECT_EQ(Describe(ErrorCode::kBusy).code, "S001");
    EXPECT_EQ(Describe(ErrorCode::kInternal).status, 500);
    EXPECT_EQ(Describe(ErrorCode::kRequestLineTooLong).status, 414);
    EXPECT_EQ(Describe(ErrorCode::kHeadersTooLarge).status, 431);
}

TEST(ErrorTable, OutOfRangeValueIsInternal) {
    EXPECT_EQ(Describe(static_cast<ErrorCode>(kErrorCodeCount)).code, "S500");
    EXPECT_EQ(Describe(static_cast<ErrorCode>(255)).code, "S500");
}

TEST(ErrorResponse, RendersTheOneErrorShape) {
    // 2026-11-25T10:00:00.123Z
    const Response r = ErrorResponse(ErrorCode::kCouponSoldOut, 1'795'600'800'123);
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.content_type, "application/json; charset=utf-8");
    EXPECT_EQ(r.body, R"({"errorCode":"C001","message":"coupon sold out",)"
                      R"("timestamp":"2026-11-25T10:00:00.123Z"})");
    EXPECT_TRUE(r.headers.empty());
}

TEST(ErrorResponse, BusyCarriesRetryAfterOne) {
    const Response r = ErrorResponse(ErrorCode::kBusy, 0);
    EXPECT_EQ(r.status, 503);
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].first, "Retry-After");
    EXPECT_EQ(r.headers[0].second, "1");
    EXPECT_NE(r.body.find(R"("timestamp":"1970-01-01T00:00:00.000Z")"), std::string::npos);
}

TEST(ErrorResponse, LoginThrottleCarriesRetryAfter) {
    const Response r = ErrorResponse(ErrorCode::kTooManyLoginAttempts, 0);
    EXPECT_EQ(r.status, 429);
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].first, "Retry-After");
}

TEST(ErrorResponse, DetailIsNeverRendered) {
    const Response r =
        ErrorResponse(MakeError(ErrorCode::kInternal, "SQL: SELECT * FROM users; secret"), 0);
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body.find("SELECT"), std::string::npos);
    EXPECT_EQ(r.body.find("secret"), std::string::npos);
    EXPECT_NE(r.body.find(R"("errorCode":"S500")"), std::string::npos);
}

}  // namespace
}  // namespace hhplus::http
