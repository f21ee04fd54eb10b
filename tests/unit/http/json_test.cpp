#include "http/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hhplus::http {
namespace {

// ---- writer ----

TEST(JsonEscape, EscapesQuotesBackslashesAndControls) {
    EXPECT_EQ(JsonEscape("plain"), "plain");
    EXPECT_EQ(JsonEscape("a\"b\\c"), "a\\\"b\\\\c");
    EXPECT_EQ(JsonEscape("\n\r\t\b\f"), "\\n\\r\\t\\b\\f");
    EXPECT_EQ(JsonEscape(std::string_view("\x01\x1f\0", 3)), "\\u0001\\u001F\\u0000");
    EXPECT_EQ(JsonEscape("쿠폰 \xF0\x9F\x8E\x9F"), "쿠폰 \xF0\x9F\x8E\x9F");  // UTF-8 untouched
    EXPECT_EQ(JsonEscape("</script>"), "</script>");
}

TEST(JsonWriter, BuildsObjectsWithCommas) {
    JsonWriter w;
    w.StartObject()
        .Key("userId")
        .Int(1)
        .Key("email")
        .String("a@b.co")
        .Key("balance")
        .Int(0)
        .EndObject();
    EXPECT_EQ(w.Finish(), R"({"userId":1,"email":"a@b.co","balance":0})");
}

TEST(JsonWriter, NestsArraysAndObjects) {
    JsonWriter w;
    w.StartObject().Key("logs").StartArray();
    for (int i = 1; i <= 2; ++i) {
        w.StartObject().Key("id").Int(i).Key("code").String("CHARGE").EndObject();
    }
    w.EndArray().Key("nextCursor").Null().EndObject();
    EXPECT_EQ(w.Finish(),
              R"({"logs":[{"id":1,"code":"CHARGE"},{"id":2,"code":"CHARGE"}],"nextCursor":null})");
}

TEST(JsonWriter, EmptyContainersAndScalars) {
    JsonWriter w;
    w.StartObject()
        .Key("a")
        .StartArray()
        .EndArray()
        .Key("o")
        .StartObject()
        .EndObject()
        .Key("t")
        .Bool(true)
        .Key("f")
        .Bool(false)
        .EndObject();
    EXPECT_EQ(w.Finish(), R"({"a":[],"o":{},"t":true,"f":false})");
}

TEST(JsonWriter, ExtremeIntegersAndOptionals) {
    JsonWriter w;
    w.StartArray()
        .Int(INT64_MIN)
        .Int(INT64_MAX)
        .StringOrNull(std::nullopt)
        .StringOrNull("x")
        .IntOrNull(std::nullopt)
        .IntOrNull(7)
        .Raw(R"({"k":1})")
        .EndArray();
    EXPECT_EQ(w.Finish(), R"([-9223372036854775808,9223372036854775807,null,"x",null,7,{"k":1}])");
}

TEST(JsonWriter, EscapesKeysAndValuesAndIsReusable) {
    JsonWriter w;
    w.StartObject().Key("q\"k").String("line\nbreak").EndObject();
    EXPECT_EQ(w.Finish(), R"({"q\"k":"line\nbreak"})");
    w.StartObject().Key("again").Int(2).EndObject();
    EXPECT_EQ(w.Finish(), R"({"again":2})");
}

// ---- ParseObject ----

const Field kLogin[] = {{"email", kString}, {"password", kString}};

TEST(ParseObject, AcceptsDeclaredFields) {
    auto body = ParseObject(R"( {"email":"a@b.co", "password":"1234"} )", kLogin);
    ASSERT_TRUE(body.ok()) << body.error().detail;
    EXPECT_EQ(body->GetString("email"), "a@b.co");
    EXPECT_EQ(body->GetString("password"), "1234");
}

TEST(ParseObject, InitializerListFormAndEscapes) {
    auto body = ParseObject(R"({"name":"FLASH \"50\" \u00e9\n"})", {{"name", kString}});
    ASSERT_TRUE(body.ok()) << body.error().detail;
    EXPECT_EQ(body->GetString("name"), "FLASH \"50\" \xC3\xA9\n");
}

void ExpectInvalid(std::string_view text, std::span<const Field> fields) {
    auto body = ParseObject(text, fields);
    ASSERT_FALSE(body.ok()) << "accepted: " << text;
    EXPECT_EQ(body.error().code, ErrorCode::kInvalidRequest);
    EXPECT_FALSE(body.error().detail.empty());
}

TEST(ParseObject, RejectsMissingRequiredField) { ExpectInvalid(R"({"email":"a@b.co"})", kLogin); }

TEST(ParseObject, RejectsUnknownField) {
    ExpectInvalid(R"({"email":"a@b.co","password":"1234","admin":true})", kLogin);
}

