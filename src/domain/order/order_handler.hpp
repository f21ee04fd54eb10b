#pragma once
// OrderHandler: HTTP ⇄ OrderService for /api/orders*, /api/users/{userId}/orders.
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "common/clock.hpp"
#include "domain/auth/auth_service.hpp"
#include "domain/order/order_service.hpp"
#include "http/message.hpp"

namespace hhplus::order {

class OrderHandler {
  public:
    OrderHandler(OrderService& service, auth::AuthService& auth, const Clock& clock)
        : service_(service), auth_(auth), clock_(clock) {}

    boost::asio::awaitable<http::Response> Place(http::Request request);
    boost::asio::awaitable<http::Response> Get(http::Request request);
    boost::asio::awaitable<http::Response> ListMine(http::Request request);
    boost::asio::awaitable<http::Response> Pay(http::Request request);

  private:
    OrderService& service_;
    auth::AuthService& auth_;
    const Clock& clock_;
};

}  // namespace hhplus::order
