#include "app/app.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"
#include "db/migrations.hpp"
#include "http/json.hpp"

namespace hhplus::app {

namespace asio = boost::asio;

namespace {

// At start-up the database may still be booting (10 apps and MariaDB started together): retry
// for up to 60 s (120 × 500 ms) before giving up with a clear message.
constexpr int kStartupDbAttempts = 120;
constexpr std::chrono::milliseconds kStartupDbRetry{500};
// Connections per app beyond the pool: nginx keeps ≤ 64 idle upstream connections per app and a
// load test may open a few hundred directly; 10,000 leaves room and stays far below the
// process's open-file limit (≥ 20,000 here; the server checks at start).
constexpr std::size_t kMaxConnections = 10'000;

std::unique_ptr<redis::Client> MakeRedis(asio::io_context& io, const redis::Endpoint& endpoint,
                                         const std::string& role, Metrics& metrics) {
    redis::ClientOptions options;
    options.role = role;
    auto& counter = metrics.RedisCommands(role);
    options.on_commands_sent = [&counter](std::size_t n) {
        counter.Increment(static_cast<double>(n));
    };
    auto client = std::make_unique<redis::Client>(io.get_executor(), endpoint, std::move(options));
    client->Start();
    return client;
}

}  // namespace

App::App(asio::io_context& io, Config config) : io_(io), config_(std::move(config)) {
    session_redis_ = MakeRedis(io_, config_.redis_session, "session", metrics_);
    cache_redis_ = MakeRedis(io_, config_.redis_cache, "cache", metrics_);
    if (config_.coupon_strategy == CouponStrategy::kNone) {
        for (const auto& endpoint : config_.redis_locks) {
            lock_redis_.push_back(MakeRedis(io_, endpoint, "lock", metrics_));
        }
    } else {
        std::vector<redis::Endpoint> masters = config_.redis_locks;
        lock::LockOptions options;
        options.mode = config_.coupon_strategy == CouponStrategy::kPolling ? lock::Mode::kPolling
                                                                           : lock::Mode::kPubSub;
        options.ttl = std::chrono::milliseconds(config_.lock_ttl_ms);
        options.retry_interval = std::chrono::milliseconds(config_.lock_retry_ms);
        options.client.role = "lock";
        auto& counter = metrics_.RedisCommands("lock");
        options.client.on_commands_sent = [&counter](std::size_t n) {
            counter.Increment(static_cast<double>(n));
        };
        const std::string strategy = StrategyName(config_.coupon_strategy);
        lock::LockMetrics hooks;
        hooks.on_acquire = [this, strategy](std::string_view result, double seconds) {
            metrics_.CountLockAcquire(strategy, result, seconds);
        };
        hooks.on_wakeup = [this] { metrics_.CountLockWakeup(); };
        hooks.on_lost = [this] { metrics_.CountLockLost(); };
        locks_ = std::make_unique<lock::LockManager>(io_.get_executor(), std::move(masters),
                                                     std::move(options), std::move(hooks));
        locks_->Start();
    }
    db::PoolOptions pool_options;
    pool_options.size = static_cast<std::size_t>(config_.db_pool_size);
    pool_ = std::make_unique<db::Pool>(io_.get_executor(), config_.database, pool_options);
    pool_->SetWaitObserver([this](double seconds) { metrics_.ObserveDbWait(seconds); });

    auth::HasherOptions hasher_options;
    hasher_options.memory_kib = config_.argon2_memory_kib;
    hasher_options.iterations = config_.argon2_iterations;
    hasher_options.queue_limit = static_cast<std::size_t>(config_.hash_queue_limit);
    hasher_options.wait = std::chrono::milliseconds(config_.hash_wait_ms);
    hasher_ = std::make_unique<auth::PasswordHasher>(io_.get_executor(), hasher_options);

    users_ = std::make_unique<auth::UserStore>(*pool_);
    sessions_ = std::make_unique<auth::SessionStore>(*session_redis_);
    limiter_ = std::make_unique<auth::LoginLimiter>(*cache_redis_);
    // The dummy hash is computed once, here, with the configured cost: logins for unknown
    // emails then verify against it and take as long as real ones.
    auth_ =
        std::make_unique<auth::AuthService>(*users_, *sessions_, *limiter_, *hasher_,
                                            hasher_->HashBlocking("no-such-user-dummy-password"));
    auth_handler_ = std::make_unique<auth::AuthHandler>(*auth_, clock_, config_.cookie_secure);
    balance_store_ = std::make_unique<balance::BalanceStore>(*pool_);
    balance_ = std::make_unique<balance::BalanceService>(*balance_store_, clock_);
    balance_handler_ = std::make_unique<balance::BalanceHandler>(*balance_, *auth_, clock_,
                                                                 config_.admin_token.value_or(""));
    coupon_store_ = std::make_unique<coupon::CouponStore>(*pool_);
    coupon_cache_ = std::make_unique<coupon::CouponCache>(*cache_redis_);
    coupons_ = std::make_unique<coupon::CouponService>(*coupon_store_, *coupon_cache_, clock_);
    coupons_->SetOutcomeObserver(
        [this](const char* outcome) { metrics_.CountCouponOutcome(outcome); });
    coupons_->SetBatchObserver(
        [this](const char* result, std::size_t size) { metrics_.CountCouponBatch(result, size); });
    if (locks_) coupons_->UseLock(locks_.get());
    coupons_->SetWaitBudget(std::chrono::milliseconds(config_.lock_wait_ms));
    coupon_handler_ = std::make_unique<coupon::CouponHandler>(*coupons_, *auth_, clock_,
                                                              config_.admin_token.value_or(""));
    catalog_store_ = std::make_unique<catalog::CatalogStore>(*pool_);
    catalog_handler_ = std::make_unique<catalog::CatalogHandler>(*catalog_store_, clock_,
                                                                 config_.admin_token.value_or(""));
    cart_store_ = std::make_unique<cart::CartStore>(*pool_);
    cart_handler_ = std::make_unique<cart::CartHandler>(*cart_store_, *auth_, clock_);
    order_store_ = std::make_unique<order::OrderStore>(*pool_);
    orders_ = std::make_unique<order::OrderService>(*order_store_, clock_, config_.order_ttl_ms);
    orders_->SetExpiryObserver([this](int n) { metrics_.CountOrdersExpired(n); });
    order_handler_ = std::make_unique<order::OrderHandler>(*orders_, *auth_, clock_);
    BuildEvents();
    BuildRoutes();

    http::ServerOptions server_options;
    server_options.bind_address = config_.bind_address;
    server_options.port = config_.port;
    server_options.instance_name = config_.instance_name;
    server_options.max_connections = kMaxConnections;
    server_ = std::make_unique<http::Server>(io_, server_options, router_, clock_);
    server_->SetObserver([this](const http::RequestRecord& r) {
        metrics_.ObserveRequest(r.route, r.method, r.status, r.seconds);
    });
}

App::~App() = default;

void App::BuildEvents() {
    events_redis_ = MakeRedis(io_, config_.redis_events, "events", metrics_);
    events::OutboxRelayOptions relay_options;
    relay_options.interval = std::chrono::milliseconds(config_.outbox_relay_ms);
    relay_options.grace = events::kPublisherGrace;  // payments publish their own rows at once
    relay_ = std::make_unique<events::OutboxRelay>(io_.get_executor(), *pool_, *events_redis_,
                                                   clock_, relay_options);
    // Each consumer blocks on its own connection (stream_consumer.hpp); its name must be unique
    // per instance within the group.
    auto make_consumer = [this](std::string_view group, events::EntryHandler handler) {
        events::StreamConsumerOptions o;
        o.stream = std::string(events::kOrderPaidStream);
        o.group = std::string(group);
        o.consumer = config_.instance_name;
        redis::ClientOptions client;
        client.role = "events-consumer";
        auto& counter = metrics_.RedisCommands("events-consumer");
        client.on_commands_sent = [&counter](std::size_t n) {
            counter.Increment(static_cast<double>(n));
        };
        return std::make_unique<events::StreamConsumer>(io_.get_executor(), config_.redis_events,
                                                        std::move(client), std::move(o),
                                                        std::move(handler));
    };
    ranking_applier_ = std::make_unique<events::RankingApplier>(*events_redis_, clock_);
    ranking_consumer_ = make_consumer(events::kRankingGroup, ranking_applier_->AsHandler());
    if (config_.data_platform_url) {
        data_platform_ = std::make_unique<events::DataPlatformPoster>(io_.get_executor(),
                                                                      *config_.data_platform_url);
        data_platform_consumer_ =
            make_consumer(events::kDataPlatformGroup, data_platform_->AsHandler());
    }
    orders_->SetPaidObserver(
        [this](std::int64_t outbox_id, std::int64_t order_id, const std::string& event) {
            relay_->Publish(outbox_id, order_id, event);
        });
    ranking_ = std::make_unique<events::RankingService>(*events_redis_, *pool_, clock_);
    ranking_handler_ = std::make_unique<events::RankingHandler>(*ranking_, clock_);
}

void App::BuildRoutes() {
    for (const RouteSpec& route : kRoutes) {
        if (route.access == Access::kAdmin && !config_.admin_token) continue;
        router_.Add(route.method, std::string(route.pattern), HandlerOf(route.id), route.body);
    }
}

http::Handler App::HandlerOf(RouteId id) {
    // Each handler is a member coroutine; the lambdas only forward (they are not coroutines, so
    // capturing a pointer whose owner outlives the server is safe).
    auto* a = auth_handler_.get();
    auto* b = balance_handler_.get();
    auto* c = coupon_handler_.get();
    auto* p = catalog_handler_.get();
    auto* t = ranking_handler_.get();
    auto* k = cart_handler_.get();
    auto* o = order_handler_.get();
    switch (id) {  // no default: a RouteId without a case here is a -Wswitch error
        case RouteId::kHealth:
            return [this](http::Request r) { return Health(std::move(r)); };
        case RouteId::kReady:
            return [this](http::Request r) { return Ready(std::move(r)); };
        case RouteId::kMetrics:
            return [this](http::Request r) { return MetricsText(std::move(r)); };
        case RouteId::kSignup:
            return [a](http::Request r) { return a->Signup(std::move(r)); };
        case RouteId::kLogin:
            return [a](http::Request r) { return a->Login(std::move(r)); };
        case RouteId::kLogout:
            return [a](http::Request r) { return a->Logout(std::move(r)); };
        case RouteId::kMe:
            return [a](http::Request r) { return a->Me(std::move(r)); };
        case RouteId::kBalance:
            return [b](http::Request r) { return b->Get(std::move(r)); };
        case RouteId::kCharge:
            return [b](http::Request r) { return b->Charge(std::move(r)); };
        case RouteId::kBalanceLogs:
            return [b](http::Request r) { return b->Logs(std::move(r)); };
        case RouteId::kMyCoupons:
            return [c](http::Request r) { return c->ListMine(std::move(r)); };
        case RouteId::kCoupon:
            return [c](http::Request r) { return c->Get(std::move(r)); };
        case RouteId::kIssueCoupon:
            return [c](http::Request r) { return c->Issue(std::move(r)); };
        case RouteId::kProducts:
            return [p](http::Request r) { return p->List(std::move(r)); };
        case RouteId::kTopProducts:
            return [t](http::Request r) { return t->Top(std::move(r)); };
        case RouteId::kProduct:
            return [p](http::Request r) { return p->Get(std::move(r)); };
        case RouteId::kCart:
            return [k](http::Request r) { return k->Get(std::move(r)); };
        case RouteId::kSetCart:
            return [k](http::Request r) { return k->Set(std::move(r)); };
        case RouteId::kRemoveCartLine:
            return [k](http::Request r) { return k->Remove(std::move(r)); };
        case RouteId::kPlaceOrder:
            return [o](http::Request r) { return o->Place(std::move(r)); };
        case RouteId::kOrder:
            return [o](http::Request r) { return o->Get(std::move(r)); };
        case RouteId::kMyOrders:
            return [o](http::Request r) { return o->ListMine(std::move(r)); };
        case RouteId::kPayOrder:
            return [o](http::Request r) { return o->Pay(std::move(r)); };
        case RouteId::kAdminCreateCoupon:
            return [c](http::Request r) { return c->AdminCreate(std::move(r)); };
        case RouteId::kAdminCouponAudit:
            return [c](http::Request r) { return c->AdminAudit(std::move(r)); };
        case RouteId::kAdminCreateProduct:
            return [p](http::Request r) { return p->AdminCreate(std::move(r)); };
        case RouteId::kAdminChangeStock:
            return [p](http::Request r) { return p->AdminChangeStock(std::move(r)); };
        case RouteId::kAdminOptionAudit:
            return [p](http::Request r) { return p->AdminAudit(std::move(r)); };
        case RouteId::kAdminBalanceAudit:
            return [b](http::Request r) { return b->AdminAudit(std::move(r)); };
    }
    return nullptr;  // not a RouteId: Router::Add refuses a route without a handler
}

asio::awaitable<std::optional<std::string>> App::PrepareDatabase() {
    asio::steady_timer timer(io_);
    std::string last_error;
    for (int attempt = 1; attempt <= kStartupDbAttempts; ++attempt) {
        auto applied = co_await db::Migrate(*pool_, db::EmbeddedMigrations());
        if (applied.ok()) {
            if (applied.value() > 0)
                log::Info("applied " + std::to_string(applied.value()) + " migration(s)");
            auto seeded = co_await coupon_store_->SeedIfEmpty(config_.seed_coupon_quantity);
            if (seeded.ok())
                seeded = co_await catalog_store_->SeedIfEmpty(ToEpochMillis(clock_.Now()));
            if (seeded.ok()) co_return std::nullopt;
            last_error = seeded.error().detail;
        } else {
            last_error = applied.error().detail;
            if (applied.error().code != db::Errc::kUnavailable &&
                applied.error().code != db::Errc::kTimeout) {
                co_return "database migration failed: " + last_error;
            }
        }
        if (attempt == 1 || attempt % 10 == 0)
            log::Warn("database not ready yet (" + last_error + "), retrying");
        timer.expires_after(kStartupDbRetry);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return "database unreachable for 60 s at start-up: " + last_error;
}

asio::awaitable<std::optional<std::string>> App::Start() {
    log::Info("starting: strategy=" + std::string(StrategyName(config_.coupon_strategy)) +
              " db_pool=" + std::to_string(config_.db_pool_size));
    if (auto failed = co_await PrepareDatabase()) co_return failed;
    if (auto failed = server_->Listen())
        co_return "cannot listen on " + config_.bind_address + ":" + std::to_string(config_.port) +
            ": " + *failed;
    orders_->StartSweeper(io_.get_executor(), std::chrono::milliseconds(config_.order_sweep_ms));
    relay_->Start();
    ranking_consumer_->Start();
    if (data_platform_consumer_) data_platform_consumer_->Start();
    log::Info("listening on " + config_.bind_address + ":" + std::to_string(server_->port()));
    co_return std::nullopt;
}

asio::awaitable<void> App::Stop() {
    if (stopped_) co_return;
    stopped_ = true;
    draining_ = true;  // readiness answers 503 from now on
    log::Info("draining: " + std::to_string(server_->ActiveConnections()) + " connection(s) open");
    co_await server_->Shutdown();
    orders_->StopSweeper();
    co_await relay_->Stop();
    co_await ranking_consumer_->Stop();
    if (data_platform_consumer_) co_await data_platform_consumer_->Stop();
    co_await pool_->Close();
    session_redis_->Stop();
    cache_redis_->Stop();
    events_redis_->Stop();
    for (auto& c : lock_redis_) c->Stop();
    if (locks_) locks_->Stop();
    hasher_->Stop();
    log::Info("stopped");
}

asio::awaitable<http::Response> App::Health(http::Request) {
    co_return http::Json(200, R"({"status":"ok"})");
}

asio::awaitable<bool> App::PingRedis(redis::Client& client) {
    if (!client.Connected()) co_return false;
    std::vector<std::string> ping{"PING"};
    auto r = co_await client.Command(std::move(ping));
    co_return r.ok() && !r->IsError();
}

asio::awaitable<http::Response> App::Ready(http::Request) {
    bool db_up = false;
    {
        auto conn = co_await pool_->Acquire();
        if (conn.ok()) {
            auto r = co_await conn->Query("SELECT 1");
            db_up = r.ok();
        }
    }
    const bool session_up = co_await PingRedis(*session_redis_);
    const bool cache_up = co_await PingRedis(*cache_redis_);
    bool lock_quorum = false;
    if (locks_) {
        lock_quorum = locks_->QuorumAvailable();
    } else {
        std::size_t lock_up = 0;
        for (auto& c : lock_redis_) lock_up += (co_await PingRedis(*c)) ? 1 : 0;
        lock_quorum = lock_up >= lock_redis_.size() / 2 + 1;
    }
    const bool ready = !draining_ && db_up && session_up && cache_up && lock_quorum;
    auto state = [](bool up) { return up ? "up" : "down"; };
    http::JsonWriter w(160);
    w.StartObject()
        .Key("status")
        .String(ready ? "ready" : (draining_ ? "draining" : "not_ready"))
        .Key("checks")
        .StartObject()
        .Key("db")
        .String(state(db_up))
        .Key("redisSession")
        .String(state(session_up))
        .Key("redisLock")
        .String(state(lock_quorum))
        .Key("redisCache")
        .String(state(cache_up))
        .EndObject()
        .EndObject();
    co_return http::Json(ready ? 200 : 503, w.Finish());
}

asio::awaitable<http::Response> App::MetricsText(http::Request) {
    metrics_.SetDbPool(pool_->Idle(), pool_->Busy());
    http::Response r = http::Json(200, metrics_.Render());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    co_return r;
}

}  // namespace hhplus::app
