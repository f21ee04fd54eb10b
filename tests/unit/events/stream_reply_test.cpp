#include "domain/events/stream_consumer.hpp"

#include <gtest/gtest.h>

namespace hhplus::events {
namespace {

using redis::Reply;

Reply Str(std::string s) {
    Reply r;
    r.type = Reply::Type::kString;
    r.str = std::move(s);
    return r;
}
Reply Arr(std::vector<Reply> elements) {
    Reply r;
    r.type = Reply::Type::kArray;
    r.elements = std::move(elements);
    return r;
}
Reply Nil() { return Reply{}; }

Reply Entry(std::string id, std::vector<std::string> kv) {
    std::vector<Reply> fields;
    for (auto& s : kv) fields.push_back(Str(std::move(s)));
    return Arr({Str(std::move(id)), Arr(std::move(fields))});
}

TEST(ParseReadGroupReply, NilIsNoEntries) {
    const auto parsed = ParseReadGroupReply(Nil());
    EXPECT_TRUE(parsed.ok);
    EXPECT_TRUE(parsed.entries.empty());
}

TEST(ParseReadGroupReply, ReadsEntriesAndDeletedOnes) {
    const Reply reply = Arr({Arr({Str("s"), Arr({Entry("1-0", {"outboxId", "7", "payload", "{}"}),
                                                 Arr({Str("2-0"), Nil()})})})});
    const auto parsed = ParseReadGroupReply(reply);
    ASSERT_TRUE(parsed.ok);
    ASSERT_EQ(parsed.entries.size(), 1u);
    EXPECT_EQ(parsed.entries[0].id, "1-0");
    EXPECT_EQ(parsed.entries[0].Field("outboxId"), "7");
    EXPECT_EQ(parsed.entries[0].Field("payload"), "{}");
    EXPECT_FALSE(parsed.entries[0].Field("orderId").has_value());
    EXPECT_EQ(parsed.deleted, std::vector<std::string>{"2-0"});
}

TEST(ParseReadGroupReply, RefusesOtherShapes) {
    EXPECT_FALSE(ParseReadGroupReply(Str("x")).ok);
    EXPECT_FALSE(ParseReadGroupReply(Arr({Str("s")})).ok);
    EXPECT_FALSE(ParseReadGroupReply(Arr({Arr({Str("s"), Arr({Entry("1-0", {"odd"})})})})).ok);
}

TEST(ParseAutoClaimReply, ReadsCursorAndEntries) {
    const Reply reply = Arr({Str("5-0"), Arr({Entry("3-0", {"payload", "x"}), Nil()}), Arr({})});
    const auto parsed = ParseAutoClaimReply(reply);
    ASSERT_TRUE(parsed.claimed.ok);
    EXPECT_EQ(parsed.cursor, "5-0");
    ASSERT_EQ(parsed.claimed.entries.size(), 1u);
    EXPECT_EQ(parsed.claimed.entries[0].id, "3-0");
    EXPECT_FALSE(ParseAutoClaimReply(Str("0-0")).claimed.ok);
}

}  // namespace
}  // namespace hhplus::events
