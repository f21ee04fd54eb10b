#include "redis/resp.hpp"

#include <gtest/gtest.h>

namespace hhplus::redis {
namespace {

// Feeds `bytes` to a fresh parser in chunks of `chunk` bytes and collects every reply.
std::vector<Reply> ParseAll(const std::string& bytes, std::size_t chunk) {
    ReplyParser parser;
    std::vector<Reply> out;
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        const std::size_t n = std::min(chunk, bytes.size() - at);
        EXPECT_TRUE(parser.Feed(bytes.data() + at, n).ok());
        for (;;) {
            auto next = parser.Next();
            EXPECT_TRUE(next.ok());
            if (!next.ok() || !next->has_value()) break;
            out.push_back(std::move(**next));
        }
    }
    return out;
}

TEST(AppendCommand, FormatsMultiBulk) {
    std::string out;
    const std::vector<std::string> set{"SET", "k", "v1"};
    AppendCommand(out, set);
    EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n");
    const std::vector<std::string> get{"GET", "k"};
    AppendCommand(out, get);  // appends
    EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

TEST(AppendCommand, IsBinarySafe) {
    std::string out;
    const std::string value("a\0b\r\nc", 6);
    const std::vector<std::string> args{"SET", "", value};
    AppendCommand(out, args);
    const char expected[] = "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$6\r\na\0b\r\nc\r\n";
    EXPECT_EQ(out, std::string(expected, sizeof expected - 1));
}

TEST(AppendCommand, HandlesManyArguments) {
    std::vector<std::string> args{"DEL"};
    for (int i = 0; i < 40; ++i) args.push_back("key" + std::to_string(i));
    std::string out;
    AppendCommand(out, args);
    const auto replies = ParseAll(out, out.size());  // a command is itself a valid RESP array
    ASSERT_EQ(replies.size(), 1u);
    ASSERT_EQ(replies[0].elements.size(), 41u);
    EXPECT_EQ(replies[0].elements[40].str, "key39");
}

TEST(ReplyParser, ParsesEveryType) {
    const std::string bytes =
        "+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n$0\r\n\r\n"
        "*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n+x\r\n*0\r\n";
    const auto r = ParseAll(bytes, bytes.size());
    ASSERT_EQ(r.size(), 10u);
    EXPECT_EQ(r[0].type, Reply::Type::kStatus);
    EXPECT_EQ(r[0].str, "OK");
    EXPECT_TRUE(r[1].IsError());
    EXPECT_EQ(r[1].str, "ERR wrong");
    EXPECT_EQ(r[2].type, Reply::Type::kInteger);
    EXPECT_EQ(r[2].integer, 42);
    EXPECT_EQ(r[3].integer, -7);
    EXPECT_EQ(r[4].type, Reply::Type::kString);
    EXPECT_EQ(r[4].str, "hello");
    EXPECT_TRUE(r[5].IsNil());
    EXPECT_TRUE(r[6].IsNil());  // nil array
    EXPECT_EQ(r[7].type, Reply::Type::kString);
    EXPECT_EQ(r[7].str, "");
    ASSERT_EQ(r[8].type, Reply::Type::kArray);
    ASSERT_EQ(r[8].elements.size(), 3u);
    EXPECT_EQ(r[8].elements[0].integer, 1);
    ASSERT_EQ(r[8].elements[1].elements.size(), 2u);
    EXPECT_EQ(r[8].elements[1].elements[0].str, "a");
    EXPECT_TRUE(r[8].elements[1].elements[1].IsNil());
    EXPECT_EQ(r[8].elements[2].type, Reply::Type::kStatus);
    EXPECT_EQ(r[9].type, Reply::Type::kArray);
    EXPECT_TRUE(r[9].elements.empty());
}

TEST(ReplyParser, SameRepliesWhateverTheChunking) {
    const char raw[] = "*2\r\n$3\r\nfoo\r\n:12345\r\n$6\r\na\0\r\nbc\r\n+PONG\r\n";
    const std::string binary(raw, sizeof raw - 1);
    const auto whole = ParseAll(binary, binary.size());
    ASSERT_EQ(whole.size(), 3u);
    EXPECT_EQ(whole[1].str, std::string("a\0\r\nbc", 6));
    for (std::size_t chunk : {1u, 2u, 3u, 7u}) {
        const auto parts = ParseAll(binary, chunk);
        ASSERT_EQ(parts.size(), whole.size()) << chunk;
        EXPECT_EQ(parts[0].elements[0].str, "foo");
        EXPECT_EQ(parts[0].elements[1].integer, 12345);
        EXPECT_EQ(parts[1].str, whole[1].str);
        EXPECT_EQ(parts[2].str, "PONG");
    }
}

TEST(ReplyParser, WaitsForMoreBytes) {
    ReplyParser parser;
    ASSERT_TRUE(parser.Feed("$5\r\nhel", 7).ok());
    auto first = parser.Next();
    ASSERT_TRUE(first.ok());
    EXPECT_FALSE(first->has_value());
    ASSERT_TRUE(parser.Feed("lo\r\n", 4).ok());
    auto second = parser.Next();
    ASSERT_TRUE(second.ok());
    ASSERT_TRUE(second->has_value());
    EXPECT_EQ((*second)->str, "hello");
}

TEST(ReplyParser, RejectsMalformedInputForGood) {
    ReplyParser parser;
    ASSERT_TRUE(parser.Feed("?what\r\n", 7).ok());
    auto bad = parser.Next();
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::kProtocol);
    // The stream cannot be re-framed: the parser stays failed.
    EXPECT_FALSE(parser.Feed("+OK\r\n", 5).ok());
}

}  // namespace
}  // namespace hhplus::redis
