#include "domain/order/order_service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"
#include "domain/crypto.hpp"

namespace hhplus::order {

namespace asio = boost::asio;

asio::awaitable<Result<Order>> OrderService::Place(std::int64_t user_id, std::vector<Line> lines,
                                                   std::optional<std::int64_t> coupon_id) {
    const auto started = std::chrono::steady_clock::now();
    bool retryable = false;
    auto placed = co_await store_.Create(user_id, lines, coupon_id, ToEpochMillis(clock_.Now()),
                                         ttl_ms_, retryable);
    if (placed.ok() || !retryable || std::chrono::steady_clock::now() - started > kRetryWindow) {
        co_return placed;
    }
    co_return co_await store_.Create(user_id, std::move(lines), coupon_id,
                                     ToEpochMillis(clock_.Now()), ttl_ms_, retryable);
}

asio::awaitable<Result<Order>> OrderService::Get(std::int64_t order_id, std::int64_t user_id) {
    co_return co_await store_.Get(order_id, user_id);
}

asio::awaitable<Result<std::vector<Order>>> OrderService::List(std::int64_t user_id, int limit,
                                                               std::int64_t before_id) {
    co_return co_await store_.ListForUser(user_id, limit, before_id);
}

asio::awaitable<Result<Paid>> OrderService::Pay(std::int64_t order_id, std::int64_t user_id,
                                                std::optional<std::string> idempotency_key) {
    std::optional<PaymentKey> key;
    if (idempotency_key) {
        // The request's identity: which order. The same key sent to a charge hashes differently
        // ("charge:<amount>"), so reusing a key across routes is B002.
        key = PaymentKey{std::move(*idempotency_key),
                         domain::Sha256Hex("pay:" + std::to_string(order_id))};
    }
    const auto started = std::chrono::steady_clock::now();
    bool retryable = false;
    auto paid = co_await store_.Pay(order_id, user_id, key, ToEpochMillis(clock_.Now()), retryable);
    if (!paid.ok() && retryable && std::chrono::steady_clock::now() - started <= kRetryWindow) {
        paid = co_await store_.Pay(order_id, user_id, std::move(key), ToEpochMillis(clock_.Now()),
                                   retryable);
    }
    if (paid.ok() && paid->outbox_id != 0 && on_paid_) {
        on_paid_(paid->outbox_id, paid->order.id, paid->event);
    }
    co_return paid;
}

asio::awaitable<Result<int>> OrderService::SweepOnce() {
    int total = 0;
    for (;;) {
        auto expired = co_await store_.ExpireDue(ToEpochMillis(clock_.Now()), kSweepBatch);
        if (!expired.ok()) co_return std::move(expired).error();
        total += expired.value();
        if (expired.value() < kSweepBatch) break;
    }
    if (total > 0 && on_expired_) on_expired_(total);
    co_return total;
}

void OrderService::StartSweeper(asio::any_io_executor ex, std::chrono::milliseconds interval) {
    if (sweeping_) return;
    sweeping_ = true;
    sweep_timer_.emplace(ex);
    asio::co_spawn(ex, SweepLoop(interval), asio::detached);
}

void OrderService::StopSweeper() {
    sweeping_ = false;
    if (sweep_timer_) sweep_timer_->cancel();
}

asio::awaitable<void> OrderService::SweepLoop(std::chrono::milliseconds interval) {
    while (sweeping_) {
        auto swept = co_await SweepOnce();
        if (!swept.ok()) log::Warn("order sweep failed: " + swept.error().detail);
        if (!sweeping_) break;
        sweep_timer_->expires_after(interval);
        boost::system::error_code ec;
        co_await sweep_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

}  // namespace hhplus::order
