#pragma once
// CartHandler: HTTP ⇄ CartStore for /api/users/{userId}/cart*. The cart has no rules beyond its
// store's transaction, so there is no service in between.
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "common/clock.hpp"
#include "domain/auth/auth_service.hpp"
#include "domain/cart/cart_store.hpp"
#include "http/message.hpp"

namespace hhplus::cart {

class CartHandler {
  public:
    CartHandler(CartStore& store, auth::AuthService& auth, const Clock& clock)
        : store_(store), auth_(auth), clock_(clock) {}

    boost::asio::awaitable<http::Response> Get(http::Request request);
    boost::asio::awaitable<http::Response> Set(http::Request request);
    boost::asio::awaitable<http::Response> Remove(http::Request request);

  private:
    // The cart as every route answers it.
    boost::asio::awaitable<http::Response> Render(const http::Request& request,
                                                  std::int64_t user_id);

    CartStore& store_;
    auth::AuthService& auth_;
    const Clock& clock_;
};

}  // namespace hhplus::cart
