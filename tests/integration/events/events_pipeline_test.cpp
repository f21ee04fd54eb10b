// The paid-order pipeline against a real MariaDB and Redis: outbox → relay → stream → consumer
// groups. Checks what docs/events.md promises: each outbox row reaches the stream (at least
// once; exactly once without failures, even with two relays), a relay crash between XADD and
// COMMIT costs a duplicate entry but never a double count in the ranking, a dead consumer's
// pending entries are taken over, best sellers are ordered by units then id over the asked
// window, and the data platform gets every order even from a sink failing every third POST.
// Every wait polls a condition with a generous deadline; nothing asserts timing.
#include <utility>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "common/clock.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "domain/events/data_platform_consumer.hpp"
#include "domain/events/outbox_relay.hpp"
#include "domain/events/ranking_consumer.hpp"
#include "domain/events/ranking_handler.hpp"
#include "domain/events/ranking_service.hpp"
#include "domain/events/stream_consumer.hpp"
#include "tests/integration/redis/async_test_util.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/mariadb_server.hpp"
#include "tests/support/redis_server.hpp"

namespace hhplus::events {
namespace {

namespace asio = boost::asio;
using redis::testing::Await;

// Generous: a loaded 2-core machine shared with other builds must not make a test flaky.
constexpr std::chrono::seconds kWait{60};
constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

// Await needs a value: wraps the awaitable<void> calls (Stop, Close).
asio::awaitable<bool> Finished(asio::awaitable<void> task) {
    co_await std::move(task);
    co_return true;
}

struct Item {
    std::int64_t product_id;
    std::int64_t quantity;
};

std::string Payload(std::int64_t order_id, std::int64_t paid_ms, const std::vector<Item>& items) {
    std::string json = "{\"orderId\":" + std::to_string(order_id) + ",\"userId\":1,\"paidAt\":\"" +
                       FormatIsoMillis(paid_ms) + "\",\"finalAmount\":1000,\"items\":[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) json += ',';
        json += "{\"productId\":" + std::to_string(items[i].product_id) +
                ",\"productOptionId\":" + std::to_string(items[i].product_id * 10) +
                ",\"quantity\":" + std::to_string(items[i].quantity) + ",\"unitPrice\":500}";
    }
    return json + "]}";
}

class EventsPipeline : public ::testing::Test {
  protected:
    void SetUp() override {
        db::PoolOptions options;
        options.acquire_timeout = std::chrono::seconds(60);
        options.query_timeout = std::chrono::seconds(30);
        pool_ = std::make_unique<db::Pool>(io_.get_executor(), *db::ParseDatabaseUrl(db_.Url()),
                                           options);
        auto migrated = Await(io_, db::Migrate(*pool_, db::EmbeddedMigrations()), kWait);
        ASSERT_TRUE(migrated.ok()) << migrated.error().detail;
        redis::ClientOptions client_options;
        client_options.role = "events";
        client_options.command_timeout = std::chrono::seconds(10);
        events_ = std::make_unique<redis::Client>(
            io_.get_executor(), *redis::ParseRedisUrl(redis_.Url()), client_options);
        events_->Start();
        ASSERT_TRUE(WaitFor([&] { return events_->Connected(); }));
    }

    void TearDown() override {
        events_->Stop();
        Await(io_, Finished(pool_->Close()), kWait);
    }

