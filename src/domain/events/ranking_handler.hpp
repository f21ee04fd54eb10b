#pragma once
// RankingHandler: HTTP ⇄ RankingService for GET /api/products/top (public, no session).
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "common/clock.hpp"
#include "domain/events/ranking_service.hpp"
#include "http/message.hpp"

namespace hhplus::events {

// `?count=&days=`: absent → the default; present → a positive decimal within its range, else
// V001 (api.md "Best sellers"). Pure, for the unit tests.
struct TopQuery {
    int count = kTopDefaultCount;
    int days = kTopDefaultDays;
};
Result<TopQuery> ParseTopQuery(const http::Request& request);

class RankingHandler {
  public:
    RankingHandler(RankingService& service, const Clock& clock)
        : service_(service), clock_(clock) {}

    boost::asio::awaitable<http::Response> Top(http::Request request);

  private:
    RankingService& service_;
    const Clock& clock_;
};

}  // namespace hhplus::events
