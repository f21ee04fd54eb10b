#pragma once
// The route table: method, pattern and body kind of every endpoint, as data with no handler.
// App::BuildRoutes binds each RouteId to its handler; the HTTP fuzz target (tests/fuzz) loads
// the same table with a stand-in handler, so the request path it fuzzes is the one served. This
// header needs no coroutine code of its own and nothing beyond src/http.
#include <array>
#include <string_view>

#include "http/message.hpp"
#include "http/router.hpp"

namespace hhplus::app {

// One per handler. App::HandlerOf switches over it without a default, so a route added here
// without a handler is a -Wswitch error.
enum class RouteId {
    kHealth,
    kReady,
    kMetrics,
    kSignup,
    kLogin,
    kLogout,
    kMe,
    kBalance,
    kCharge,
    kBalanceLogs,
    kMyCoupons,
    kCoupon,
    kIssueCoupon,
    kProducts,
    kTopProducts,
    kProduct,
    kCart,
    kSetCart,
    kRemoveCartLine,
    kPlaceOrder,
    kOrder,
    kMyOrders,
    kPayOrder,
    kAdminCreateCoupon,
    kAdminCouponAudit,
    kAdminCreateProduct,
    kAdminChangeStock,
    kAdminOptionAudit,
    kAdminBalanceAudit,
};

// api.md: without a configured admin token the admin routes do not exist (404).
enum class Access { kPublic, kAdmin };

struct RouteSpec {
    http::Method method;
    std::string_view pattern;
    http::BodyKind body;
    RouteId id;
    Access access = Access::kPublic;
};

inline constexpr std::array kRoutes = {
    RouteSpec{http::Method::kGet, "/health", http::BodyKind::kNone, RouteId::kHealth},
    RouteSpec{http::Method::kGet, "/health/ready", http::BodyKind::kNone, RouteId::kReady},
    RouteSpec{http::Method::kGet, "/metrics", http::BodyKind::kNone, RouteId::kMetrics},
    RouteSpec{http::Method::kPost, "/api/auth/signup", http::BodyKind::kJson, RouteId::kSignup},
    RouteSpec{http::Method::kPost, "/api/auth/login", http::BodyKind::kJson, RouteId::kLogin},
    RouteSpec{http::Method::kPost, "/api/auth/logout", http::BodyKind::kNone, RouteId::kLogout},
    RouteSpec{http::Method::kGet, "/api/auth/me", http::BodyKind::kNone, RouteId::kMe},
    RouteSpec{http::Method::kGet, "/api/users/{userId}/balance", http::BodyKind::kNone,
              RouteId::kBalance},
    RouteSpec{http::Method::kPatch, "/api/users/{userId}/balance", http::BodyKind::kJson,
              RouteId::kCharge},
    RouteSpec{http::Method::kGet, "/api/users/{userId}/balance/logs", http::BodyKind::kNone,
              RouteId::kBalanceLogs},
    RouteSpec{http::Method::kGet, "/api/users/{userId}/coupons", http::BodyKind::kNone,
              RouteId::kMyCoupons},
    RouteSpec{http::Method::kGet, "/api/coupons/{couponId}", http::BodyKind::kNone,
              RouteId::kCoupon},
    RouteSpec{http::Method::kPost, "/api/coupons/{couponId}/issue", http::BodyKind::kJson,
              RouteId::kIssueCoupon},
    RouteSpec{http::Method::kGet, "/api/products", http::BodyKind::kNone, RouteId::kProducts},
    RouteSpec{http::Method::kGet, "/api/products/top", http::BodyKind::kNone,
              RouteId::kTopProducts},
    RouteSpec{http::Method::kGet, "/api/products/{productId}", http::BodyKind::kNone,
              RouteId::kProduct},
    RouteSpec{http::Method::kGet, "/api/users/{userId}/cart", http::BodyKind::kNone,
              RouteId::kCart},
    RouteSpec{http::Method::kPost, "/api/users/{userId}/cart", http::BodyKind::kJson,
              RouteId::kSetCart},
    RouteSpec{http::Method::kDelete, "/api/users/{userId}/cart/{optionId}", http::BodyKind::kNone,
              RouteId::kRemoveCartLine},
    RouteSpec{http::Method::kPost, "/api/orders", http::BodyKind::kJson, RouteId::kPlaceOrder},
    RouteSpec{http::Method::kGet, "/api/orders/{orderId}", http::BodyKind::kNone, RouteId::kOrder},
    RouteSpec{http::Method::kGet, "/api/users/{userId}/orders", http::BodyKind::kNone,
              RouteId::kMyOrders},
    RouteSpec{http::Method::kPost, "/api/orders/{orderId}/payment", http::BodyKind::kJson,
              RouteId::kPayOrder},
    RouteSpec{http::Method::kPost, "/api/admin/coupons", http::BodyKind::kJson,
              RouteId::kAdminCreateCoupon, Access::kAdmin},
    RouteSpec{http::Method::kGet, "/api/admin/coupons/{couponId}/audit", http::BodyKind::kNone,
              RouteId::kAdminCouponAudit, Access::kAdmin},
    RouteSpec{http::Method::kPost, "/api/admin/products", http::BodyKind::kJson,
              RouteId::kAdminCreateProduct, Access::kAdmin},
    RouteSpec{http::Method::kPatch, "/api/admin/product-options/{optionId}/stock",
              http::BodyKind::kJson, RouteId::kAdminChangeStock, Access::kAdmin},
    RouteSpec{http::Method::kGet, "/api/admin/product-options/{optionId}/audit",
              http::BodyKind::kNone, RouteId::kAdminOptionAudit, Access::kAdmin},
    RouteSpec{http::Method::kGet, "/api/admin/users/{userId}/balance-audit", http::BodyKind::kNone,
              RouteId::kAdminBalanceAudit, Access::kAdmin},
};

}  // namespace hhplus::app