    // Runs the loop in short steps until `done` holds (it may itself run queries).
    template <class Done>
    bool WaitFor(Done done, std::chrono::seconds timeout = kWait) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (done()) return true;
            io_.restart();
            io_.run_for(std::chrono::milliseconds(50));
        }
        return done();
    }

    redis::Reply Redis(std::vector<std::string> args) {
        auto r = Await(io_, events_->Command(std::move(args)), kWait);
        EXPECT_TRUE(r.ok());
        return r.ok() ? r.value() : redis::Reply{};
    }

    void InsertOutbox(const std::vector<std::pair<std::int64_t, std::string>>& orders) {
        std::string sql = "INSERT INTO outbox (topic, aggregate_id, payload, created_at) VALUES ";
        for (std::size_t i = 0; i < orders.size(); ++i) {
            if (i > 0) sql += ',';
            sql += "('order.paid'," + std::to_string(orders[i].first) + ",'" + orders[i].second +
                   "',NOW(3))";
        }
        db_.Sql(sql);
    }
    std::int64_t Unsent() {
        return std::stoll(db_.Sql("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"));
    }

    // outboxId of every entry in the stream, in stream order.
    std::vector<std::string> StreamOutboxIds() {
        const redis::Reply all = Redis({"XRANGE", std::string(kOrderPaidStream), "-", "+"});
        std::vector<std::string> ids;
        for (const redis::Reply& e : all.elements) {
            const auto& f = e.elements.at(1).elements;
            for (std::size_t i = 0; i + 1 < f.size(); i += 2)
                if (f[i].str == "outboxId") ids.push_back(f[i + 1].str);
        }
        return ids;
    }
    std::int64_t Pending(std::string_view group) {
        const redis::Reply r =
            Redis({"XPENDING", std::string(kOrderPaidStream), std::string(group)});
        return r.elements.empty() ? -1 : r.elements[0].integer;
    }
    std::int64_t Units(std::int64_t paid_ms, std::int64_t product_id) {
        const redis::Reply r = Redis({"ZSCORE", RankDayKey(paid_ms), std::to_string(product_id)});
        return r.IsNil() ? 0 : std::stoll(r.str);
    }

    StreamConsumerOptions ConsumerOptions(std::string_view group, std::string name) {
        StreamConsumerOptions o;
        o.stream = std::string(kOrderPaidStream);
        o.group = std::string(group);
        o.consumer = std::move(name);
        o.retry_delay = std::chrono::milliseconds(100);
        return o;
    }
    std::unique_ptr<StreamConsumer> Consumer(StreamConsumerOptions options, EntryHandler handler) {
        redis::ClientOptions client_options;
        client_options.role = "events-consumer";
        return std::make_unique<StreamConsumer>(io_.get_executor(),
                                                *redis::ParseRedisUrl(redis_.Url()), client_options,
                                                std::move(options), std::move(handler));
    }
    void Stop(StreamConsumer& c) { Await(io_, Finished(c.Stop()), kWait); }

    // Redis goes away twice under the relay and the ranking consumer: once before the consumer
    // starts, once while both run and more orders are paid. `restart` brings it back (a clean
    // SIGTERM restart, or a crash by SIGKILL then a start); either way no event may be lost and
    // none counted twice: the stream, its consumer groups, the ranking and the dedupe keys live
    // in the AOF.
    void ExpectNoEventLostOrAppliedTwiceAcrossRestarts(const std::function<void()>& restart);
    void Stop(OutboxRelay& r) { Await(io_, Finished(r.Stop()), kWait); }

    testing::MariaDbServer db_;
    // As the stage's events Redis (the session one): appendonly, so a restart keeps the stream,
    // its consumer groups, the ranking and the dedupe keys.
    testing::RedisServer redis_{{"--appendonly", "yes", "--appendfsync", "everysec"}};
    asio::io_context io_;
    SystemClock clock_;
    std::unique_ptr<db::Pool> pool_;
    std::unique_ptr<redis::Client> events_;
};

