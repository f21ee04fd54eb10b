#pragma once
// CartStore: a user's cart lines in MariaDB. A cart reserves nothing; it shows each option's
// current price and availability when read.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "db/pool.hpp"

namespace hhplus::cart {

// api.md: at most 50 lines, 1–100 units a line.
inline constexpr std::int64_t kMaxCartLines = 50;
inline constexpr std::int64_t kMaxCartQuantity = 100;

struct CartLine {
    std::int64_t option_id = 0;
    std::int64_t product_id = 0;
    std::string product_name;
    std::string color;
    std::string size;
    std::int64_t price = 0;
    std::int64_t quantity = 0;
    std::int64_t available = 0;
};

class CartStore {
  public:
    explicit CartStore(db::Pool& pool) : pool_(pool) {}

    // By option id ascending.
    boost::asio::awaitable<Result<std::vector<CartLine>>> Get(std::int64_t user_id);
    // Sets the line's quantity (P002 for an unknown option; V001 for a 51st line). One
    // transaction under the user's row lock, so concurrent adds can't pass the line limit.
    boost::asio::awaitable<Status> Set(std::int64_t user_id, std::int64_t option_id,
                                       std::int64_t quantity, std::int64_t now_ms);
    // Removing a line that is not there is not an error.
    boost::asio::awaitable<Status> Remove(std::int64_t user_id, std::int64_t option_id);

  private:
    db::Pool& pool_;
};

}  // namespace hhplus::cart
