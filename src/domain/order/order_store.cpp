#include "domain/order/order_store.hpp"

#include <algorithm>
#include <limits>
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

// Every statement with values is prepared (db::PooledConnection::Execute); BEGIN/COMMIT/ROLLBACK
// stay text (db::Begin…). Times are bound as epoch microseconds (domain/sql_time.hpp). Lists
// whose length varies (IN, CASE id WHEN … THEN …) are padded to powers of two by repeating the
// last entry (db/params.hpp): a repeated IN value or WHEN arm changes nothing (the first
// matching arm wins, and it has the same value), and an order's ≤ 20 lines need ≤ 6 texts.

// The order statements select OrderFromRow's columns.
constexpr std::string_view kFindOrderSql =
    "SELECT id, user_id, status, total_amount, coupon_id, discount_rate, discount_amount, "
    "final_amount, (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', created_at) DIV 1000), "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', expires_at) DIV 1000), "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', paid_at) DIV 1000) FROM orders "
    "WHERE id = ?";
constexpr std::string_view kLockOrderSql =
    "SELECT id, user_id, status, total_amount, coupon_id, discount_rate, discount_amount, "
    "final_amount, (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', created_at) DIV 1000), "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', expires_at) DIV 1000), "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', paid_at) DIV 1000) FROM orders "
    "WHERE id = ? FOR UPDATE";
// Parameters: user id, before id (INT64_MAX for the first page), limit.
constexpr std::string_view kListOrdersSql =
    "SELECT id, user_id, status, total_amount, coupon_id, discount_rate, discount_amount, "
    "final_amount, (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', created_at) DIV 1000), "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', expires_at) DIV 1000), "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', paid_at) DIV 1000) FROM orders "
    "WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
// + the orders' IN list + kItemsSqlTail. ItemFromRow's columns.
constexpr std::string_view kItemsSqlHead =
    "SELECT order_id, product_option_id, product_id, product_name, color, size, unit_price, "
    "quantity FROM order_items WHERE order_id IN (";
constexpr std::string_view kItemsSqlTail = ") ORDER BY order_id, product_option_id";
// + the options' IN list + ") ORDER BY o.id".
constexpr std::string_view kOptionsSqlHead =
    "SELECT o.id, o.product_id, p.name, o.color, o.size, o.stock - o.reserved, o.price "
    "FROM product_options o JOIN products p ON p.id = o.product_id WHERE o.id IN (";
// Parameters: now, user id, coupon id.
constexpr std::string_view kCouponForOrderSql =
    "SELECT c.discount_rate, c.expired_at <= TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 "
    "00:00:00.000'), "
    "uc.id IS NOT NULL, uc.used_at IS NOT NULL FROM coupons c LEFT JOIN user_coupons uc "
    "ON uc.coupon_id = c.id AND uc.user_id = ? WHERE c.id = ?";
constexpr std::string_view kInsertOrderSql =
    "INSERT INTO orders (user_id, status, total_amount, coupon_id, discount_rate, "
    "discount_amount, final_amount, created_at, expires_at) VALUES (?, 'PENDING', ?, ?, ?, ?, "
    "?, TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'), "
    "TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'))";
// + kItemRowSql per item, joined by ", ".
constexpr std::string_view kInsertItemsSql =
    "INSERT INTO order_items (order_id, product_option_id, product_id, product_name, color, "
    "size, unit_price, quantity) VALUES ";
constexpr std::string_view kItemRowSql = "(?, ?, ?, ?, ?, ?, ?, ?)";
// The reservation: "… + CASE id" + arms + " END WHERE id IN (" + ids + ")" + " AND stock -
// reserved >= CASE id" + arms + " END AND price = CASE id" + arms + " END".
constexpr std::string_view kReserveSqlHead =
    "UPDATE product_options SET reserved = reserved + CASE id";
constexpr std::string_view kReserveEnoughSql = ") AND stock - reserved >= CASE id";
constexpr std::string_view kReservePricedSql = " END AND price = CASE id";
constexpr std::string_view kCaseArmSql = " WHEN ? THEN ?";
constexpr std::string_view kCaseEndInSql = " END WHERE id IN (";
// Columns user_id, idem_key, request_hash, status_code, response_body, created_at.
constexpr std::string_view kInsertKeySql =
    "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, status_code, "
    "response_body, created_at) VALUES "
    "(?, ?, ?, ?, ?, TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'))";
constexpr std::string_view kLockUserSql = "SELECT balance FROM users WHERE id = ? FOR UPDATE";
constexpr std::string_view kStoredKeySql =
    "SELECT request_hash, status_code, response_body, "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', created_at) DIV 1000) "
    "FROM idempotency_keys WHERE user_id = ? AND idem_key = ?";
