#include "redis/client.hpp"  // the header under test (Subscriber), first
// (this comment keeps clang-format from regrouping it below)

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/redis/async_test_util.hpp"
#include "tests/support/redis_server.hpp"

namespace hhplus::redis {
namespace {

using std::chrono::milliseconds;
using testing::Await;
using testing::RunUntil;
using testing::Spawn;

class RedisSubscriberTest : public ::testing::Test {
  protected:
    void SetUp() override {
        publisher_ =
            std::make_unique<Client>(ioc_.get_executor(), ServerEndpoint(), ClientOptions{});
        publisher_->Start();
        ASSERT_TRUE(RunUntil(ioc_, [this] { return publisher_->Connected(); }));
    }

    Endpoint ServerEndpoint() const { return *ParseRedisUrl(server_.Url()); }

    std::unique_ptr<Subscriber> MakeSubscriber(ClientOptions options = {}) {
        options.role = "lock";
        auto sub = std::make_unique<Subscriber>(ioc_.get_executor(), ServerEndpoint(), options);
        sub->SetMessageHandler([this](const std::string& channel, const std::string& payload) {
            messages_.emplace_back(channel, payload);
        });
        sub->SetReconnectHandler([this] { ++reconnects_; });
        sub->Start();
        EXPECT_TRUE(RunUntil(ioc_, [&sub] { return sub->Connected(); }));
        return sub;
    }

    // PUBLISH through a Client (binary-safe); returns the number of receivers.
    long long Publish(const std::string& channel, const std::string& payload) {
        const auto deadline = std::chrono::steady_clock::now() + testing::kDefaultWait;
        while (std::chrono::steady_clock::now() < deadline) {  // the publisher may be reconnecting
            auto r = Await(ioc_, publisher_->Command({"PUBLISH", channel, payload}));
            if (r.ok()) return r->integer;
            RunUntil(
                ioc_, [this] { return publisher_->Connected(); }, milliseconds(200));
        }
        ADD_FAILURE() << "PUBLISH never succeeded";
        return -1;
    }

    // Options whose metrics hook counts written commands into sent_.
    ClientOptions Counting(std::chrono::milliseconds command_timeout) {
        ClientOptions options;
        options.command_timeout = command_timeout;
        options.on_commands_sent = [this](std::size_t n) { sent_ += n; };
        return options;
    }

    // A Subscribe that the (then paused) server has been sent but will not answer.
    std::shared_ptr<std::optional<RedisResult<Ok>>> SubscribeWhilePaused(Subscriber& sub,
                                                                         std::string channel) {
        server_.Pause();
        const std::size_t before = sent_;
        auto pending = Spawn(ioc_, sub.Subscribe(std::move(channel)));
        EXPECT_TRUE(RunUntil(ioc_, [&] { return sent_ > before; }));
        return pending;
    }

    std::string NumSub(const std::string& channel) const {
        return server_.Cli({"PUBSUB", "NUMSUB", channel});
    }

