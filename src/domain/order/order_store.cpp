#include "domain/order/order_store.hpp"

#include <algorithm>
#include <unordered_map>

#include "common/clock.hpp"
#include "domain/balance/charge_plan.hpp"
#include "domain/dependency_errors.hpp"
#include "domain/sql_time.hpp"
#include "http/error_table.hpp"
#include "http/json.hpp"

namespace hhplus::order {

namespace asio = boost::asio;

namespace {

// The topic of the outbox rows a payment writes (docs/events.md).
constexpr std::string_view kPaidTopic = "order.paid";

std::string IdList(const std::vector<std::int64_t>& ids) {
    std::string out;
    for (auto id : ids) {
        if (!out.empty()) out += ", ";
        out += std::to_string(id);
    }
    return out;
}

const std::string& OrderColumns() {
    static const std::string columns =
        "id, user_id, status, total_amount, coupon_id, discount_rate, discount_amount, "
        "final_amount, " +
        domain::SqlEpochMs("created_at") + ", " + domain::SqlEpochMs("expires_at") + ", " +
        domain::SqlEpochMs("paid_at");
    return columns;
}

Order OrderFromRow(const db::Row& row) {
    Order o;
    o.id = row.Int(0);
    o.user_id = row.Int(1);
    o.status = ParseStatus(row.Str(2)).value_or(Status::kPending);
    o.total_amount = row.Int(3);
    if (!row.IsNull(4)) o.coupon_id = row.Int(4);
    o.discount_rate = static_cast<int>(row.Int(5));
    o.discount_amount = row.Int(6);
    o.final_amount = row.Int(7);
    o.created_at_ms = row.Int(8);
    o.expires_at_ms = row.Int(9);
    if (!row.IsNull(10)) o.paid_at_ms = row.Int(10);
    return o;
}

constexpr const char* kItemColumns =
    "order_id, product_option_id, product_id, product_name, color, size, unit_price, quantity";

Item ItemFromRow(const db::Row& row) {
    return Item{row.Int(1), row.Int(2), row.Str(3), row.Str(4), row.Str(5), row.Int(6), row.Int(7)};
}

// Reads the items of `orders` (one query) into them.
asio::awaitable<db::DbResult<Ok>> LoadItems(db::PooledConnection& c, std::vector<Order>& orders) {
    if (orders.empty()) co_return Ok{};
    std::vector<std::int64_t> ids;
    std::unordered_map<std::int64_t, Order*> by_id;
    for (auto& o : orders) {
        ids.push_back(o.id);
        by_id.emplace(o.id, &o);
    }
    auto items = co_await c.Query(std::string("SELECT ") + kItemColumns +
                                  " FROM order_items WHERE order_id IN (" + IdList(ids) +
                                  ") ORDER BY order_id, product_option_id");
    if (!items.ok()) co_return std::move(items).error();
    for (const auto& row : items->rows) {
        if (auto it = by_id.find(row.Int(0)); it != by_id.end()) {
            it->second->items.push_back(ItemFromRow(row));
        }
    }
    co_return Ok{};
}

// The order `order_id` with its items, or nullopt; `for_update` locks its row.
asio::awaitable<db::DbResult<std::optional<Order>>> ReadOrder(db::PooledConnection& c,
                                                              std::int64_t order_id,
                                                              bool for_update) {
    auto found = co_await c.Query("SELECT " + OrderColumns() + " FROM orders WHERE id = " +
                                  std::to_string(order_id) + (for_update ? " FOR UPDATE" : ""));
    if (!found.ok()) co_return std::move(found).error();
    if (found->rows.empty()) co_return std::optional<Order>{};
    std::vector<Order> one{OrderFromRow(found->rows.front())};
    auto loaded = co_await LoadItems(c, one);
    if (!loaded.ok()) co_return std::move(loaded).error();
    co_return std::optional<Order>(std::move(one.front()));
}

// The outbox payload of a paid order (docs/events.md).
std::string PaidEvent(const Order& o) {
    http::JsonWriter w(160 + o.items.size() * 96);
    w.StartObject()
        .Key("orderId")
        .Int(o.id)
        .Key("userId")
        .Int(o.user_id)
        .Key("paidAt")
        .String(FormatIsoMillis(o.paid_at_ms.value_or(0)))
        .Key("finalAmount")
        .Int(o.final_amount)
        .Key("items")
        .StartArray();
    for (const auto& item : o.items) {
        w.StartObject()
            .Key("productId")
            .Int(item.product_id)
            .Key("productOptionId")
            .Int(item.option_id)
            .Key("quantity")
            .Int(item.quantity)
            .Key("unitPrice")
            .Int(item.unit_price)
            .EndObject();
    }
    w.EndArray().EndObject();
    return w.Finish();
}

}  // namespace

asio::awaitable<Result<Order>> OrderStore::Create(std::int64_t user_id, std::vector<Line> lines,
                                                  std::optional<std::int64_t> coupon_id,
                                                  std::int64_t now_ms, std::int64_t ttl_ms,
                                                  bool& retryable) {
    retryable = false;
    auto fail = [&retryable](const db::Error& e) {
        retryable = e.code == db::Errc::kDeadlock;
        return domain::DbFailure(e);
    };
    std::sort(lines.begin(), lines.end(),
              [](const Line& a, const Line& b) { return a.option_id < b.option_id; });
    std::vector<std::int64_t> ids;
    for (const auto& line : lines) ids.push_back(line.option_id);
    const std::string id_list = IdList(ids);

    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();

    // Without locks first: unknown options, the coupon, and sold out. READ COMMITTED reads the
    // latest committed rows, so a refusal here answers a state that really was; only an order
    // that may succeed goes on to lock the rows (a sold-out rush never queues on the hot row).
    auto options = co_await c.Query(
        "SELECT o.id, o.product_id, p.name, o.color, o.size, o.stock - o.reserved, o.price "
        "FROM product_options o JOIN products p ON p.id = o.product_id WHERE o.id IN (" +
        id_list + ") ORDER BY o.id");
    if (!options.ok()) co_return domain::DbFailure(options.error());
    if (options->rows.size() != lines.size()) {
        co_return MakeError(ErrorCode::kOptionNotFound, "no such product option");
    }
    int discount_rate = 0;
    if (coupon_id) {
        auto coupon = co_await c.Query(
            "SELECT c.discount_rate, c.expired_at <= " + domain::SqlTime(now_ms) +
            ", uc.id IS NOT NULL, uc.used_at IS NOT NULL FROM coupons c LEFT JOIN user_coupons uc "
            "ON uc.coupon_id = c.id AND uc.user_id = " +
            std::to_string(user_id) + " WHERE c.id = " + std::to_string(*coupon_id));
        if (!coupon.ok()) co_return domain::DbFailure(coupon.error());
        CouponState state;
        if (!coupon->rows.empty()) {
            const auto& row = coupon->rows.front();
            state = CouponState{true, row.Int(2) != 0, row.Int(3) != 0, row.Int(1) != 0};
            discount_rate = static_cast<int>(row.Int(0));
        }
        if (auto refusal = CouponRefusal(state)) co_return MakeError(*refusal, "coupon refused");
    }
    std::vector<Item> items(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& row = options->rows[i];
        if (row.Int(5) < lines[i].quantity) {
            co_return MakeError(ErrorCode::kOutOfStock, "not enough stock");
        }
        items[i] = Item{lines[i].option_id, row.Int(1), row.Str(2),       row.Str(3),
                        row.Str(4),         row.Int(6), lines[i].quantity};
    }

    Order order;
    order.user_id = user_id;
    order.status = Status::kPending;
    order.coupon_id = coupon_id;
    order.discount_rate = discount_rate;
    const Amounts amounts = Price(items, discount_rate);
    order.total_amount = amounts.total;
    order.discount_amount = amounts.discount;
    order.final_amount = amounts.final;
    order.created_at_ms = now_ms;
    order.expires_at_ms = now_ms + ttl_ms;
    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    // Not a conditional expression: g++ 12 destroys a ?: operand's string temporary twice
    // inside a coroutine (an ASan bad-free here).
    std::string coupon_sql = "NULL";
    if (coupon_id) coupon_sql = std::to_string(*coupon_id);
    auto inserted = co_await c.Query(
        "INSERT INTO orders (user_id, status, total_amount, coupon_id, discount_rate, "
        "discount_amount, final_amount, created_at, expires_at) VALUES (" +
        std::to_string(user_id) + ", 'PENDING', " + std::to_string(order.total_amount) + ", " +
        coupon_sql + ", " + std::to_string(discount_rate) + ", " +
        std::to_string(order.discount_amount) + ", " + std::to_string(order.final_amount) + ", " +
        domain::SqlTime(now_ms) + ", " + domain::SqlTime(order.expires_at_ms) + ")");
    if (!inserted.ok()) {
        co_await db::Rollback(c);
        co_return fail(inserted.error());
    }
    order.id = static_cast<std::int64_t>(inserted->insert_id);
    std::string rows;
    for (const auto& item : items) {
        if (!rows.empty()) rows += ", ";
        // Appended piece by piece: `"(" + std::to_string(…)` trips g++ 12's bogus -Wrestrict
        // at -O2.
        rows += '(';
        rows += std::to_string(order.id) + ", " + std::to_string(item.option_id) + ", " +
                std::to_string(item.product_id) + ", " + c.Quote(item.product_name) + ", " +
                c.Quote(item.color) + ", " + c.Quote(item.size) + ", " +
                std::to_string(item.unit_price) + ", " + std::to_string(item.quantity) + ")";
    }
    auto written = co_await c.Query(std::string("INSERT INTO order_items (") + kItemColumns +
                                    ") VALUES " + rows);
    if (!written.ok()) {
        co_await db::Rollback(c);
        co_return fail(written.error());
    }
    // The reservation comes last: the options' rows (a hot sale's one contended row) stay locked
    // for this statement and the COMMIT only, not for the order's inserts. One statement for
    // every line, its conditions checked under the row locks: enough available, and the price
    // the order was written with (no route changes a price today; if one did, the order would
    // be refused here rather than keep a stale price). InnoDB locks an IN list on the primary
    // key in ascending key order, so two orders naming the same options wait on each other but
    // never in a cycle.
    std::string reserve = "UPDATE product_options SET reserved = reserved + CASE id";
    std::string enough = " AND stock - reserved >= CASE id";
    std::string priced = " AND price = CASE id";
    for (const auto& item : items) {
        const std::string id = " WHEN " + std::to_string(item.option_id) + " THEN ";
        reserve += id + std::to_string(item.quantity);
        enough += id + std::to_string(item.quantity);
        priced += id + std::to_string(item.unit_price);
    }
    auto reserved = co_await c.Query(reserve + " END WHERE id IN (" + id_list + ")" + enough +
                                     " END" + priced + " END");
    if (!reserved.ok()) {
        co_await db::Rollback(c);
        co_return fail(reserved.error());
    }
    if (reserved->affected_rows != items.size()) {
        // A line lost its stock (or its price) since the read above: nothing is reserved.
        co_await db::Rollback(c);
        co_return MakeError(ErrorCode::kOutOfStock, "not enough stock");
    }
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return fail(committed.error());
    order.items = std::move(items);
    co_return order;
}

asio::awaitable<Result<Order>> OrderStore::Get(std::int64_t order_id, std::int64_t user_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto found = co_await ReadOrder(conn.value(), order_id, false);
    if (!found.ok()) co_return domain::DbFailure(found.error());
    if (!found.value() || (*found)->user_id != user_id) {
        co_return MakeError(ErrorCode::kOrderNotFound, "no such order for this user");
    }
    co_return std::move(**found);
}

asio::awaitable<Result<std::vector<Order>>> OrderStore::ListForUser(std::int64_t user_id, int limit,
                                                                    std::int64_t before_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    std::string sql =
        "SELECT " + OrderColumns() + " FROM orders WHERE user_id = " + std::to_string(user_id);
    if (before_id > 0) sql += " AND id < " + std::to_string(before_id);
    sql += " ORDER BY id DESC LIMIT " + std::to_string(limit);
    auto found = co_await c.Query(std::move(sql));
    if (!found.ok()) co_return domain::DbFailure(found.error());
    std::vector<Order> orders;
    orders.reserve(found->rows.size());
    for (const auto& row : found->rows) orders.push_back(OrderFromRow(row));
    auto loaded = co_await LoadItems(c, orders);
    if (!loaded.ok()) co_return domain::DbFailure(loaded.error());
    co_return orders;
}

asio::awaitable<Result<Paid>> OrderStore::Pay(std::int64_t order_id, std::int64_t user_id,
                                              std::optional<PaymentKey> key, std::int64_t now_ms,
                                              bool& retryable) {
    retryable = false;
    auto fail = [&retryable](const db::Error& e) {
        retryable = e.code == db::Errc::kDeadlock || e.code == db::Errc::kDuplicateKey;
        return domain::DbFailure(e);
    };
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    const std::string uid = std::to_string(user_id);

    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    // Rolls back, or — with a key — stores the refusal as the key's answer and commits.
    auto refuse = [&](ErrorCode code) -> asio::awaitable<Result<Paid>> {
        if (key) {
            auto stored = co_await c.Query(
                "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, status_code, "
                "response_body, created_at) VALUES (" +
                uid + ", " + c.Quote(key->key) + ", " + c.Quote(key->request_hash) + ", " +
                std::to_string(http::Describe(code).status) + ", " +
                c.Quote(std::to_string(static_cast<int>(code))) + ", " + domain::SqlTime(now_ms) +
                ")");
            if (!stored.ok()) {
                co_await db::Rollback(c);
                co_return fail(stored.error());
            }
            auto committed = co_await db::Commit(c);
            if (!committed.ok()) co_return fail(committed.error());
        } else {
            co_await db::Rollback(c);
        }
        co_return MakeError(code, "payment refused");
    };

    auto found = co_await ReadOrder(c, order_id, true);
    if (!found.ok()) {
        co_await db::Rollback(c);
        co_return fail(found.error());
    }
    auto user = co_await c.Query("SELECT balance FROM users WHERE id = " + uid + " FOR UPDATE");
    if (!user.ok()) {
        co_await db::Rollback(c);
        co_return fail(user.error());
    }
    if (user->rows.empty()) {
        co_await db::Rollback(c);
        co_return MakeError(ErrorCode::kUserNotFound, "no such user");
    }
    std::int64_t balance = user->rows.front().Int(0);

    if (key) {
        // Under the user's row lock: every use of this user's keys (charges too) is serial here.
        auto stored = co_await c.Query("SELECT request_hash, status_code, response_body, " +
                                       domain::SqlEpochMs("created_at") +
                                       " FROM idempotency_keys WHERE user_id = " + uid +
                                       " AND idem_key = " + c.Quote(key->key));
        if (!stored.ok()) {
            co_await db::Rollback(c);
            co_return fail(stored.error());
        }
        if (!stored->rows.empty()) {
            const auto& row = stored->rows.front();
            if (row.Int(3) > now_ms - balance::kKeyLifetimeMs) {
                co_await db::Rollback(c);
                if (row.Str(0) != key->request_hash) {
                    co_return MakeError(ErrorCode::kIdempotencyKeyMismatch, "key reused");
                }
                if (row.IsNull(1)) {
                    co_return MakeError(ErrorCode::kIdempotencyKeyInFlight, "key in flight");
                }
                auto replay = balance::ReplayAnswer(static_cast<int>(row.Int(1)), row.Str(2));
                if (!replay.ok()) co_return std::move(replay).error();
                if (!found.value()) co_return MakeError(ErrorCode::kInternal, "paid order gone");
                co_return Paid{
                    std::move(**found), replay.value(), 0, {}};  // nothing to publish again
            }
            auto dropped = co_await c.Query("DELETE FROM idempotency_keys WHERE user_id = " + uid +
                                            " AND idem_key = " + c.Quote(key->key));
            if (!dropped.ok()) {
                co_await db::Rollback(c);
                co_return fail(dropped.error());
            }
        }
    }
    if (!found.value() || (*found)->user_id != user_id) {
        co_return co_await refuse(ErrorCode::kOrderNotFound);
    }
    Order order = std::move(**found);
    if (auto refusal = PaymentRefusal(order.status, order.expires_at_ms, now_ms)) {
        co_return co_await refuse(*refusal);
    }
    if (order.coupon_id) {
        auto coupon = co_await c.Query(
            "SELECT uc.id, uc.used_at IS NOT NULL, c.expired_at <= " + domain::SqlTime(now_ms) +
            " FROM user_coupons uc JOIN coupons c ON c.id = uc.coupon_id WHERE uc.user_id = " +
            uid + " AND uc.coupon_id = " + std::to_string(*order.coupon_id) + " FOR UPDATE");
        if (!coupon.ok()) {
            co_await db::Rollback(c);
            co_return fail(coupon.error());
        }
        CouponState state{true, !coupon->rows.empty(), false, false};
        if (state.held) {
            state.used = coupon->rows.front().Int(1) != 0;
            state.expired = coupon->rows.front().Int(2) != 0;
        }
        if (auto refusal = CouponRefusal(state)) co_return co_await refuse(*refusal);
        auto used =
            co_await c.Query("UPDATE user_coupons SET used_at = " + domain::SqlTime(now_ms) +
                             ", used_order_id = " + std::to_string(order.id) +
                             " WHERE id = " + coupon->rows.front().Str(0));
        if (!used.ok()) {
            co_await db::Rollback(c);
            co_return fail(used.error());
        }
    }
    if (balance < order.final_amount) co_return co_await refuse(ErrorCode::kBalanceTooLow);
    const std::int64_t before = balance;
    balance -= order.final_amount;
    auto debited = co_await c.Query("UPDATE users SET balance = " + std::to_string(balance) +
                                    " WHERE id = " + uid);
    if (!debited.ok()) {
        co_await db::Rollback(c);
        co_return fail(debited.error());
    }
    auto logged = co_await c.Query(
        "INSERT INTO balance_logs (user_id, amount, before_amount, after_amount, code, "
        "created_at) VALUES (" +
        uid + ", " + std::to_string(-order.final_amount) + ", " + std::to_string(before) + ", " +
        std::to_string(balance) + ", 'PAYMENT', " + domain::SqlTime(now_ms) + ")");
    if (!logged.ok()) {
        co_await db::Rollback(c);
        co_return fail(logged.error());
    }
    order.status = Status::kPaid;
    order.paid_at_ms = now_ms;
    auto marked =
        co_await c.Query("UPDATE orders SET status = 'PAID', paid_at = " + domain::SqlTime(now_ms) +
                         " WHERE id = " + std::to_string(order.id));
    if (!marked.ok()) {
        co_await db::Rollback(c);
        co_return fail(marked.error());
    }
    std::string event = PaidEvent(order);
    auto queued =
        co_await c.Query("INSERT INTO outbox (topic, aggregate_id, payload, created_at) VALUES (" +
                         c.Quote(kPaidTopic) + ", " + std::to_string(order.id) + ", " +
                         c.Quote(event) + ", " + domain::SqlTime(now_ms) + ")");
    if (!queued.ok()) {
        co_await db::Rollback(c);
        co_return fail(queued.error());
    }
    if (key) {
        auto stored = co_await c.Query(
            "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, status_code, "
            "response_body, created_at) VALUES (" +
            uid + ", " + c.Quote(key->key) + ", " + c.Quote(key->request_hash) + ", 200, " +
            c.Quote(std::to_string(balance)) + ", " + domain::SqlTime(now_ms) + ")");
        if (!stored.ok()) {
            co_await db::Rollback(c);
            co_return fail(stored.error());
        }
    }
    // The reserved units become sold — last, so the options' rows (a hot sale's one contended
    // row) stay locked for this statement and the COMMIT only. Options are the last in the lock
    // order (order_store.hpp); one statement locks them in ascending id order.
    std::string confirm_stock = "UPDATE product_options SET stock = stock - CASE id";
    std::string confirm_reserved = ", reserved = reserved - CASE id";
    std::vector<std::int64_t> ids;
    for (const auto& item : order.items) {
        const std::string when =
            " WHEN " + std::to_string(item.option_id) + " THEN " + std::to_string(item.quantity);
        confirm_stock += when;
        confirm_reserved += when;
        ids.push_back(item.option_id);
    }
    auto confirmed = co_await c.Query(confirm_stock + " END" + confirm_reserved +
                                      " END WHERE id IN (" + IdList(ids) + ")");
    if (!confirmed.ok()) {
        co_await db::Rollback(c);
        co_return fail(confirmed.error());
    }
    const auto outbox_id = static_cast<std::int64_t>(queued->insert_id);
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return fail(committed.error());
    co_return Paid{std::move(order), balance, outbox_id, std::move(event)};
}

asio::awaitable<Result<int>> OrderStore::ExpireDue(std::int64_t now_ms, int max_orders) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    // Most sweeps find nothing: one indexed read without a transaction says so.
    auto any =
        co_await c.Query("SELECT id FROM orders WHERE status = 'PENDING' AND expires_at <= " +
                         domain::SqlTime(now_ms) + " LIMIT 1");
    if (!any.ok()) co_return domain::DbFailure(any.error());
    if (any->rows.empty()) co_return 0;
    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    // SKIP LOCKED: sweepers of other instances take other orders, and an order whose row a
    // payment holds is left to that payment (it will be PAID, or seen again next sweep).
    auto due =
        co_await c.Query("SELECT id FROM orders WHERE status = 'PENDING' AND expires_at <= " +
                         domain::SqlTime(now_ms) + " ORDER BY expires_at, id LIMIT " +
                         std::to_string(max_orders) + " FOR UPDATE SKIP LOCKED");
    if (!due.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(due.error());
    }
    if (due->rows.empty()) {
        co_await db::Rollback(c);
        co_return 0;
    }
    std::vector<std::int64_t> order_ids;
    for (const auto& row : due->rows) order_ids.push_back(row.Int(0));
    const std::string orders_list = IdList(order_ids);
    auto held = co_await c.Query(
        "SELECT product_option_id, SUM(quantity) FROM order_items WHERE order_id IN (" +
        orders_list + ") GROUP BY product_option_id ORDER BY product_option_id");
    if (!held.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(held.error());
    }
    if (!held->rows.empty()) {
        std::string release = "UPDATE product_options SET reserved = reserved - CASE id";
        std::vector<std::int64_t> option_ids;
        for (const auto& row : held->rows) {
            release += " WHEN " + row.Str(0) + " THEN " + row.Str(1);
            option_ids.push_back(row.Int(0));
        }
        release += " END WHERE id IN (" + IdList(option_ids) + ")";
        auto released = co_await c.Query(std::move(release));
        if (!released.ok()) {
            co_await db::Rollback(c);
            co_return domain::DbFailure(released.error());
        }
    }
    auto expired =
        co_await c.Query("UPDATE orders SET status = 'EXPIRED' WHERE id IN (" + orders_list + ")");
    if (!expired.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(expired.error());
    }
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return domain::DbFailure(committed.error());
    co_return static_cast<int>(order_ids.size());
}

}  // namespace hhplus::order
