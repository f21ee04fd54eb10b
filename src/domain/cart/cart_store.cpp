#include "domain/cart/cart_store.hpp"

#include "domain/dependency_errors.hpp"
#include "domain/sql_time.hpp"

namespace hhplus::cart {

namespace asio = boost::asio;

asio::awaitable<Result<std::vector<CartLine>>> CartStore::Get(std::int64_t user_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto found = co_await conn->Query(
        "SELECT o.id, o.product_id, p.name, o.color, o.size, o.price, c.quantity, "
        "o.stock - o.reserved FROM cart_items c JOIN product_options o ON o.id = "
        "c.product_option_id JOIN products p ON p.id = o.product_id WHERE c.user_id = " +
        std::to_string(user_id) + " ORDER BY o.id");
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
    const std::string uid = std::to_string(user_id);
    const std::string oid = std::to_string(option_id);
    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    // The user's row lock serialises this user's cart changes, so two concurrent adds can't
    // both pass the line limit (lock order of order_store.hpp: users before options).
    auto user = co_await c.Query("SELECT id FROM users WHERE id = " + uid + " FOR UPDATE");
    if (!user.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(user.error());
    }
    if (user->rows.empty()) {
        co_await db::Rollback(c);
        co_return MakeError(ErrorCode::kUserNotFound, "no such user");
    }
    auto state = co_await c.Query("SELECT (SELECT COUNT(*) FROM product_options WHERE id = " + oid +
                                  "), (SELECT COUNT(*) FROM cart_items WHERE user_id = " + uid +
                                  " AND product_option_id <> " + oid + ")");
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
    auto written = co_await c.Query(
        "INSERT INTO cart_items (user_id, product_option_id, quantity, updated_at) VALUES (" + uid +
        ", " + oid + ", " + std::to_string(quantity) + ", " + domain::SqlTime(now_ms) +
        ") ON DUPLICATE KEY UPDATE quantity = VALUES(quantity), updated_at = VALUES(updated_at)");
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
    auto removed =
        co_await conn->Query("DELETE FROM cart_items WHERE user_id = " + std::to_string(user_id) +
                             " AND product_option_id = " + std::to_string(option_id));
    if (!removed.ok()) co_return domain::DbFailure(removed.error());
    co_return Ok{};
}

}  // namespace hhplus::cart
