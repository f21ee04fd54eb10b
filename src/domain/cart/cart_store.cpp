#include "domain/cart/cart_store.hpp"

#include "domain/dependency_errors.hpp"
#include "domain/sql_time.hpp"

namespace hhplus::cart {

namespace asio = boost::asio;

namespace {

// Every statement with values is prepared (db::PooledConnection::Execute); BEGIN/COMMIT/ROLLBACK
// stay text. Times are bound as epoch microseconds (domain/sql_time.hpp).
constexpr std::string_view kGetCartSql =
    "SELECT o.id, o.product_id, p.name, o.color, o.size, o.price, c.quantity, "
    "o.stock - o.reserved FROM cart_items c JOIN product_options o ON o.id = "
    "c.product_option_id JOIN products p ON p.id = o.product_id WHERE c.user_id = ? "
    "ORDER BY o.id";
constexpr std::string_view kLockUserSql = "SELECT id FROM users WHERE id = ? FOR UPDATE";
// Parameters: option id, user id, option id.
constexpr std::string_view kCartStateSql =
    "SELECT (SELECT COUNT(*) FROM product_options WHERE id = ?), "
    "(SELECT COUNT(*) FROM cart_items WHERE user_id = ? AND product_option_id <> ?)";
constexpr std::string_view kSetLineSql =
    "INSERT INTO cart_items (user_id, product_option_id, quantity, updated_at) "
    "VALUES (?, ?, ?, TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000')) "
    "ON DUPLICATE KEY UPDATE quantity = VALUES(quantity), updated_at = VALUES(updated_at)";
constexpr std::string_view kRemoveLineSql =
    "DELETE FROM cart_items WHERE user_id = ? AND product_option_id = ?";

}  // namespace

asio::awaitable<Result<std::vector<CartLine>>> CartStore::Get(std::int64_t user_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{user_id};
    auto found = co_await conn->Execute(std::string(kGetCartSql), std::move(params));
    if (!found.ok()) co_return domain::DbFailure(found.error());
    std::vector<CartLine> lines;
    lines.reserve(found->rows.size());
    for (const auto& row : found->rows) {
        lines.push_back(CartLine{row.Int(0), row.Int(1), row.Str(2), row.Str(3), row.Str(4),
                                 row.Int(5), row.Int(6), row.Int(7)});
    }
    co_return lines;
}

asio::awaitable<Status> CartStore::Set(std::int64_t user_id, std::int64_t option_id,
                                       std::int64_t quantity, std::int64_t now_ms) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    // The user's row lock serialises this user's cart changes, so two concurrent adds can't
    // both pass the line limit (lock order of order_store.hpp: users before options).
    db::Params lock_params{user_id};
    auto user = co_await c.Execute(std::string(kLockUserSql), std::move(lock_params));
    if (!user.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(user.error());
    }
    if (user->rows.empty()) {
        co_await db::Rollback(c);
        co_return MakeError(ErrorCode::kUserNotFound, "no such user");
    }
    db::Params state_params{option_id, user_id, option_id};
    auto state = co_await c.Execute(std::string(kCartStateSql), std::move(state_params));
    if (!state.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(state.error());
    }
    const auto& row = state->rows.front();
    if (row.Int(0) == 0) {
        co_await db::Rollback(c);
        co_return MakeError(ErrorCode::kOptionNotFound, "no such product option");
    }
    if (row.Int(1) >= kMaxCartLines) {
        co_await db::Rollback(c);
        co_return MakeError(ErrorCode::kInvalidRequest, "cart is full");
    }
    db::Params line_params{user_id, option_id, quantity, domain::SqlTimeParam(now_ms)};
    auto written = co_await c.Execute(std::string(kSetLineSql), std::move(line_params));
    if (!written.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(written.error());
    }
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return domain::DbFailure(committed.error());
    co_return Ok{};
}

asio::awaitable<Status> CartStore::Remove(std::int64_t user_id, std::int64_t option_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{user_id, option_id};
    auto removed = co_await conn->Execute(std::string(kRemoveLineSql), std::move(params));
    if (!removed.ok()) co_return domain::DbFailure(removed.error());
    co_return Ok{};
}

}  // namespace hhplus::cart
