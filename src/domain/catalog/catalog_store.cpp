#include "domain/catalog/catalog_store.hpp"

#include "domain/dependency_errors.hpp"
#include "domain/sql_time.hpp"

namespace hhplus::catalog {

namespace asio = boost::asio;

namespace {

constexpr const char* kOptionColumns = "id, product_id, color, size, price, stock, reserved";

Option OptionFromRow(const db::Row& row) {
    return Option{row.Int(0), row.Int(1), row.Str(2), row.Str(3),
                  row.Int(4), row.Int(5), row.Int(6)};
}

}  // namespace

asio::awaitable<Result<std::vector<ProductSummary>>> CatalogStore::List(int limit,
                                                                        std::int64_t after_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto found = co_await conn->Query(
        "SELECT p.id, p.name, MIN(o.price), SUM(o.stock - o.reserved) FROM products p "
        "JOIN product_options o ON o.product_id = p.id WHERE p.id > " +
        std::to_string(after_id) +
        " GROUP BY p.id, p.name HAVING SUM(o.stock - o.reserved) > 0 ORDER BY p.id LIMIT " +
        std::to_string(limit));
    if (!found.ok()) co_return domain::DbFailure(found.error());
    std::vector<ProductSummary> out;
    out.reserve(found->rows.size());
    for (const auto& row : found->rows) {
        out.push_back(ProductSummary{row.Int(0), row.Str(1), row.Int(2), row.Int(3)});
    }
    co_return out;
}

asio::awaitable<Result<Product>> CatalogStore::Get(std::int64_t product_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    const std::string id = std::to_string(product_id);
    auto product = co_await conn->Query("SELECT id, name, " + domain::SqlEpochMs("created_at") +
                                        " FROM products WHERE id = " + id);
    if (!product.ok()) co_return domain::DbFailure(product.error());
    if (product->rows.empty()) co_return MakeError(ErrorCode::kProductNotFound, "no such product");
    Product p{product->rows.front().Int(0),
              product->rows.front().Str(1),
              product->rows.front().Int(2),
              {}};
    auto options =
        co_await conn->Query(std::string("SELECT ") + kOptionColumns +
                             " FROM product_options WHERE product_id = " + id + " ORDER BY id");
    if (!options.ok()) co_return domain::DbFailure(options.error());
    for (const auto& row : options->rows) p.options.push_back(OptionFromRow(row));
    co_return p;
}

asio::awaitable<Result<Product>> CatalogStore::Create(std::string name,
                                                      std::vector<NewOption> options,
                                                      std::int64_t now_ms) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    auto inserted = co_await c.Query("INSERT INTO products (name, created_at) VALUES (" +
                                     c.Quote(name) + ", " + domain::SqlTime(now_ms) + ")");
    if (!inserted.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(inserted.error());
    }
    Product p{static_cast<std::int64_t>(inserted->insert_id), std::move(name), now_ms, {}};
    std::string rows;
    for (const auto& o : options) {
        if (!rows.empty()) rows += ", ";
        rows += "(" + std::to_string(p.id) + ", " + c.Quote(o.color) + ", " + c.Quote(o.size) +
                ", " + std::to_string(o.price) + ", " + std::to_string(o.stock) + ", " +
                std::to_string(o.stock) + ")";
    }
    auto written = co_await c.Query(
        "INSERT INTO product_options (product_id, color, size, price, stock, initial_stock) "
        "VALUES " +
        rows);
    if (!written.ok()) {
        co_await db::Rollback(c);
        if (written.error().code == db::Errc::kDuplicateKey) {
            co_return MakeError(ErrorCode::kInvalidRequest, "repeated color and size");
        }
        co_return domain::DbFailure(written.error());
    }
    // A multi-row INSERT takes consecutive AUTO_INCREMENT values from the first one
    // (innodb_autoinc_lock_mode 1 or 2 with a simple insert of known row count).
    const auto first = static_cast<std::int64_t>(written->insert_id);
    for (std::size_t i = 0; i < options.size(); ++i) {
        p.options.push_back(Option{first + static_cast<std::int64_t>(i), p.id, options[i].color,
                                   options[i].size, options[i].price, options[i].stock, 0});
    }
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return domain::DbFailure(committed.error());
    co_return p;
}

