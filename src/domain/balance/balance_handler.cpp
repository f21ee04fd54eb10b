#include "domain/balance/balance_handler.hpp"

#include "domain/handler_support.hpp"
#include "http/json.hpp"

namespace hhplus::balance {

namespace asio = boost::asio;

namespace {

constexpr std::int64_t kMinCharge = 1;
constexpr std::int64_t kMaxCharge = 1'000'000'000;  // api.md: 1 … 1,000,000,000 won per charge
constexpr int kDefaultLogLimit = 20;
constexpr int kMaxLogLimit = 100;

std::string RenderBalance(std::int64_t user_id, std::int64_t balance) {
    http::JsonWriter w(48);
    w.StartObject().Key("userId").Int(user_id).Key("balance").Int(balance).EndObject();
    return w.Finish();
}

}  // namespace

asio::awaitable<http::Response> BalanceHandler::Get(http::Request request) {
    const std::int64_t user_id = request.PathId("userId");
    auto session = co_await auth_.Authorize(request.Cookie("sid"), user_id);
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    auto balance = co_await service_.Get(user_id);
    if (!balance.ok()) co_return domain::RenderError(request, balance.error(), clock_);
    co_return http::Json(200, RenderBalance(user_id, balance.value()));
}

asio::awaitable<http::Response> BalanceHandler::Charge(http::Request request) {
    const std::int64_t user_id = request.PathId("userId");
    auto session = co_await auth_.Authorize(request.Cookie("sid"), user_id);
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    const http::Field fields[] = {
        {"amount", http::kInt64, http::kRequired, kMinCharge, kMaxCharge}};
    auto body = http::ParseObject(request.body, fields);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    auto key = IdempotencyKeyOf(request);
    if (!key.ok()) co_return domain::RenderError(request, key.error(), clock_);
    auto balance =
        co_await service_.Charge(user_id, body->GetInt("amount"), std::move(key.value()));
    if (!balance.ok()) co_return domain::RenderError(request, balance.error(), clock_);
    co_return http::Json(200, RenderBalance(user_id, balance.value()));
}

asio::awaitable<http::Response> BalanceHandler::Logs(http::Request request) {
    const std::int64_t user_id = request.PathId("userId");
    auto session = co_await auth_.Authorize(request.Cookie("sid"), user_id);
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    auto page = domain::ParsePage(request, kDefaultLogLimit, kMaxLogLimit);
    if (!page.ok()) co_return domain::RenderError(request, page.error(), clock_);
    const int limit = page->limit;
    const std::int64_t before_id = page->cursor;
    // One row more than asked tells whether another page exists.
    auto logs = co_await service_.Logs(user_id, limit + 1, before_id);
    if (!logs.ok()) co_return domain::RenderError(request, logs.error(), clock_);
    const bool more = logs->size() > static_cast<std::size_t>(limit);
    if (more) logs->pop_back();
    http::JsonWriter w(64 + logs->size() * 160);
    w.StartObject().Key("logs").StartArray();
    for (const auto& log : logs.value()) {
        w.StartObject()
            .Key("id")
            .Int(log.id)
            .Key("amount")
            .Int(log.amount)
            .Key("beforeAmount")
            .Int(log.before_amount)
            .Key("afterAmount")
            .Int(log.after_amount)
            .Key("code")
            .String(log.code)
            .Key("createdAt")
            .String(FormatIsoMillis(log.created_at_ms))
            .EndObject();
    }
    w.EndArray().Key("nextCursor");
    if (more) {
        w.String(std::to_string(logs->back().id));
    } else {
        w.Null();
    }
    w.EndObject();
    co_return http::Json(200, w.Finish());
}

asio::awaitable<http::Response> BalanceHandler::AdminAudit(http::Request request) {
    auto admitted = domain::CheckAdminToken(request, admin_token_);
    if (!admitted.ok()) co_return domain::RenderError(request, admitted.error(), clock_);
    auto audit = co_await service_.Audit(request.PathId("userId"));
    if (!audit.ok()) co_return domain::RenderError(request, audit.error(), clock_);
    http::JsonWriter w(96);
    w.StartObject()
        .Key("userId")
        .Int(audit->user_id)
        .Key("balance")
        .Int(audit->balance)
        .Key("charged")
        .Int(audit->charged)
        .Key("paid")
        .Int(audit->paid)
        .EndObject();
    co_return http::Json(200, w.Finish());
}

}  // namespace hhplus::balance
