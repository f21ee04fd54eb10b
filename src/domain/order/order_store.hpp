#pragma once
// OrderStore: orders, their reservations and their payment, in MariaDB.
//
// Lock order, the same in every transaction that takes more than one (so none can deadlock
// another): orders rows → the user's row → the user's coupon row → product_options rows in
// ascending id. Placing an order locks only options (ascending); a payment takes all four; the
// expiry sweep takes orders then options; a balance charge takes only the user's row.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "db/pool.hpp"
#include "domain/order/order.hpp"

namespace hhplus::order {

struct PaymentKey {
    std::string key;
    std::string request_hash;  // SHA-256 of "pay:<orderId>"
};

struct Paid {
    Order order;
    std::int64_t balance = 0;  // after the payment
    // The outbox row this payment committed (0 for a replayed answer), and its payload: the
    // instance publishes it at once (OutboxRelay::Publish).
    std::int64_t outbox_id = 0;
    std::string event;
};

class OrderStore {
  public:
    explicit OrderStore(db::Pool& pool) : pool_(pool) {}

    // One transaction: the options locked in ascending id order, every line checked against
    // `stock − reserved` and reserved, the order and its items written. Refusals (api.md order):
    // P002, C006/C007/C008/C003, P003 — nothing reserved then. `retryable` is set when InnoDB
    // rolled the transaction back (a deadlock or lock wait timeout): the caller may run it again.
    boost::asio::awaitable<Result<Order>> Create(std::int64_t user_id, std::vector<Line> lines,
                                                 std::optional<std::int64_t> coupon_id,
                                                 std::int64_t now_ms, std::int64_t ttl_ms,
                                                 bool& retryable);

    // The user's order; O001 when missing or another user's.
    boost::asio::awaitable<Result<Order>> Get(std::int64_t order_id, std::int64_t user_id);
    // Newest first; orders with id < before_id (0: from the newest).
    boost::asio::awaitable<Result<std::vector<Order>>> ListForUser(std::int64_t user_id, int limit,
                                                                   std::int64_t before_id);

    // One transaction (api.md "Payment"): with `key`, a stored answer for it is replayed (another
    // order's key → B002) and a new answer, success or refusal, is stored with the outcome.
    boost::asio::awaitable<Result<Paid>> Pay(std::int64_t order_id, std::int64_t user_id,
                                             std::optional<PaymentKey> key, std::int64_t now_ms,
                                             bool& retryable);

    // One sweep step: up to `max_orders` pending orders past their expiry (at `now_ms`), claimed
    // with FOR UPDATE SKIP LOCKED, become EXPIRED and give their reservations back, in one
    // transaction. Returns how many expired.
    boost::asio::awaitable<Result<int>> ExpireDue(std::int64_t now_ms, int max_orders);

  private:
    db::Pool& pool_;
};

}  // namespace hhplus::order
