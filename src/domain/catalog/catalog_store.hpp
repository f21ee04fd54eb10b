#pragma once
// CatalogStore: products, options and stock in MariaDB. The catalog has no rules beyond what a
// single statement or transaction enforces, so its handler calls the store directly.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "db/pool.hpp"
#include "domain/catalog/catalog.hpp"

namespace hhplus::catalog {

class CatalogStore {
  public:
    explicit CatalogStore(db::Pool& pool) : pool_(pool) {}

    // Products with at least one option available, by id ascending, ids > after_id.
    boost::asio::awaitable<Result<std::vector<ProductSummary>>> List(int limit,
                                                                     std::int64_t after_id);
    // P001 when missing.
    boost::asio::awaitable<Result<Product>> Get(std::int64_t product_id);
    // One transaction: the product and its options (a repeated color+size → V001).
    boost::asio::awaitable<Result<Product>> Create(std::string name, std::vector<NewOption> options,
                                                   std::int64_t now_ms);
    // Locks the option's row, applies ChangedStock, records the net change in added_stock.
    // P002 when missing, P004 when refused.
    boost::asio::awaitable<Result<Option>> ChangeStock(std::int64_t option_id,
                                                       StockOperation operation,
                                                       std::int64_t quantity);
    // One statement, so one consistent read. P002 when missing.
    boost::asio::awaitable<Result<OptionAudit>> Audit(std::int64_t option_id);
    // On an empty products table: a handful of products (racing instances: one wins).
    boost::asio::awaitable<Status> SeedIfEmpty(std::int64_t now_ms);

  private:
    db::Pool& pool_;
};

}  // namespace hhplus::catalog