constexpr std::string_view kDropKeySql =
    "DELETE FROM idempotency_keys WHERE user_id = ? AND idem_key = ?";
// Parameters: now, user id, coupon id.
constexpr std::string_view kLockHeldCouponSql =
    "SELECT uc.id, uc.used_at IS NOT NULL, c.expired_at <= "
    "TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') FROM user_coupons uc "
    "JOIN coupons c ON c.id = uc.coupon_id WHERE uc.user_id = ? AND uc.coupon_id = ? FOR UPDATE";
constexpr std::string_view kUseCouponSql =
    "UPDATE user_coupons SET used_at = TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'), "
    "used_order_id = ? WHERE id = ?";
constexpr std::string_view kSetBalanceSql = "UPDATE users SET balance = ? WHERE id = ?";
constexpr std::string_view kPaymentLogSql =
    "INSERT INTO balance_logs (user_id, amount, before_amount, after_amount, code, created_at) "
    "VALUES (?, ?, ?, ?, 'PAYMENT', TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'))";
constexpr std::string_view kMarkPaidSql =
    "UPDATE orders SET status = 'PAID', paid_at = "
    "TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') WHERE id = ?";
constexpr std::string_view kQueueEventSql =
    "INSERT INTO outbox (topic, aggregate_id, payload, created_at) "
    "VALUES (?, ?, ?, TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'))";
// "… - CASE id" + arms + " END, reserved = reserved - CASE id" + arms + " END WHERE id IN (" +
// ids + ")".
constexpr std::string_view kConfirmSqlHead = "UPDATE product_options SET stock = stock - CASE id";
constexpr std::string_view kConfirmReservedSql = " END, reserved = reserved - CASE id";
constexpr std::string_view kAnyDueSql =
    "SELECT id FROM orders WHERE status = 'PENDING' AND expires_at <= "
    "TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') LIMIT 1";
constexpr std::string_view kClaimDueSql =
    "SELECT id FROM orders WHERE status = 'PENDING' AND expires_at <= "
    "TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') ORDER BY expires_at, id LIMIT ? "
    "FOR UPDATE SKIP LOCKED";
// + the orders' IN list + kHeldSqlTail.
constexpr std::string_view kHeldSqlHead =
    "SELECT product_option_id, SUM(quantity) FROM order_items WHERE order_id IN (";
constexpr std::string_view kHeldSqlTail = ") GROUP BY product_option_id ORDER BY product_option_id";
// + arms + kCaseEndInSql + ids + ")".
constexpr std::string_view kReleaseSqlHead =
    "UPDATE product_options SET reserved = reserved - CASE id";
// + the orders' IN list + ")".
constexpr std::string_view kExpireSqlHead = "UPDATE orders SET status = 'EXPIRED' WHERE id IN (";

