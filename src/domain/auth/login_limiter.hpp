#pragma once
// LoginLimiter: failed logins per email counted in the cache Redis, so the limit holds across all
// instances. A fixed window opens at the first failure and lasts kLoginFailureWindow.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "common/result.hpp"
#include "redis/client.hpp"

namespace hhplus::auth {

class LoginLimiter {
  public:
    explicit LoginLimiter(redis::Client& cache) : cache_(cache) {}

    // Ok, or A005 with the seconds until the window closes (for Retry-After) in `retry_after`.
    boost::asio::awaitable<Status> Check(std::string email, std::chrono::seconds* retry_after);
    boost::asio::awaitable<Status> RecordFailure(std::string email);
    boost::asio::awaitable<Status> Reset(std::string email);

  private:
    static std::string Key(std::string_view email);
    redis::Client& cache_;
};

}  // namespace hhplus::auth
