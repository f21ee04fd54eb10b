#pragma once
// CatalogHandler: HTTP ⇄ CatalogStore for /api/products* and the admin routes
// /api/admin/products, /api/admin/product-options/{optionId}/*.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <string>

#include "common/clock.hpp"
#include "domain/catalog/catalog_store.hpp"
#include "http/message.hpp"

namespace hhplus::catalog {

class CatalogHandler {
  public:
    CatalogHandler(CatalogStore& store, const Clock& clock, std::string admin_token)
        : store_(store), clock_(clock), admin_token_(std::move(admin_token)) {}

    boost::asio::awaitable<http::Response> List(http::Request request);
    boost::asio::awaitable<http::Response> Get(http::Request request);
    boost::asio::awaitable<http::Response> AdminCreate(http::Request request);
    boost::asio::awaitable<http::Response> AdminChangeStock(http::Request request);
    boost::asio::awaitable<http::Response> AdminAudit(http::Request request);

  private:
    CatalogStore& store_;
    const Clock& clock_;
    std::string admin_token_;
};

}  // namespace hhplus::catalog
