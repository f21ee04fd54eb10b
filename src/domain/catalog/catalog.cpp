#include "domain/catalog/catalog.hpp"

namespace hhplus::catalog {

std::optional<StockOperation> ParseStockOperation(std::string_view text) {
    if (text == "increase") return StockOperation::kIncrease;
    if (text == "decrease") return StockOperation::kDecrease;
    if (text == "set") return StockOperation::kSet;
    return std::nullopt;
}

std::optional<std::int64_t> ChangedStock(StockOperation operation, std::int64_t quantity,
                                         std::int64_t stock, std::int64_t reserved) {
    std::int64_t next = stock;
    switch (operation) {
        case StockOperation::kIncrease:
            next = stock + quantity;  // both ≤ 10^9: no overflow
            break;
        case StockOperation::kDecrease:
            next = stock - quantity;
            break;
        case StockOperation::kSet:
            next = quantity;
            break;
    }
    if (next < reserved || next > kMaxStock) return std::nullopt;
    return next;
}

}  // namespace hhplus::catalog