TEST_F(EventsPipeline, TwoRelaysMoveEveryRowExactlyOnceAndMarkItSent) {
    constexpr int kRows = 250;  // more than two batches: full passes run back to back
    const std::int64_t now = ToEpochMillis(clock_.Now());
    std::vector<std::pair<std::int64_t, std::string>> orders;
    for (int i = 1; i <= kRows; ++i) orders.emplace_back(i, Payload(i, now, {{1, 1}}));
    InsertOutbox(orders);

    OutboxRelayOptions options;
    options.interval = std::chrono::milliseconds(50);
    OutboxRelay a(io_.get_executor(), *pool_, *events_, clock_, options);
    OutboxRelay b(io_.get_executor(), *pool_, *events_, clock_, options);
    std::size_t relayed = 0;
    a.SetRelayedObserver([&](std::size_t n) { relayed += n; });
    b.SetRelayedObserver([&](std::size_t n) { relayed += n; });
    a.Start();
    b.Start();
    EXPECT_TRUE(WaitFor([&] { return Unsent() == 0; }));
    Stop(a);
    Stop(b);

    EXPECT_EQ(relayed, static_cast<std::size_t>(kRows));
    const auto ids = StreamOutboxIds();
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kRows));
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(),
              static_cast<std::size_t>(kRows));
    EXPECT_EQ(db_.Sql("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL"), "250\n");
}

TEST_F(EventsPipeline, APublishedRowIsSentOnceAndPassesLeaveFreshRowsToTheirPublisher) {
    const std::int64_t now = ToEpochMillis(clock_.Now());
    InsertOutbox({{7, Payload(7, now, {{1, 1}})}});
    const std::int64_t fresh = std::stoll(db_.Sql("SELECT MAX(id) FROM outbox"));
    // A row whose publisher died long ago: older than the grace.
    db_.Sql(
        "INSERT INTO outbox (topic, aggregate_id, payload, created_at) VALUES ('order.paid', "
        "8, '" +
        Payload(8, now, {{1, 1}}) + "', NOW(3) - INTERVAL 10 MINUTE)");
    const std::int64_t old = std::stoll(db_.Sql("SELECT MAX(id) FROM outbox"));

    OutboxRelayOptions options;
    options.grace = std::chrono::minutes(5);  // far longer than this test: fresh means fresh
    OutboxRelay relay(io_.get_executor(), *pool_, *events_, clock_, options);
    EXPECT_EQ(Await(io_, relay.RunOnce(), kWait), 1);  // the old row only
    EXPECT_EQ(Unsent(), 1);
    EXPECT_EQ(Await(io_, relay.RunOnce(), kWait), 0);  // the fresh row is its publisher's

    relay.Publish(fresh, 7, Payload(7, now, {{1, 1}}));
    EXPECT_TRUE(WaitFor([&] { return Unsent() == 0; }));
    Stop(relay);
    const auto ids = StreamOutboxIds();
    EXPECT_EQ(ids, (std::vector<std::string>{std::to_string(old), std::to_string(fresh)}));
}

TEST_F(EventsPipeline, RelayCrashBetweenXaddAndCommitIsCountedOnceInTheRanking) {
    constexpr int kOrders = 20;
    const std::int64_t now = ToEpochMillis(clock_.Now());
    std::map<std::int64_t, std::int64_t> expected;  // product → units
    std::vector<std::pair<std::int64_t, std::string>> orders;
    for (int i = 1; i <= kOrders; ++i) {
        const std::vector<Item> items{{1 + i % 3, 1 + i % 2}, {7, 1}};
        for (const Item& it : items) expected[it.product_id] += it.quantity;
        orders.emplace_back(i, Payload(i, now, items));
    }
    InsertOutbox(orders);

    OutboxRelay crashing(io_.get_executor(), *pool_, *events_, clock_);
    crashing.SetCrashAfterXaddForTest([] { return true; });
    EXPECT_EQ(Await(io_, crashing.RunOnce(), kWait), -1);
    EXPECT_EQ(StreamOutboxIds().size(), static_cast<std::size_t>(kOrders));  // in the stream…
    EXPECT_EQ(Unsent(), kOrders);                                            // …but not marked

    OutboxRelay restarted(io_.get_executor(), *pool_, *events_, clock_);
    EXPECT_TRUE(WaitFor([&] { return Await(io_, restarted.RunOnce(), kWait) == 0; }));
    EXPECT_EQ(Unsent(), 0);
    EXPECT_EQ(StreamOutboxIds().size(), static_cast<std::size_t>(2 * kOrders));  // resent

    RankingApplier applier(*events_, clock_);
    std::map<std::string, int> outcomes;
    applier.SetObserver([&](const char* o) { ++outcomes[o]; });
    auto consumer = Consumer(ConsumerOptions(kRankingGroup, "app-1"), applier.AsHandler());
    consumer->Start();
    EXPECT_TRUE(
        WaitFor([&] { return outcomes["applied"] + outcomes["duplicate"] == 2 * kOrders; }));
    EXPECT_TRUE(WaitFor([&] { return Pending(kRankingGroup) == 0; }));
    Stop(*consumer);

    EXPECT_EQ(outcomes["applied"], kOrders);
    EXPECT_EQ(outcomes["duplicate"], kOrders);
    for (const auto& [product, units] : expected) EXPECT_EQ(Units(now, product), units) << product;
}

