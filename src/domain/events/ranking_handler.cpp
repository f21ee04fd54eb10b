#include "domain/events/ranking_handler.hpp"

#include "domain/handler_support.hpp"

namespace hhplus::events {

namespace asio = boost::asio;

namespace {

// True when the raw query names `name` (QueryParam answers nullopt both for an absent parameter
// and for a broken %-encoding; the second is a 400, not the default).
bool Named(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        if (pair.substr(0, pair.find('=')) == name) return true;
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return false;
}

// A positive decimal (no sign, no leading zero) ≤ max; `fallback` when absent; else sets `bad`.
std::optional<int> BoundedParam(const http::Request& request, std::string_view name, int fallback,
                                int max, bool& bad) {
    auto text = request.QueryParam(name);
    if (!text && !Named(request.query, name)) return fallback;
    if (!text) {
        bad = true;
        return std::nullopt;
    }
    auto value = domain::PositiveInt(*text);
    if (!value || *value > max) {
        bad = true;
        return std::nullopt;
    }
    return static_cast<int>(*value);
}

}  // namespace

Result<TopQuery> ParseTopQuery(const http::Request& request) {
    bool bad = false;
    const auto count = BoundedParam(request, "count", kTopDefaultCount, kTopMaxCount, bad);
    const auto days = BoundedParam(request, "days", kTopDefaultDays, kTopMaxDays, bad);
    if (bad || !count || !days) {
        return MakeError(ErrorCode::kInvalidRequest, "count must be 1..50 and days 1..30");
    }
    return TopQuery{*count, *days};
}

asio::awaitable<http::Response> RankingHandler::Top(http::Request request) {
    auto query = ParseTopQuery(request);
    if (!query.ok()) co_return domain::RenderError(request, query.error(), clock_);
    auto body = co_await service_.TopJson(query->count, query->days);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    co_return http::Json(200, std::move(body.value()));
}

}  // namespace hhplus::events