// " WHEN ? THEN ?" per (ids[i], values[i]), padded like db::AppendInList by repeating the last
// pair (the first matching arm wins, and the repeat has its value).
std::string AppendCaseArms(db::Params& params, const std::vector<std::int64_t>& ids,
                           const std::vector<std::int64_t>& values) {
    const std::size_t padded = db::PaddedListSize(ids.size());
    for (std::size_t i = 0; i < padded; ++i) {
        const std::size_t from = i < ids.size() ? i : ids.size() - 1;
        params.emplace_back(ids[from]);
        params.emplace_back(values[from]);
    }
    return db::RepeatGroup(kCaseArmSql, padded, "");
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
    db::Params params;
    std::string sql(kItemsSqlHead);
    sql += db::AppendInList(params, ids);
    sql += kItemsSqlTail;
    auto items = co_await c.Execute(std::move(sql), std::move(params));
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
    std::string sql(kFindOrderSql);
    if (for_update) sql = kLockOrderSql;
    db::Params params{order_id};
    auto found = co_await c.Execute(std::move(sql), std::move(params));
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
    ids.reserve(lines.size());
    for (const auto& line : lines) ids.push_back(line.option_id);

    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();

    // Without locks first: unknown options, the coupon, and sold out. READ COMMITTED reads the
    // latest committed rows, so a refusal here answers a state that really was; only an order
    // that may succeed goes on to lock the rows (a sold-out rush never queues on the hot row).
    db::Params option_params;
    std::string option_sql(kOptionsSqlHead);
    option_sql += db::AppendInList(option_params, ids);
    option_sql += ") ORDER BY o.id";
    auto options = co_await c.Execute(std::move(option_sql), std::move(option_params));
    if (!options.ok()) co_return domain::DbFailure(options.error());
    if (options->rows.size() != lines.size()) {
        co_return MakeError(ErrorCode::kOptionNotFound, "no such product option");
    }
    int discount_rate = 0;
    if (coupon_id) {
        db::Params coupon_params{domain::SqlTimeParam(now_ms), user_id, *coupon_id};
        auto coupon = co_await c.Execute(std::string(kCouponForOrderSql), std::move(coupon_params));
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
    db::Param coupon_param = nullptr;
    if (coupon_id) coupon_param = *coupon_id;
    db::Params order_params{user_id,
                            order.total_amount,
                            std::move(coupon_param),
                            std::int64_t{discount_rate},
                            order.discount_amount,
                            order.final_amount,
                            domain::SqlTimeParam(now_ms),
                            domain::SqlTimeParam(order.expires_at_ms)};
    auto inserted = co_await c.Execute(std::string(kInsertOrderSql), std::move(order_params));
    if (!inserted.ok()) {
        co_await db::Rollback(c);
        co_return fail(inserted.error());
    }
    order.id = static_cast<std::int64_t>(inserted->insert_id);
    db::Params rows;
    rows.reserve(items.size() * 8);
    for (const auto& item : items) {
        rows.emplace_back(order.id);
        rows.emplace_back(item.option_id);
        rows.emplace_back(item.product_id);
        rows.emplace_back(item.product_name);
        rows.emplace_back(item.color);
        rows.emplace_back(item.size);
        rows.emplace_back(item.unit_price);
        rows.emplace_back(item.quantity);
    }
    std::string items_sql(kInsertItemsSql);
    items_sql += db::RepeatGroup(kItemRowSql, items.size(), ", ");
    auto written = co_await db::ExecuteRows(c, std::move(items_sql), std::move(rows), items.size());
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
    std::vector<std::int64_t> quantities;
    std::vector<std::int64_t> prices;
    for (const auto& item : items) {
        quantities.push_back(item.quantity);
        prices.push_back(item.unit_price);
    }
    db::Params reserve_params;
    std::string reserve(kReserveSqlHead);
    reserve += AppendCaseArms(reserve_params, ids, quantities);
    reserve += kCaseEndInSql;
    reserve += db::AppendInList(reserve_params, ids);
    reserve += kReserveEnoughSql;
    reserve += AppendCaseArms(reserve_params, ids, quantities);
    reserve += kReservePricedSql;
    reserve += AppendCaseArms(reserve_params, ids, prices);
    reserve += " END";
    auto reserved = co_await c.Execute(std::move(reserve), std::move(reserve_params));
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
    // The first page is "before" every id: one statement for every page (ix_orders_user).
    std::int64_t before = std::numeric_limits<std::int64_t>::max();
    if (before_id > 0) before = before_id;
    db::Params params{user_id, before, std::int64_t{limit}};
    auto found = co_await c.Execute(std::string(kListOrdersSql), std::move(params));
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

    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    // Rolls back, or — with a key — stores the refusal as the key's answer and commits.
    auto refuse = [&](ErrorCode code) -> asio::awaitable<Result<Paid>> {
        if (key) {
            db::Params refusal{user_id,
                               key->key,
                               key->request_hash,
                               std::int64_t{http::Describe(code).status},
                               std::to_string(static_cast<int>(code)),
                               domain::SqlTimeParam(now_ms)};
            auto stored = co_await c.Execute(std::string(kInsertKeySql), std::move(refusal));
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
    db::Params user_params{user_id};
    auto user = co_await c.Execute(std::string(kLockUserSql), std::move(user_params));
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
        db::Params key_params{user_id, key->key};
        auto stored = co_await c.Execute(std::string(kStoredKeySql), std::move(key_params));
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
            db::Params drop_params{user_id, key->key};
            auto dropped = co_await c.Execute(std::string(kDropKeySql), std::move(drop_params));
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
        db::Params coupon_params{domain::SqlTimeParam(now_ms), user_id, *order.coupon_id};
        auto coupon = co_await c.Execute(std::string(kLockHeldCouponSql), std::move(coupon_params));
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
        db::Params use_params{domain::SqlTimeParam(now_ms), order.id, coupon->rows.front().Int(0)};
        auto used = co_await c.Execute(std::string(kUseCouponSql), std::move(use_params));
        if (!used.ok()) {
            co_await db::Rollback(c);
            co_return fail(used.error());
        }
    }
    if (balance < order.final_amount) co_return co_await refuse(ErrorCode::kBalanceTooLow);
    const std::int64_t before = balance;
    balance -= order.final_amount;
    db::Params debit_params{balance, user_id};
    auto debited = co_await c.Execute(std::string(kSetBalanceSql), std::move(debit_params));
    if (!debited.ok()) {
        co_await db::Rollback(c);
        co_return fail(debited.error());
    }
    db::Params log_params{user_id, -order.final_amount, before, balance,
                          domain::SqlTimeParam(now_ms)};
    auto logged = co_await c.Execute(std::string(kPaymentLogSql), std::move(log_params));
    if (!logged.ok()) {
        co_await db::Rollback(c);
        co_return fail(logged.error());
    }
    order.status = Status::kPaid;
    order.paid_at_ms = now_ms;
    db::Params paid_params{domain::SqlTimeParam(now_ms), order.id};
    auto marked = co_await c.Execute(std::string(kMarkPaidSql), std::move(paid_params));
    if (!marked.ok()) {
        co_await db::Rollback(c);
        co_return fail(marked.error());
    }
    std::string event = PaidEvent(order);
    db::Params event_params{std::string(kPaidTopic), order.id, event, domain::SqlTimeParam(now_ms)};
    auto queued = co_await c.Execute(std::string(kQueueEventSql), std::move(event_params));
    if (!queued.ok()) {
        co_await db::Rollback(c);
        co_return fail(queued.error());
    }
    if (key) {
        db::Params answer{user_id,
                          key->key,
                          key->request_hash,
                          std::int64_t{200},
                          std::to_string(balance),
                          domain::SqlTimeParam(now_ms)};
        auto stored = co_await c.Execute(std::string(kInsertKeySql), std::move(answer));
        if (!stored.ok()) {
            co_await db::Rollback(c);
            co_return fail(stored.error());
        }
    }
    // The reserved units become sold — last, so the options' rows (a hot sale's one contended
    // row) stay locked for this statement and the COMMIT only. Options are the last in the lock
    // order (order_store.hpp); one statement locks them in ascending id order.
    std::vector<std::int64_t> ids;
    std::vector<std::int64_t> quantities;
    for (const auto& item : order.items) {
        ids.push_back(item.option_id);
        quantities.push_back(item.quantity);
    }
    db::Params confirm_params;
    std::string confirm(kConfirmSqlHead);
    confirm += AppendCaseArms(confirm_params, ids, quantities);
    confirm += kConfirmReservedSql;
    confirm += AppendCaseArms(confirm_params, ids, quantities);
    confirm += kCaseEndInSql;
    confirm += db::AppendInList(confirm_params, ids);
    confirm += ')';
    auto confirmed = co_await c.Execute(std::move(confirm), std::move(confirm_params));
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
    db::Params any_params{domain::SqlTimeParam(now_ms)};
    auto any = co_await c.Execute(std::string(kAnyDueSql), std::move(any_params));
    if (!any.ok()) co_return domain::DbFailure(any.error());
    if (any->rows.empty()) co_return 0;
    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    // SKIP LOCKED: sweepers of other instances take other orders, and an order whose row a
    // payment holds is left to that payment (it will be PAID, or seen again next sweep).
    db::Params due_params{domain::SqlTimeParam(now_ms), std::int64_t{max_orders}};
    auto due = co_await c.Execute(std::string(kClaimDueSql), std::move(due_params));
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
    db::Params held_params;
    std::string held_sql(kHeldSqlHead);
    held_sql += db::AppendInList(held_params, order_ids);
    held_sql += kHeldSqlTail;
    auto held = co_await c.Execute(std::move(held_sql), std::move(held_params));
    if (!held.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(held.error());
    }
    if (!held->rows.empty()) {
        std::vector<std::int64_t> option_ids;
        std::vector<std::int64_t> quantities;
        for (const auto& row : held->rows) {
            option_ids.push_back(row.Int(0));
            quantities.push_back(row.Int(1));  // SUM of INTs: an integral DECIMAL
        }
        db::Params release_params;
        std::string release(kReleaseSqlHead);
        release += AppendCaseArms(release_params, option_ids, quantities);
        release += kCaseEndInSql;
        release += db::AppendInList(release_params, option_ids);
        release += ')';
        auto released = co_await c.Execute(std::move(release), std::move(release_params));
        if (!released.ok()) {
            co_await db::Rollback(c);
            co_return domain::DbFailure(released.error());
        }
    }
    db::Params expire_params;
    std::string expire_sql(kExpireSqlHead);
    expire_sql += db::AppendInList(expire_params, order_ids);
    expire_sql += ')';
    auto expired = co_await c.Execute(std::move(expire_sql), std::move(expire_params));
    if (!expired.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(expired.error());
    }
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return domain::DbFailure(committed.error());
    co_return static_cast<int>(order_ids.size());
}

}  // namespace hhplus::order
