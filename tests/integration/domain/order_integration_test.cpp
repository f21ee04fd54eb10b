// Orders against a real MariaDB, many coroutines at once on one io_context: no oversell, no
// deadlock reaching a caller, and a payment racing the expiry of the same order — one wins.
#include <utility>

#include <gtest/gtest.h>

#include "domain/balance/balance_service.hpp"
#include "domain/catalog/catalog_store.hpp"
#include "domain/order/order_service.hpp"
#include "tests/integration/domain/domain_fixture.hpp"

namespace hhplus {
namespace {

class OrderIntegration : public DomainFixture {
  protected:
    // A product with one option per stock; returns the option ids (ascending).
    std::vector<std::int64_t> NewProduct(const std::vector<std::int64_t>& stocks,
                                         std::int64_t price = 1000) {
        catalog::CatalogStore catalog(*pool_);
        std::vector<catalog::NewOption> options;
        for (std::size_t i = 0; i < stocks.size(); ++i) {
            options.push_back({"c" + std::to_string(i), "M", price, stocks[i]});
        }
        auto created = Run(catalog.Create("test product", options, ToEpochMillis(clock_.Now())));
        EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().detail);
        std::vector<std::int64_t> ids;
        if (created.ok()) {
            for (const auto& o : created->options) ids.push_back(o.id);
        }
        return ids;
    }

    catalog::OptionAudit AuditOf(std::int64_t option) {
        catalog::CatalogStore catalog(*pool_);
        auto audit = Run(catalog.Audit(option));
        EXPECT_TRUE(audit.ok());
        return audit.ok() ? audit.value() : catalog::OptionAudit{};
    }

    void ExpectIdentities(std::int64_t option) {
        const auto a = AuditOf(option);
        EXPECT_EQ(a.initial_stock + a.added_stock - a.sold_units, a.stock) << "option " << option;
        EXPECT_EQ(a.reserved, a.pending_units) << "option " << option;
    }

