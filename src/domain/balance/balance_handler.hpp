#pragma once
// BalanceHandler: HTTP ⇄ BalanceService for /api/users/{userId}/balance* and the admin route
// /api/admin/users/{userId}/balance-audit.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <string>

#include "common/clock.hpp"
#include "domain/auth/auth_service.hpp"
#include "domain/balance/balance_service.hpp"
#include "http/message.hpp"

namespace hhplus::balance {

class BalanceHandler {
  public:
    BalanceHandler(BalanceService& service, auth::AuthService& auth, const Clock& clock,
                   std::string admin_token)
        : service_(service), auth_(auth), clock_(clock), admin_token_(std::move(admin_token)) {}

    boost::asio::awaitable<http::Response> Get(http::Request request);
    boost::asio::awaitable<http::Response> Charge(http::Request request);
    boost::asio::awaitable<http::Response> Logs(http::Request request);
    boost::asio::awaitable<http::Response> AdminAudit(http::Request request);

  private:
    BalanceService& service_;
    auth::AuthService& auth_;
    const Clock& clock_;
    std::string admin_token_;
};

}  // namespace hhplus::balance