TEST_F(EventsPipeline, DuplicatesCountOnceAndADeadConsumersEntriesAreReclaimed) {
    const std::int64_t now = ToEpochMillis(clock_.Now());
    // Orders 1..6, with 2 and 5 in the stream three times each.
    for (std::int64_t order : {1, 2, 3, 2, 4, 5, 5, 6, 2, 5}) {
        Redis({"XADD", std::string(kOrderPaidStream), "*", "outboxId", std::to_string(order),
               "orderId", std::to_string(order), "payload", Payload(order, now, {{42, order}})});
    }
    // A consumer that reads everything and dies before acknowledging any of it.
    int seen = 0;
    auto dying = Consumer(ConsumerOptions(kRankingGroup, "dying"),
                          [&seen](StreamEntry) -> asio::awaitable<Handled> {
                              ++seen;
                              co_return Handled::kRetry;
                          });
    dying->Start();
    EXPECT_TRUE(WaitFor([&] { return seen > 0; }));
    Stop(*dying);
    EXPECT_EQ(Pending(kRankingGroup), 10);

    RankingApplier applier(*events_, clock_);
    auto options = ConsumerOptions(kRankingGroup, "survivor");
    options.min_idle = std::chrono::milliseconds(300);  // the test's stand-in for 30 s
    options.reclaim_every = std::chrono::milliseconds(200);
    std::size_t reclaimed = 0;
    auto survivor = Consumer(options, applier.AsHandler());
    survivor->SetObserver([&](const char* outcome, std::size_t n) {
        if (std::string_view(outcome) == "reclaimed") reclaimed += n;
    });
    survivor->Start();
    EXPECT_TRUE(WaitFor([&] { return Pending(kRankingGroup) == 0; }));
    Stop(*survivor);

    EXPECT_EQ(reclaimed, 10u);
    EXPECT_EQ(Units(now, 42), 1 + 2 + 3 + 4 + 5 + 6);  // each order once
}

void EventsPipeline::ExpectNoEventLostOrAppliedTwiceAcrossRestarts(
    const std::function<void()>& restart) {
    const std::int64_t now = ToEpochMillis(clock_.Now());
    // Polled across restarts, when a command may fail while the client reconnects: a failure
    // reads as "not yet" (-1), where the fixture's Redis() would fail the test.
    auto units = [&]() -> std::int64_t {
        auto r = Await(io_, events_->Command({"ZSCORE", RankDayKey(now), "9"}), kWait);
        if (!r.ok() || r->IsError()) return -1;
        return r->IsNil() ? 0 : std::stoll(r->str);
    };
    auto insert = [&](std::int64_t first, std::int64_t last) {
        std::vector<std::pair<std::int64_t, std::string>> orders;
        for (std::int64_t i = first; i <= last; ++i)
            orders.emplace_back(i, Payload(i, now, {{9, 1}}));
        InsertOutbox(orders);
    };
    OutboxRelayOptions relay_options;
    relay_options.interval = std::chrono::milliseconds(50);
    OutboxRelay relay(io_.get_executor(), *pool_, *events_, clock_, relay_options);
    relay.Start();
    // 1. Ten events reach the stream before any consumer runs; Redis restarts; then the consumer
    //    starts and must still find all ten.
    insert(1, 10);
    EXPECT_TRUE(WaitFor([&] { return Unsent() == 0; }));
    restart();
    RankingApplier applier(*events_, clock_);
    auto options = ConsumerOptions(kRankingGroup, "ranker");
    auto consumer = Consumer(options, applier.AsHandler());
    consumer->Start();
    EXPECT_TRUE(WaitFor([&] { return units() == 10; }));
    // 2. Redis restarts under a running relay and consumer; more orders are paid meanwhile.
    insert(11, 20);
    restart();
    insert(21, 30);
    EXPECT_TRUE(WaitFor([&] { return Unsent() == 0 && units() == 30; }));
    // 3. Settled: nothing pending, nothing counted twice (the group's position and the dedupe
    //    keys survived the restarts).
    EXPECT_TRUE(WaitFor([&] { return Pending(kRankingGroup) == 0; }));
    Stop(*consumer);
    Stop(relay);
    EXPECT_EQ(Units(now, 9), 30);
    const auto ids = StreamOutboxIds();
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 30u);
}

