#include "domain/catalog/catalog_store.hpp"

#include "domain/dependency_errors.hpp"
#include "domain/sql_time.hpp"

namespace hhplus::catalog {

namespace asio = boost::asio;

namespace {

// Every statement with values is prepared (db::PooledConnection::Execute); BEGIN/COMMIT/ROLLBACK
// and the seed's fixed option rows stay text. Times are bound as epoch microseconds
// (domain/sql_time.hpp).
constexpr std::string_view kListSql =
    "SELECT p.id, p.name, MIN(o.price), SUM(o.stock - o.reserved) FROM products p "
    "JOIN product_options o ON o.product_id = p.id WHERE p.id > ? "
    "GROUP BY p.id, p.name HAVING SUM(o.stock - o.reserved) > 0 ORDER BY p.id LIMIT ?";
constexpr std::string_view kGetProductSql =
    "SELECT id, name, (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', created_at) DIV 1000) "
    "FROM products WHERE id = ?";
// OptionFromRow's columns.
constexpr std::string_view kGetOptionsSql =
    "SELECT id, product_id, color, size, price, stock, reserved FROM product_options "
    "WHERE product_id = ? ORDER BY id";
constexpr std::string_view kInsertProductSql =
    "INSERT INTO products (name, created_at) "
    "VALUES (?, TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'))";
// + kOptionRowSql per option, joined by ", ".
constexpr std::string_view kInsertOptionsSql =
    "INSERT INTO product_options (product_id, color, size, price, stock, initial_stock) VALUES ";
constexpr std::string_view kOptionRowSql = "(?, ?, ?, ?, ?, ?)";
constexpr std::string_view kLockOptionSql =
    "SELECT id, product_id, color, size, price, stock, reserved FROM product_options "
    "WHERE id = ? FOR UPDATE";
constexpr std::string_view kSetStockSql =
    "UPDATE product_options SET stock = ?, added_stock = added_stock + ? WHERE id = ?";
constexpr std::string_view kAuditSql =
    "SELECT o.initial_stock, o.added_stock, o.stock, o.reserved, "
    "COALESCE(SUM(CASE WHEN r.status = 'PAID' THEN i.quantity END), 0), "
    "COALESCE(SUM(CASE WHEN r.status = 'PENDING' THEN i.quantity END), 0) "
    "FROM product_options o LEFT JOIN order_items i ON i.product_option_id = o.id "
    "LEFT JOIN orders r ON r.id = i.order_id WHERE o.id = ? GROUP BY o.id";
constexpr std::string_view kSeedProductsSql =
    "INSERT IGNORE INTO products (id, name, created_at) SELECT * FROM (SELECT 1, "
    "'Basic T-shirt', TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') "
    "UNION ALL SELECT 2, 'Hoodie', TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') "
    "UNION ALL SELECT 3, 'Sneakers', TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000')"
    ") AS seed WHERE NOT EXISTS (SELECT 1 FROM products)";

Option OptionFromRow(const db::Row& row) {
    return Option{row.Int(0), row.Int(1), row.Str(2), row.Str(3),
                  row.Int(4), row.Int(5), row.Int(6)};
}

}  // namespace

asio::awaitable<Result<std::vector<ProductSummary>>> CatalogStore::List(int limit,
                                                                        std::int64_t after_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{after_id, std::int64_t{limit}};
    auto found = co_await conn->Execute(std::string(kListSql), std::move(params));
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
    db::Params product_params{product_id};
    auto product = co_await conn->Execute(std::string(kGetProductSql), std::move(product_params));
    if (!product.ok()) co_return domain::DbFailure(product.error());
    if (product->rows.empty()) co_return MakeError(ErrorCode::kProductNotFound, "no such product");
    Product p{product->rows.front().Int(0),
              product->rows.front().Str(1),
              product->rows.front().Int(2),
              {}};
    db::Params option_params{product_id};
    auto options = co_await conn->Execute(std::string(kGetOptionsSql), std::move(option_params));
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
    db::Params product_params{name, domain::SqlTimeParam(now_ms)};
    auto inserted = co_await c.Execute(std::string(kInsertProductSql), std::move(product_params));
    if (!inserted.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(inserted.error());
    }
    Product p{static_cast<std::int64_t>(inserted->insert_id), std::move(name), now_ms, {}};
    db::Params rows;
    rows.reserve(options.size() * 6);
    for (const auto& o : options) {
        rows.emplace_back(p.id);
        rows.emplace_back(o.color);
        rows.emplace_back(o.size);
        rows.emplace_back(o.price);
        rows.emplace_back(o.stock);
        rows.emplace_back(o.stock);
    }
    std::string options_sql(kInsertOptionsSql);
    options_sql += db::RepeatGroup(kOptionRowSql, options.size(), ", ");
    auto written =
        co_await db::ExecuteRows(c, std::move(options_sql), std::move(rows), options.size());
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
    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    db::Params lock_params{option_id};
    auto locked = co_await c.Execute(std::string(kLockOptionSql), std::move(lock_params));
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
    db::Params stock_params{*next, *next - option.stock, option_id};
    auto updated = co_await c.Execute(std::string(kSetStockSql), std::move(stock_params));
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
    db::Params params{option_id};
    auto found = co_await conn->Execute(std::string(kAuditSql), std::move(params));
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
    const std::int64_t created = domain::SqlTimeParam(now_ms);
    db::Params seed_params{created, created, created};
    auto products = co_await c.Execute(std::string(kSeedProductsSql), std::move(seed_params));
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
