#pragma once
// The catalog: products, their options (color, size, price) and each option's stock, and the one
// rule about stock that needs no database (an admin change never goes below what is reserved).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error_code.hpp"

namespace hhplus::catalog {

// api.md limits.
inline constexpr std::int64_t kMaxNameChars = 100;
inline constexpr std::int64_t kMaxVariantChars = 30;  // color, size
inline constexpr std::int64_t kMaxOptions = 20;
inline constexpr std::int64_t kMaxPrice = 100'000'000;
inline constexpr std::int64_t kMaxInitialStock = 10'000'000;
inline constexpr std::int64_t kMaxStockChange = 10'000'000;
inline constexpr std::int64_t kMaxStock = 1'000'000'000;

struct Option {
    std::int64_t id = 0;
    std::int64_t product_id = 0;
    std::string color;
    std::string size;
    std::int64_t price = 0;
    std::int64_t stock = 0;
    std::int64_t reserved = 0;
    std::int64_t available() const { return stock - reserved; }
};

struct Product {
    std::int64_t id = 0;
    std::string name;
    std::int64_t created_at_ms = 0;
    std::vector<Option> options;  // by id ascending
};

struct ProductSummary {
    std::int64_t id = 0;
    std::string name;
    std::int64_t min_price = 0;
    std::int64_t available = 0;
};

struct NewOption {
    std::string color;
    std::string size;
    std::int64_t price = 0;
    std::int64_t stock = 0;
};

enum class StockOperation { kIncrease, kDecrease, kSet };
std::optional<StockOperation> ParseStockOperation(std::string_view text);

// The stock after `operation` by `quantity`, or nullopt (P004) when it would fall below
// `reserved` or rise above kMaxStock.
std::optional<std::int64_t> ChangedStock(StockOperation operation, std::int64_t quantity,
                                         std::int64_t stock, std::int64_t reserved);

struct OptionAudit {
    std::int64_t option_id = 0;
    std::int64_t initial_stock = 0;
    std::int64_t added_stock = 0;
    std::int64_t stock = 0;
    std::int64_t reserved = 0;
    std::int64_t sold_units = 0;     // Σ quantity of PAID orders' items
    std::int64_t pending_units = 0;  // Σ quantity of PENDING orders' items
};

}  // namespace hhplus::catalog