TEST_F(EventsPipeline, RedisRestartsLoseNoEventAndApplyNoneTwice) {
    ExpectNoEventLostOrAppliedTwiceAcrossRestarts([this] { redis_.Restart(); });
}

TEST_F(EventsPipeline, RedisCrashesLoseNoEventAndApplyNoneTwice) {
    ExpectNoEventLostOrAppliedTwiceAcrossRestarts([this] {
        redis_.Kill9();
        redis_.Start();
    });
}

TEST_F(EventsPipeline, TopProductsByUnitsThenIdOverTheAskedDays) {
    db_.Sql(
        "INSERT INTO products (id, name, created_at) VALUES (3,'Cap',NOW(3)),(5,'Shirt',NOW(3)),"
        "(9,'Socks',NOW(3)),(12,'Bag',NOW(3))");
    const std::int64_t now = ToEpochMillis(clock_.Now());
    RankingApplier applier(*events_, clock_);
    auto apply = [&](std::int64_t order, std::int64_t paid_ms, std::vector<Item> items) {
        StreamEntry e;
        e.id = "0-1";
        e.fields.emplace_back("payload", Payload(order, paid_ms, items));
        EXPECT_EQ(Await(io_, applier.Handle(std::move(e)), kWait), Handled::kDone);
    };
    apply(1, now, {{5, 4}, {3, 3}});
    apply(2, now, {{12, 1}});
    apply(3, now - kDayMs, {{3, 1}, {9, 2}});
    apply(4, now - 5 * kDayMs, {{9, 10}});
    apply(4, now - 5 * kDayMs, {{9, 10}});  // a duplicate: not counted

    RankingService service(*events_, *pool_, clock_);
    auto top = [&](int count, int days) {
        auto r = Await(io_, service.TopJson(count, days), kWait);
        EXPECT_TRUE(r.ok());
        return r.ok() ? r.value() : std::string();
    };
    // Last 3 days: Cap 4 and Shirt 4 tie (id 3 first), then Socks 2, Bag 1.
    EXPECT_EQ(top(5, 3),
              R"({"days":3,"products":[{"rank":1,"productId":3,"name":"Cap","soldUnits":4},)"
              R"({"rank":2,"productId":5,"name":"Shirt","soldUnits":4},)"
              R"({"rank":3,"productId":9,"name":"Socks","soldUnits":2},)"
              R"({"rank":4,"productId":12,"name":"Bag","soldUnits":1}]})");
    EXPECT_EQ(top(1, 3),
              R"({"days":3,"products":[{"rank":1,"productId":3,"name":"Cap","soldUnits":4}]})");
    // Today only: Shirt 4, Cap 3, Bag 1.
    EXPECT_EQ(top(5, 1),
              R"({"days":1,"products":[{"rank":1,"productId":5,"name":"Shirt","soldUnits":4},)"
              R"({"rank":2,"productId":3,"name":"Cap","soldUnits":3},)"
              R"({"rank":3,"productId":12,"name":"Bag","soldUnits":1}]})");
    // A week: the order of 5 days ago counts (once).
    EXPECT_EQ(top(2, 7),
              R"({"days":7,"products":[{"rank":1,"productId":9,"name":"Socks","soldUnits":12},)"
              R"({"rank":2,"productId":3,"name":"Cap","soldUnits":4}]})");

    // Cached: a new sale shows once the entry has expired (polled, not timed).
    apply(5, now, {{12, 100}});
    EXPECT_TRUE(WaitFor([&] {
        return top(1, 1) ==
               R"({"days":1,"products":[{"rank":1,"productId":12,"name":"Bag","soldUnits":101}]})";
    }));

    // The handler: defaults, and V001 for out-of-range parameters.
    RankingHandler handler(service, clock_);
    http::Request request;
    request.path = "/api/products/top";
    request.query = "count=51";
    http::Response bad = Await(io_, handler.Top(request), kWait);
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("V001"), std::string::npos);
    request.query = "";
    http::Response good;
    EXPECT_TRUE(WaitFor([&] {  // (5, 3) was cached above: polled until it has expired
        good = Await(io_, handler.Top(request), kWait);
        return good.body.rfind(R"({"days":3,"products":[{"rank":1,"productId":12,)", 0) == 0;
    })) << good.body;
    EXPECT_EQ(good.status, 200);
}

