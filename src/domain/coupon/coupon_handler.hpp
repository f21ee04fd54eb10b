#pragma once
// CouponHandler: HTTP ⇄ CouponService for /api/coupons/*, /api/users/{userId}/coupons and the
// admin routes /api/admin/coupons*.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <string>

#include "common/clock.hpp"
#include "domain/auth/auth_service.hpp"
#include "domain/coupon/coupon_service.hpp"
#include "http/message.hpp"

namespace hhplus::coupon {

class CouponHandler {
  public:
    CouponHandler(CouponService& service, auth::AuthService& auth, const Clock& clock,
                  std::string admin_token)
        : service_(service), auth_(auth), clock_(clock), admin_token_(std::move(admin_token)) {}

    boost::asio::awaitable<http::Response> Get(http::Request request);
    boost::asio::awaitable<http::Response> Issue(http::Request request);
    boost::asio::awaitable<http::Response> ListMine(http::Request request);
    boost::asio::awaitable<http::Response> AdminCreate(http::Request request);
    boost::asio::awaitable<http::Response> AdminAudit(http::Request request);

  private:
    CouponService& service_;
    auth::AuthService& auth_;
    const Clock& clock_;
    std::string admin_token_;
};

}  // namespace hhplus::coupon
