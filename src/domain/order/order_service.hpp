#pragma once
// OrderService: placing, reading and paying orders, and the expiry sweeper every instance runs.
//
// A transaction InnoDB rolled back (deadlock, lock wait timeout) is run again once, within
// kRetryWindow: the store's fixed lock order makes deadlocks between our own transactions
// impossible, so this only covers InnoDB's rare internal ones, and no deadlock error reaches a
// user unless it repeats. Not thread-safe: everything runs on the one io_context.
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "domain/order/order_store.hpp"

namespace hhplus::order {

// A first attempt that took longer than this is not retried: its caller has waited enough.
inline constexpr std::chrono::milliseconds kRetryWindow{1000};
// Default ORDER_SWEEP_MS: expired orders give their stock back within about a second.
inline constexpr std::chrono::milliseconds kDefaultSweepInterval{1000};
// Orders per sweep transaction: 100 orders × ≤ 20 items is one small UPDATE per table; a
// backlog is drained by running passes back to back while they come back full.
inline constexpr int kSweepBatch = 100;

class OrderService {
  public:
    OrderService(OrderStore& store, const Clock& clock, std::int64_t ttl_ms)
        : store_(store), clock_(clock), ttl_ms_(ttl_ms) {}

    boost::asio::awaitable<Result<Order>> Place(std::int64_t user_id, std::vector<Line> lines,
                                                std::optional<std::int64_t> coupon_id);
    boost::asio::awaitable<Result<Order>> Get(std::int64_t order_id, std::int64_t user_id);
    boost::asio::awaitable<Result<std::vector<Order>>> List(std::int64_t user_id, int limit,
                                                            std::int64_t before_id);
    boost::asio::awaitable<Result<Paid>> Pay(std::int64_t order_id, std::int64_t user_id,
                                             std::optional<std::string> idempotency_key);

    // One sweep to completion (passes until one comes back short); how many expired.
    boost::asio::awaitable<Result<int>> SweepOnce();

    // The sweeper: SweepOnce every `interval` until StopSweeper. Failures are logged and the
    // next tick tries again (the database may be restarting).
    void StartSweeper(boost::asio::any_io_executor ex, std::chrono::milliseconds interval);
    void StopSweeper();
    // Called with the number of orders each sweep expired (metrics).
    void SetExpiryObserver(std::function<void(int)> observer) { on_expired_ = std::move(observer); }
    // Called after each committed payment with its outbox row's id and payload (not for a
    // replayed answer): the app publishes the event at once.
    void SetPaidObserver(
        std::function<void(std::int64_t outbox_id, std::int64_t order_id, const std::string& event)>
            observer) {
        on_paid_ = std::move(observer);
    }

  private:
    boost::asio::awaitable<void> SweepLoop(std::chrono::milliseconds interval);

    OrderStore& store_;
    const Clock& clock_;
    std::int64_t ttl_ms_;
    std::function<void(int)> on_expired_;
    std::function<void(std::int64_t, std::int64_t, const std::string&)> on_paid_;
    std::optional<boost::asio::steady_timer> sweep_timer_;
    bool sweeping_ = false;
};

}  // namespace hhplus::order
