#pragma once
// AuthHandler: HTTP ⇄ AuthService for /api/auth/*. Parses and validates, calls the service,
// renders; holds no rules.
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "common/clock.hpp"
#include "domain/auth/auth_service.hpp"
#include "http/message.hpp"

namespace hhplus::auth {

class AuthHandler {
  public:
    AuthHandler(AuthService& service, const Clock& clock, bool secure_cookie)
        : service_(service), clock_(clock), secure_cookie_(secure_cookie) {}

    boost::asio::awaitable<http::Response> Signup(http::Request request);
    boost::asio::awaitable<http::Response> Login(http::Request request);
    boost::asio::awaitable<http::Response> Logout(http::Request request);
    boost::asio::awaitable<http::Response> Me(http::Request request);

  private:
    AuthService& service_;
    const Clock& clock_;
    bool secure_cookie_;
};

}  // namespace hhplus::auth