TEST(ParseObject, UnknownFieldNameStaysOutOfTheDetail) {
    auto body = ParseObject(R"({"email":"a","password":"b","evil\nlog":1})", kLogin);
    ASSERT_FALSE(body.ok());
    EXPECT_EQ(body.error().detail.find("evil"), std::string::npos);
}

TEST(ParseObject, RejectsDuplicatedKeys) {
    ExpectInvalid(R"({"email":"a@b.co","email":"c@d.co","password":"1234"})", kLogin);
}

TEST(ParseObject, RejectsWrongTypes) {
    ExpectInvalid(R"({"email":1,"password":"1234"})", kLogin);
    ExpectInvalid(R"({"email":true,"password":"1234"})", kLogin);
    ExpectInvalid(R"({"email":null,"password":"1234"})", kLogin);
    ExpectInvalid(R"({"email":["a"],"password":"1234"})", kLogin);
    ExpectInvalid(R"({"email":{"a":1},"password":"1234"})", kLogin);
    const Field amount[] = {{"amount", kInt64, kRequired, 1, 1'000'000'000}};
    ExpectInvalid(R"({"amount":"5000"})", amount);
    ExpectInvalid(R"({"amount":true})", amount);
    ExpectInvalid(R"({"amount":null})", amount);
}

TEST(ParseObject, RejectsNonObjects) {
    for (const char* text : {"[]", R"(["email"])", "1", R"("text")", "true", "null", "", "   "}) {
        ExpectInvalid(text, kLogin);
    }
}

TEST(ParseObject, RejectsTrailingGarbageAndBrokenJson) {
    ExpectInvalid(R"({"email":"a","password":"b"} x)", kLogin);
    ExpectInvalid(R"({"email":"a","password":"b"}{})", kLogin);
    ExpectInvalid(R"({"email":"a","password":"b"},)", kLogin);
    ExpectInvalid(R"({"email":"a","password":"b")", kLogin);
    ExpectInvalid(R"({"email":"a","password":"b",})", kLogin);
    ExpectInvalid(R"({'email':'a','password':'b'})", kLogin);
    ExpectInvalid(std::string_view("{\"email\":\"a\",\"password\":\"b\"}\0junk", 33), kLogin);
    ExpectInvalid("{\"email\":\"a\xff\",\"password\":\"b\"}", kLogin);  // invalid UTF-8
    ExpectInvalid("{\"email\":\"a\nb\",\"password\":\"b\"}", kLogin);   // raw control char
}

const Field kAmount[] = {{"amount", kInt64, kRequired, 1, 1'000'000'000}};

TEST(ParseObject, IntegersInBounds) {
    auto body = ParseObject(R"({"amount":5000})", kAmount);
    ASSERT_TRUE(body.ok()) << body.error().detail;
    EXPECT_EQ(body->GetInt("amount"), 5000);
    EXPECT_TRUE(ParseObject(R"({"amount":1})", kAmount).ok());
    EXPECT_TRUE(ParseObject(R"({"amount":1000000000})", kAmount).ok());
    ExpectInvalid(R"({"amount":0})", kAmount);
    ExpectInvalid(R"({"amount":1000000001})", kAmount);
    ExpectInvalid(R"({"amount":-5})", kAmount);
}

TEST(ParseObject, RejectsNonIntegerNumbersForIntegers) {
    for (const char* text :
         {R"({"amount":1.5})", R"({"amount":1.0})", R"({"amount":1e3})", R"({"amount":1E3})",
          R"({"amount":-0})", R"({"amount":01})", R"({"amount":+1})", R"({"amount":.5})"}) {
        ExpectInvalid(text, kAmount);
    }
}

TEST(ParseObject, HugeNumbers) {
    const Field any[] = {{"n", kInt64}};
    EXPECT_TRUE(ParseObject(R"({"n":9223372036854775807})", any).ok());
    EXPECT_TRUE(ParseObject(R"({"n":-9223372036854775808})", any).ok());
    ExpectInvalid(R"({"n":9223372036854775808})", any);
    ExpectInvalid(R"({"n":-9223372036854775809})", any);
    ExpectInvalid(R"({"n":18446744073709551616})", any);
    ExpectInvalid(R"({"n":123456789012345678901234567890})", any);
    ExpectInvalid(R"({"n":1e400})", any);
}

TEST(ParseObject, OptionalFieldsAndStringBounds) {
    const Field fields[] = {{"userId", kInt64, kOptional, 1},
                            {"name", kString, kOptional, 1, 5},
                            {"flag", kBool, kOptional}};
    auto empty = ParseObject("{}", fields);
    ASSERT_TRUE(empty.ok());
    EXPECT_FALSE(empty->Has("userId"));
    EXPECT_EQ(empty->FindInt("userId"), std::nullopt);
    EXPECT_EQ(empty->FindString("name"), std::nullopt);
    EXPECT_EQ(empty->FindBool("flag"), std::nullopt);

    auto full = ParseObject(R"({"userId":7,"name":"abcde","flag":false})", fields);
    ASSERT_TRUE(full.ok()) << full.error().detail;
    EXPECT_EQ(full->FindInt("userId"), 7);
    EXPECT_EQ(full->FindString("name"), "abcde");
    EXPECT_EQ(full->FindBool("flag"), false);

    ExpectInvalid(R"({"name":""})", fields);
    ExpectInvalid(R"({"name":"abcdef"})", fields);
}

TEST(ParseObject, EmptyBodyPolicy) {
    const Field fields[] = {{"userId", kInt64, kOptional, 1}};
    EXPECT_FALSE(ParseObject("", fields).ok());
    auto as_empty = ParseObject("", fields, EmptyBody::kAsEmptyObject);
    ASSERT_TRUE(as_empty.ok());
    EXPECT_FALSE(as_empty->Has("userId"));
    // A required field still has to be there.
    EXPECT_FALSE(ParseObject("", kAmount, EmptyBody::kAsEmptyObject).ok());
}

// Found by hhplus-fuzz: RapidJSON decodes a lone low surrogate escape into bytes that are not
// UTF-8 (ED B8 80), which then reached handlers as a valid string.
TEST(ParseObject, RejectsUnpairedSurrogateEscapes) {
    EXPECT_FALSE(ParseObject(R"({"name":"a\ude00b"})", {{"name", kString}}).ok());
    EXPECT_FALSE(ParseObject(R"({"name":"\udfff"})", {{"name", kString}}).ok());
    EXPECT_FALSE(ParseObject(R"({"name":"\ud83d"})", {{"name", kString}}).ok());
    EXPECT_FALSE(ParseObject(R"({"name":"\ud83dx"})", {{"name", kString}}).ok());
    // A pair, an escaped BMP character and raw UTF-8 are fine.
    auto pair = ParseObject(R"({"name":"\ud83d\ude00 \ud55c \uffff é"})", {{"name", kString}});
    ASSERT_TRUE(pair.ok());
    EXPECT_EQ(pair->GetString("name"), "\xF0\x9F\x98\x80 \xED\x95\x9C \xEF\xBF\xBF \xC3\xA9");
}

// ---- object arrays (orders' items, a product's options) ----

const Field kLine[] = {{"id", kInt64, kRequired, 1}, {"qty", kInt64, kOptional, 1, 100}};
const Field kOrder[] = {{"items", kObjectArray, kRequired, 1, 3, kLine},
                        {"note", kString, kOptional}};

TEST(ParseObjectArray, ReadsElementsInOrder) {
    auto body =
        ParseObject(R"({"note":"x","items":[{"id":3,"qty":2},{"qty":1,"id":1},{"id":7}]})", kOrder);
    ASSERT_TRUE(body.ok()) << body.error().detail;
    const auto items = body->GetList("items");
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].GetInt("id"), 3);
    EXPECT_EQ(items[0].GetInt("qty"), 2);
    EXPECT_EQ(items[1].GetInt("id"), 1);
    EXPECT_FALSE(items[2].Has("qty"));
    EXPECT_EQ(body->GetString("note"), "x");
    EXPECT_TRUE(body->GetList("note").empty());
}

TEST(ParseObjectArray, EnforcesCountsShapesAndElementFields) {
    for (std::string_view bad : {
             R"({"items":[]})",                                     // fewer than min
             R"({"items":[{"id":1},{"id":2},{"id":3},{"id":4}]})",  // more than max
             R"({"items":[1]})",                                    // scalar element
             R"({"items":[[{"id":1}]]})",                           // nested array
             R"({"items":[{"id":1,"sub":{"a":1}}]})",               // unknown / nested
             R"({"items":[{"qty":1}]})",                            // missing required
             R"({"items":[{"id":1,"id":2}]})",                      // duplicated in element
             R"({"items":[{"id":0}]})",                             // out of bounds
             R"({"items":[{"id":null}]})",                          // null
             R"({"items":{"id":1}})",                               // object, not array
             R"({"items":[{"id":1}],"items":[{"id":2}]})",          // duplicated array
             R"({"note":[{"id":1}]})",                              // array for a string
             R"({"items":[{"id":1}]]})",                            // broken JSON
         }) {
        ExpectInvalid(bad, kOrder);
    }
}

TEST(ParseJsonInteger, Grammar) {
    EXPECT_EQ(ParseJsonInteger("0"), 0);
    EXPECT_EQ(ParseJsonInteger("-12"), -12);
    EXPECT_EQ(ParseJsonInteger("-0"), std::nullopt);
    EXPECT_EQ(ParseJsonInteger("00"), std::nullopt);
    EXPECT_EQ(ParseJsonInteger(""), std::nullopt);
    EXPECT_EQ(ParseJsonInteger("-"), std::nullopt);
    EXPECT_EQ(ParseJsonInteger("1.0"), std::nullopt);
}

}  // namespace
}  // namespace hhplus::http