    void Charge(std::int64_t user, std::int64_t amount) {
        balance::BalanceStore store(*pool_);
        balance::BalanceService service(store, clock_);
        auto r = Run(service.Charge(user, amount, std::nullopt));
        EXPECT_TRUE(r.ok());
    }
};

TEST_F(OrderIntegration, TwoHundredConcurrentOrdersOnAStockOfOneHundredReserveExactlyOneHundred) {
    const auto option = NewProduct({100}).at(0);
    order::OrderStore store(*pool_);
    order::OrderService service(store, clock_, order::kDefaultOrderTtlMs);
    constexpr int kOrders = 200;
    std::vector<std::int64_t> users;
    for (int i = 0; i < kOrders; ++i)
        users.push_back(NewUser("rush" + std::to_string(i) + "@t.co"));
    int placed = 0, sold_out = 0, done = 0;
    std::vector<std::string> other;
    for (int i = 0; i < kOrders; ++i) {
        asio::co_spawn(
            io_,
            [&, i]() -> asio::awaitable<void> {
                // Named arguments: g++ 12 destroys a braced temporary inside co_await twice.
                std::vector<order::Line> lines{{option, 1}};
                auto r = co_await service.Place(users[i], std::move(lines), std::nullopt);
                if (r.ok()) {
                    ++placed;
                } else if (r.error().code == ErrorCode::kOutOfStock) {
                    ++sold_out;
                } else {
                    other.push_back(r.error().detail);
                }
                ++done;
            },
            asio::detached);
    }
    RunUntil([&] { return done == kOrders; });
    EXPECT_EQ(placed, 100);
    EXPECT_EQ(sold_out, 100);
    EXPECT_TRUE(other.empty()) << other.front();
    const auto a = AuditOf(option);
    EXPECT_EQ(a.reserved, 100);
    EXPECT_EQ(a.pending_units, 100);
    EXPECT_EQ(a.stock, 100);
}

TEST_F(OrderIntegration, MultiItemOrdersInOppositeOrderNeverSurfaceADeadlock) {
    const auto options = NewProduct({1'000'000, 1'000'000, 1'000'000});
    order::OrderStore store(*pool_);
    order::OrderService service(store, clock_, order::kDefaultOrderTtlMs);
    const auto user = NewUser("deadlock@t.co");
    constexpr int kPairs = 500;
    constexpr int kInFlight = 16;  // pairs at once: enough to contend, within the pool of 8
    int done = 0, started = 0;
    std::vector<std::string> failures;
    std::function<void()> start_next;
    auto pair = [&](int i) -> asio::awaitable<void> {
        // Item lists written in opposite orders, sharing two options.
        const std::vector<order::Line> forward{{options[0], 1}, {options[1], 1}, {options[2], 1}};
        const std::vector<order::Line> backward{{options[2], 1}, {options[1], 1}, {options[0], 1}};
        std::vector<order::Line> lines = backward;
        if (i % 2) lines = forward;
        auto r = co_await service.Place(user, std::move(lines), std::nullopt);
        if (!r.ok()) failures.push_back(r.error().detail);
        ++done;
        start_next();
    };
    start_next = [&] {
        if (started >= 2 * kPairs) return;
        const int i = started++;
        asio::co_spawn(io_, pair(i), asio::detached);
    };
    for (int i = 0; i < 2 * kInFlight; ++i) start_next();
    RunUntil([&] { return done == 2 * kPairs; });
    EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
    for (auto option : options) {
        EXPECT_EQ(AuditOf(option).reserved, 2 * kPairs);
        ExpectIdentities(option);
    }
}

TEST_F(OrderIntegration, PaymentRacingExpiryOneOfThemWins) {
    const auto option = NewProduct({1000}).at(0);
    order::OrderStore store(*pool_);
    constexpr int kOrders = 60;
    constexpr std::int64_t kTtl = 60'000;
    const std::int64_t now = ToEpochMillis(clock_.Now());
    std::vector<std::int64_t> users, orders;
    for (int i = 0; i < kOrders; ++i) {
        users.push_back(NewUser("race" + std::to_string(i) + "@t.co"));
        Charge(users.back(), 10'000);
        bool retryable = false;
        auto placed =
            Run(store.Create(users.back(), {{option, 2}}, std::nullopt, now, kTtl, retryable));
        ASSERT_TRUE(placed.ok());
        orders.push_back(placed->id);
    }
    // The payment runs an instant before the expiry, the sweep an instant after: each is
    // allowed by its own clock, so only the row lock decides. Sweeps run in small batches
    // concurrently with the payments.
    int paid = 0, refused_expired = 0, done = 0, swept = 0, sweeps_done = 0;
    std::vector<std::string> other;
    for (int i = 0; i < kOrders; ++i) {
        asio::co_spawn(
            io_,
            [&, i]() -> asio::awaitable<void> {
                bool retryable = false;
                auto r = co_await store.Pay(orders[i], users[i], std::nullopt, now + kTtl - 1,
                                            retryable);
                if (r.ok()) {
                    ++paid;
                } else if (r.error().code == ErrorCode::kOrderExpired) {
                    ++refused_expired;
                } else {
                    other.push_back(r.error().detail);
                }
                ++done;
            },
            asio::detached);
        if (i % 6 == 0) {
            asio::co_spawn(
                io_,
                [&]() -> asio::awaitable<void> {
                    auto r = co_await store.ExpireDue(now + kTtl + 1, 5);
                    if (r.ok()) swept += r.value();
                    ++sweeps_done;
                },
                asio::detached);
        }
    }
    RunUntil([&] { return done == kOrders && sweeps_done == kOrders / 6; });
    // Whatever the sweeps left behind.
    auto rest = Run(store.ExpireDue(now + kTtl + 1, 1000));
    ASSERT_TRUE(rest.ok());
    swept += rest.value();
    EXPECT_TRUE(other.empty()) << other.front();
    EXPECT_EQ(paid + refused_expired, kOrders);
    EXPECT_EQ(swept, refused_expired);  // each order expired once, none that was paid
    int paid_rows = 0, expired_rows = 0;
    for (int i = 0; i < kOrders; ++i) {
        auto o = Run(store.Get(orders[i], users[i]));
        ASSERT_TRUE(o.ok());
        paid_rows += o->status == order::Status::kPaid;
        expired_rows += o->status == order::Status::kExpired;
    }
    EXPECT_EQ(paid_rows, paid);
    EXPECT_EQ(expired_rows, refused_expired);
    const auto a = AuditOf(option);
    EXPECT_EQ(a.sold_units, 2 * paid);
    EXPECT_EQ(a.reserved, 0);
    ExpectIdentities(option);
}

TEST_F(OrderIntegration, TheSweeperExpiresOrdersAndGivesTheirStockBack) {
    const auto option = NewProduct({5}).at(0);
    order::OrderStore store(*pool_);
    // A short TTL and sweep interval; the wait below is generous, the assertions exact.
    order::OrderService service(store, clock_, /*ttl_ms=*/200);
    const auto user = NewUser("sweep@t.co");
    auto placed = Run(service.Place(user, {{option, 3}}, std::nullopt));
    ASSERT_TRUE(placed.ok());
    EXPECT_EQ(AuditOf(option).reserved, 3);
    int expired = 0;
    service.SetExpiryObserver([&](int n) { expired += n; });
    service.StartSweeper(io_.get_executor(), std::chrono::milliseconds(50));
    RunUntil([&] { return expired >= 1; });
    service.StopSweeper();
    auto o = Run(service.Get(placed->id, user));
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->status, order::Status::kExpired);
    EXPECT_EQ(AuditOf(option).reserved, 0);
    ExpectIdentities(option);
    auto late = Run(service.Pay(placed->id, user, std::nullopt));
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().code, ErrorCode::kOrderExpired);
}

}  // namespace
}  // namespace hhplus