TEST_F(EventsPipeline, DataPlatformGetsEveryOrderFromASinkFailingEveryThirdPost) {
    const char* build_dir = std::getenv("HHPLUS_BUILD_DIR");
    ASSERT_NE(build_dir, nullptr) << "run through ctest (HHPLUS_BUILD_DIR)";
    const std::string sink_binary = std::string(build_dir) + "/tools/sink/hhplus-sink";
    testing::TempDir dir("hhplus-sink");
    const std::uint16_t port = testing::FreePort();
    testing::ChildProcess sink({sink_binary, "--port", std::to_string(port), "--fail-every", "3"},
                               dir.path() / "sink.log");
    ASSERT_TRUE(testing::WaitForPort(port, kWait)) << sink.LogTail();

    constexpr int kOrders = 30;
    const std::int64_t now = ToEpochMillis(clock_.Now());
    std::vector<std::pair<std::int64_t, std::string>> orders;
    for (int i = 1; i <= kOrders; ++i) orders.emplace_back(i, Payload(i, now, {{1, 1}}));
    InsertOutbox(orders);
    OutboxRelay relay(io_.get_executor(), *pool_, *events_, clock_);
    relay.Start();

    auto url = ParseHttpUrl("http://127.0.0.1:" + std::to_string(port) + "/orders");
    ASSERT_TRUE(url.has_value());
    DataPlatformPoster poster(io_.get_executor(), *url);
    auto options = ConsumerOptions(kDataPlatformGroup, "app-1");
    options.min_idle = std::chrono::milliseconds(300);
    options.reclaim_every = std::chrono::milliseconds(200);
    auto consumer = Consumer(options, poster.AsHandler());
    consumer->Start();

    testing::HttpClient http(port);
    std::string stats;
    EXPECT_TRUE(WaitFor([&] {
        stats = http.Get("/stats").body;
        return testing::JsonInt(stats, "distinct") == kOrders;
    })) << stats;
    EXPECT_TRUE(WaitFor([&] { return Pending(kDataPlatformGroup) == 0; }));
    Stop(*consumer);
    Stop(relay);
    stats = http.Get("/stats").body;
    EXPECT_EQ(testing::JsonInt(stats, "distinct"), kOrders) << stats;
    EXPECT_GE(testing::JsonInt(stats, "failed"), 1) << stats;  // the sink did fail some
    EXPECT_GE(testing::JsonInt(stats, "received"), kOrders) << stats;
}

}  // namespace
}  // namespace hhplus::events