    hhplus::testing::RedisServer server_;
    boost::asio::io_context ioc_;
    std::unique_ptr<Client> publisher_;
    std::vector<std::pair<std::string, std::string>> messages_;
    int reconnects_ = 0;
    std::size_t sent_ = 0;
};

TEST_F(RedisSubscriberTest, SubscribesReceivesAndUnsubscribes) {
    auto sub = MakeSubscriber();
    EXPECT_EQ(sub->SubscribedCount(), 0u);
    auto ok = Await(ioc_, sub->Subscribe("lock:release:1"));
    ASSERT_TRUE(ok.ok()) << ok.error().detail;
    EXPECT_EQ(sub->SubscribedCount(), 1u);
    EXPECT_EQ(NumSub("lock:release:1"), "lock:release:1\n1\n");

    const std::string payload("token\0\r\n\xff", 9);
    EXPECT_EQ(Publish("lock:release:1", payload), 1);
    ASSERT_TRUE(RunUntil(ioc_, [this] { return messages_.size() == 1; }));
    EXPECT_EQ(messages_[0].first, "lock:release:1");
    EXPECT_EQ(messages_[0].second, payload);

    // Subscribing again to a subscribed channel completes at once and adds nothing.
    ASSERT_TRUE(Await(ioc_, sub->Subscribe("lock:release:1")).ok());
    EXPECT_EQ(sub->SubscribedCount(), 1u);
    ASSERT_TRUE(Await(ioc_, sub->Subscribe("lock:release:2")).ok());
    EXPECT_EQ(sub->SubscribedCount(), 2u);

    sub->Unsubscribe("lock:release:1");
    ASSERT_TRUE(RunUntil(ioc_, [&sub] { return sub->SubscribedCount() == 1; }));
    EXPECT_EQ(NumSub("lock:release:1"), "lock:release:1\n0\n");
    EXPECT_EQ(Publish("lock:release:1", "nobody"), 0);
    sub->Unsubscribe("lock:release:2");
    ASSERT_TRUE(RunUntil(ioc_, [&sub] { return sub->SubscribedCount() == 0; }));
    EXPECT_EQ(NumSub("lock:release:2"), "lock:release:2\n0\n");
    sub->Unsubscribe("never-subscribed");  // harmless
    EXPECT_EQ(messages_.size(), 1u);
}

TEST_F(RedisSubscriberTest, ManyMessagesArriveInOrder) {
    auto sub = MakeSubscriber();
    ASSERT_TRUE(Await(ioc_, sub->Subscribe("ch")).ok());
    constexpr int kMessages = 500;
    std::vector<std::shared_ptr<std::optional<RedisResult<Reply>>>> sends;
    for (int i = 0; i < kMessages; ++i) {
        sends.push_back(Spawn(ioc_, publisher_->Command({"PUBLISH", "ch", std::to_string(i)})));
    }
    ASSERT_TRUE(RunUntil(ioc_, [this] { return messages_.size() == kMessages; }));
    for (int i = 0; i < kMessages; ++i) EXPECT_EQ(messages_[i].second, std::to_string(i));
}

TEST_F(RedisSubscriberTest, KilledConnectionIsReSubscribedAndReported) {
    auto sub = MakeSubscriber();
    ASSERT_TRUE(Await(ioc_, sub->Subscribe("a")).ok());
    ASSERT_TRUE(Await(ioc_, sub->Subscribe("b")).ok());
    EXPECT_EQ(reconnects_, 0);  // the first connection is not a reconnect

    EXPECT_EQ(server_.Cli({"CLIENT", "KILL", "TYPE", "pubsub"}), "1\n");
    ASSERT_TRUE(RunUntil(ioc_, [&] { return reconnects_ == 1; }));
    // The handler runs once both channels are confirmed again.
    EXPECT_EQ(sub->SubscribedCount(), 2u);
    EXPECT_EQ(NumSub("a"), "a\n1\n");
    EXPECT_EQ(NumSub("b"), "b\n1\n");
    EXPECT_EQ(Publish("b", "after"), 1);
    ASSERT_TRUE(RunUntil(ioc_, [this] { return !messages_.empty(); }));
    EXPECT_EQ(messages_.back(), std::make_pair(std::string("b"), std::string("after")));
}

TEST_F(RedisSubscriberTest, RestartedServerIsReSubscribed) {
    auto sub = MakeSubscriber();
    ASSERT_TRUE(Await(ioc_, sub->Subscribe("r")).ok());
    server_.Restart();
    ASSERT_TRUE(RunUntil(ioc_, [&] { return reconnects_ >= 1 && sub->SubscribedCount() == 1; }));
    EXPECT_EQ(NumSub("r"), "r\n1\n");
    EXPECT_EQ(Publish("r", "x"), 1);
    ASSERT_TRUE(RunUntil(ioc_, [this] { return !messages_.empty(); }));
}

TEST_F(RedisSubscriberTest, ReconnectWithNoChannelsStillReports) {
    auto sub = MakeSubscriber();
    server_.Cli({"CLIENT", "KILL", "TYPE", "normal"});  // not yet subscribed: a normal client
    ASSERT_TRUE(RunUntil(ioc_, [&] { return reconnects_ == 1 && sub->Connected(); }));
    EXPECT_EQ(sub->SubscribedCount(), 0u);
}

TEST_F(RedisSubscriberTest, PausedServerIsDetectedByKeepAliveAndRecovered) {
    ClientOptions options;
    options.command_timeout = milliseconds(200);
    options.connect_timeout = milliseconds(200);
    auto sub = MakeSubscriber(options);
    ASSERT_TRUE(Await(ioc_, sub->Subscribe("p")).ok());
    server_.Pause();
    // Nothing is sent by us: only the PING keep-alive can notice (after 3 × 200 ms).
    ASSERT_TRUE(RunUntil(ioc_, [&sub] { return !sub->Connected(); }));
    auto down = Await(ioc_, sub->Subscribe("q"));
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().code, Errc::kUnavailable);
    server_.Resume();
    ASSERT_TRUE(RunUntil(ioc_, [&] { return reconnects_ == 1 && sub->SubscribedCount() == 1; }));
    EXPECT_EQ(NumSub("q"), "q\n0\n");  // refused while down, so not wanted
    EXPECT_EQ(Publish("p", "back"), 1);
    ASSERT_TRUE(RunUntil(ioc_, [this] { return !messages_.empty(); }));
}

TEST_F(RedisSubscriberTest, UnsubscribeCancelsAPendingSubscribe) {
    auto sub = MakeSubscriber(Counting(std::chrono::seconds(5)));
    auto pending = SubscribeWhilePaused(*sub, "c");
    sub->Unsubscribe("c");
    ASSERT_TRUE(RunUntil(
        ioc_, [&] { return pending->has_value(); }, std::chrono::seconds(2)));
    ASSERT_FALSE(pending->value().ok());
    EXPECT_EQ(pending->value().error().code, Errc::kCancelled);
    server_.Resume();
    // Replies come in order: once "d" is confirmed, the SUBSCRIBE/UNSUBSCRIBE of "c" are done.
    ASSERT_TRUE(Await(ioc_, sub->Subscribe("d")).ok());
    EXPECT_EQ(sub->SubscribedCount(), 1u);
    EXPECT_EQ(NumSub("c"), "c\n0\n");
}

TEST_F(RedisSubscriberTest, SubscribeFailsFastWhenNotConnected) {
    Subscriber idle(ioc_.get_executor(), ServerEndpoint(), ClientOptions{});
    auto r = Await(ioc_, idle.Subscribe("x"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kUnavailable);

    auto sub = MakeSubscriber();
    sub->Stop();
    EXPECT_FALSE(sub->Connected());
    auto stopped = Await(ioc_, sub->Subscribe("x"));
    ASSERT_FALSE(stopped.ok());
    EXPECT_EQ(stopped.error().code, Errc::kCancelled);
}

TEST_F(RedisSubscriberTest, HandlerMayUnsubscribeItsOwnChannel) {
    auto sub = MakeSubscriber();
    Subscriber* raw = sub.get();
    int calls = 0;
    sub->SetMessageHandler([&calls, raw](const std::string& channel, const std::string&) {
        ++calls;
        raw->Unsubscribe(channel);  // a one-shot waiter, as the lock uses it
    });
    ASSERT_TRUE(Await(ioc_, sub->Subscribe("once")).ok());
    EXPECT_EQ(Publish("once", "1"), 1);
    ASSERT_TRUE(RunUntil(ioc_, [&] { return calls == 1 && sub->SubscribedCount() == 0; }));
    EXPECT_EQ(Publish("once", "2"), 0);
}

TEST_F(RedisSubscriberTest, HandlerMayDestroyTheSubscriber) {
    auto sub = MakeSubscriber();
    bool called = false;
    sub->SetMessageHandler([&](const std::string&, const std::string&) {
        called = true;
        sub.reset();
    });
    ASSERT_TRUE(Await(ioc_, sub->Subscribe("bye")).ok());
    EXPECT_EQ(Publish("bye", "1"), 1);
    ASSERT_TRUE(RunUntil(ioc_, [&] { return called; }));
    EXPECT_EQ(sub, nullptr);
    ASSERT_TRUE(RunUntil(ioc_, [this] { return NumSub("bye") == "bye\n0\n"; }));
}

TEST_F(RedisSubscriberTest, DestroyingWithAPendingSubscribeIsSafe) {
    auto sub = MakeSubscriber(Counting(std::chrono::seconds(5)));
    auto pending = SubscribeWhilePaused(*sub, "z");
    sub.reset();
    ASSERT_TRUE(RunUntil(
        ioc_, [&] { return pending->has_value(); }, std::chrono::seconds(2)));
    ASSERT_FALSE(pending->value().ok());
    EXPECT_EQ(pending->value().error().code, Errc::kCancelled);
    server_.Resume();
}

}  // namespace
}  // namespace hhplus::redis