asio::awaitable<Result<Option>> CatalogStore::ChangeStock(std::int64_t option_id,
                                                          StockOperation operation,
                                                          std::int64_t quantity) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    const std::string id = std::to_string(option_id);
    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    auto locked = co_await c.Query(std::string("SELECT ") + kOptionColumns +
                                   " FROM product_options WHERE id = " + id + " FOR UPDATE");
    if (!locked.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(locked.error());
    }
    if (locked->rows.empty()) {
        co_await db::Rollback(c);
        co_return MakeError(ErrorCode::kOptionNotFound, "no such product option");
    }
    Option option = OptionFromRow(locked->rows.front());
    const auto next = ChangedStock(operation, quantity, option.stock, option.reserved);
    if (!next) {
        co_await db::Rollback(c);
        co_return MakeError(ErrorCode::kStockChangeRefused, "stock change refused");
    }
    auto updated = co_await c.Query("UPDATE product_options SET stock = " + std::to_string(*next) +
                                    ", added_stock = added_stock + " +
                                    std::to_string(*next - option.stock) + " WHERE id = " + id);
    if (!updated.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(updated.error());
    }
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return domain::DbFailure(committed.error());
    option.stock = *next;
    co_return option;
}

asio::awaitable<Result<OptionAudit>> CatalogStore::Audit(std::int64_t option_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    const std::string id = std::to_string(option_id);
    auto found = co_await conn->Query(
        "SELECT o.initial_stock, o.added_stock, o.stock, o.reserved, "
        "COALESCE(SUM(CASE WHEN r.status = 'PAID' THEN i.quantity END), 0), "
        "COALESCE(SUM(CASE WHEN r.status = 'PENDING' THEN i.quantity END), 0) "
        "FROM product_options o LEFT JOIN order_items i ON i.product_option_id = o.id "
        "LEFT JOIN orders r ON r.id = i.order_id WHERE o.id = " +
        id + " GROUP BY o.id");
    if (!found.ok()) co_return domain::DbFailure(found.error());
    if (found->rows.empty()) {
        co_return MakeError(ErrorCode::kOptionNotFound, "no such product option");
    }
    const auto& row = found->rows.front();
    co_return OptionAudit{option_id,  row.Int(0), row.Int(1), row.Int(2),
                          row.Int(3), row.Int(4), row.Int(5)};
}

asio::awaitable<Status> CatalogStore::SeedIfEmpty(std::int64_t now_ms) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    // Fixed ids with INSERT IGNORE, as the seed coupon: instances racing on an empty table all
    // write the same rows, and the primary key keeps one copy. One transaction, so a product is
    // never left without its options.
    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    auto products = co_await c.Query(
        "INSERT IGNORE INTO products (id, name, created_at) SELECT * FROM (SELECT 1, "
        "'Basic T-shirt', " +
        domain::SqlTime(now_ms) + " UNION ALL SELECT 2, 'Hoodie', " + domain::SqlTime(now_ms) +
        " UNION ALL SELECT 3, 'Sneakers', " + domain::SqlTime(now_ms) +
        ") AS seed WHERE NOT EXISTS (SELECT 1 FROM products)");
    if (!products.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(products.error());
    }
    if (products->affected_rows == 0) {
        co_await db::Rollback(c);
        co_return Ok{};
    }
    auto options = co_await c.Query(
        "INSERT IGNORE INTO product_options (id, product_id, color, size, price, stock, "
        "initial_stock) VALUES (1, 1, 'black', 'M', 19000, 100, 100), (2, 1, 'black', 'L', 19000, "
        "100, 100), (3, 1, 'white', 'M', 19000, 100, 100), (4, 2, 'grey', 'L', 49000, 50, 50), "
        "(5, 3, 'white', '270', 89000, 30, 30)");
    if (!options.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(options.error());
    }
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return domain::DbFailure(committed.error());
    co_return Ok{};
}

}  // namespace hhplus::catalog
