#pragma once
// App: owns every component of one server process and their start/stop order.
//
//   start: redis clients → db pool → migrations + seed → hasher → routes → listen
//   stop:  readiness 503 → server drain (≤ 10 s) → db pool → redis clients → hasher
//
// Everything runs on one io_context (one thread); only argon2 hashing has its own small pool.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "app/metrics.hpp"
#include "app/routes.hpp"
#include "common/clock.hpp"
#include "common/config.hpp"
#include "db/pool.hpp"
#include "domain/auth/auth_handler.hpp"
#include "domain/balance/balance_handler.hpp"
#include "domain/cart/cart_handler.hpp"
#include "domain/catalog/catalog_handler.hpp"
#include "domain/coupon/coupon_handler.hpp"
#include "domain/events/data_platform_consumer.hpp"
#include "domain/events/outbox_relay.hpp"
#include "domain/events/ranking_consumer.hpp"
#include "domain/events/ranking_handler.hpp"
#include "domain/events/ranking_service.hpp"
#include "domain/events/stream_consumer.hpp"
#include "domain/order/order_handler.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "lock/lock_manager.hpp"
#include "redis/client.hpp"

namespace hhplus::app {

class App {
  public:
    App(boost::asio::io_context& io, Config config);
    ~App();

    // Starts everything; returns an error text when the process cannot serve (port in use,
    // database unreachable for the whole start-up budget...). Suspends until listening.
    boost::asio::awaitable<std::optional<std::string>> Start();
    // Graceful drain (api.md "Graceful drain"), then closes pools. Idempotent.
    boost::asio::awaitable<void> Stop();

    // /health, /health/ready, /metrics
    boost::asio::awaitable<http::Response> Health(http::Request request);
    boost::asio::awaitable<http::Response> Ready(http::Request request);
    boost::asio::awaitable<http::Response> MetricsText(http::Request request);

  private:
    void BuildEvents();  // the paid-order pipeline: relay, consumers, ranking
    void BuildRoutes();  // kRoutes (routes.hpp), each bound by HandlerOf
    http::Handler HandlerOf(RouteId id);
    boost::asio::awaitable<std::optional<std::string>> PrepareDatabase();
    boost::asio::awaitable<bool> PingRedis(redis::Client& client);

    boost::asio::io_context& io_;
    Config config_;
    SystemClock clock_;
    Metrics metrics_;
    bool draining_ = false;
    bool stopped_ = false;

    std::unique_ptr<redis::Client> session_redis_;
    std::unique_ptr<redis::Client> cache_redis_;
    std::vector<std::unique_ptr<redis::Client>> lock_redis_;  // strategy none: readiness pings only
    std::unique_ptr<lock::LockManager> locks_;                // strategies pubsub / polling
    std::unique_ptr<db::Pool> pool_;

    std::unique_ptr<auth::PasswordHasher> hasher_;
    std::unique_ptr<auth::UserStore> users_;
    std::unique_ptr<auth::SessionStore> sessions_;
    std::unique_ptr<auth::LoginLimiter> limiter_;
    std::unique_ptr<auth::AuthService> auth_;
    std::unique_ptr<auth::AuthHandler> auth_handler_;
    std::unique_ptr<balance::BalanceStore> balance_store_;
    std::unique_ptr<balance::BalanceService> balance_;
    std::unique_ptr<balance::BalanceHandler> balance_handler_;
    std::unique_ptr<coupon::CouponStore> coupon_store_;
    std::unique_ptr<coupon::CouponCache> coupon_cache_;
    std::unique_ptr<coupon::CouponService> coupons_;
    std::unique_ptr<coupon::CouponHandler> coupon_handler_;
    std::unique_ptr<catalog::CatalogStore> catalog_store_;
    std::unique_ptr<catalog::CatalogHandler> catalog_handler_;
    std::unique_ptr<cart::CartStore> cart_store_;
    std::unique_ptr<cart::CartHandler> cart_handler_;
    std::unique_ptr<order::OrderStore> order_store_;
    std::unique_ptr<order::OrderService> orders_;
    std::unique_ptr<order::OrderHandler> order_handler_;
    // The paid-order pipeline (docs/events.md); after pool_, so destroyed before it.
    std::unique_ptr<redis::Client> events_redis_;
    std::unique_ptr<events::OutboxRelay> relay_;
    std::unique_ptr<events::RankingApplier> ranking_applier_;
    std::unique_ptr<events::StreamConsumer> ranking_consumer_;
    std::unique_ptr<events::DataPlatformPoster> data_platform_;
    std::unique_ptr<events::StreamConsumer> data_platform_consumer_;
    std::unique_ptr<events::RankingService> ranking_;
    std::unique_ptr<events::RankingHandler> ranking_handler_;

    http::Router router_;
    std::unique_ptr<http::Server> server_;
};

}  // namespace hhplus::app
