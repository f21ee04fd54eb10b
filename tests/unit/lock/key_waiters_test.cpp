#include "lock/key_waiters.hpp"

#include <gtest/gtest.h>

namespace hhplus::lock {
namespace {

TEST(KeyWaitersTest, FifoOrderAndOnlyTheHeadIsHead) {
    KeyWaiters q(8);
    ASSERT_TRUE(q.Push(1));
    ASSERT_TRUE(q.Push(2));
    ASSERT_TRUE(q.Push(3));
    EXPECT_EQ(q.Head(), 1u);
    EXPECT_TRUE(q.IsHead(1));
    EXPECT_FALSE(q.IsHead(2));
    EXPECT_EQ(q.Remove(1), 2u);  // head left: 2 is promoted and must be woken
    EXPECT_EQ(q.Head(), 2u);
    EXPECT_EQ(q.Remove(3), std::nullopt);  // a non-head left: nobody to wake
    EXPECT_EQ(q.Remove(2), std::nullopt);  // last one
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.Head(), std::nullopt);
}

TEST(KeyWaitersTest, RefusesBeyondTheLimit) {
    KeyWaiters q(2);
    ASSERT_TRUE(q.Push(1));
    ASSERT_TRUE(q.Push(2));
    EXPECT_FALSE(q.Push(3));
    EXPECT_EQ(q.size(), 2u);
    EXPECT_EQ(q.Remove(42), std::nullopt);  // unknown id: no change
    EXPECT_EQ(q.size(), 2u);
    q.Remove(2);
    EXPECT_TRUE(q.Push(3));
}

TEST(KeyWaitersTest, AReleaseWakesTheHeadOnceWhateverTheCopies) {
    KeyWaiters q(8);
    ASSERT_TRUE(q.Push(10));
    ASSERT_TRUE(q.Push(11));
    EXPECT_EQ(q.OnRelease("tokA"), 10u);           // first copy wakes the head
    EXPECT_EQ(q.OnRelease("tokA"), std::nullopt);  // second master's copy: nobody
    EXPECT_EQ(q.OnRelease("tokA"), std::nullopt);  // third master / local copy: nobody
    EXPECT_EQ(q.OnRelease("tokB"), 10u);           // next release wakes the head again
    EXPECT_EQ(q.OnRelease("tokA"), std::nullopt);  // a late copy of A interleaved with B
}

TEST(KeyWaitersTest, ReleaseWithoutWaitersWakesNobody) {
    KeyWaiters q(8);
    EXPECT_EQ(q.OnRelease("tok"), std::nullopt);
}

TEST(KeyWaitersTest, ManyReleasesWakeAtMostOneEach) {
    KeyWaiters q(64);
    for (WaiterId id = 1; id <= 20; ++id) ASSERT_TRUE(q.Push(id));
    int wakes = 0;
    for (int release = 0; release < 100; ++release) {
        const std::string token = "t" + std::to_string(release);
        for (int copy = 0; copy < 3; ++copy) {  // 3 masters
            if (q.OnRelease(token)) ++wakes;
        }
    }
    EXPECT_EQ(wakes, 100);
}

}  // namespace
}  // namespace hhplus::lock
