#pragma once
// UserStore: the users table. Each call takes one pooled connection for one statement.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "db/pool.hpp"

namespace hhplus::auth {

struct UserRecord {
    std::int64_t id = 0;
    std::string email;
    std::string password_hash;
    std::int64_t balance = 0;
};

class UserStore {
  public:
    explicit UserStore(db::Pool& pool) : pool_(pool) {}

    // New user's id; A003 when the email is taken.
    boost::asio::awaitable<Result<std::int64_t>> Insert(std::string email,
                                                        std::string password_hash);
    boost::asio::awaitable<Result<std::optional<UserRecord>>> FindByEmail(std::string email);

  private:
    db::Pool& pool_;
};

}  // namespace hhplus::auth
