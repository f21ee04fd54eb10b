#include "domain/cart/cart_handler.hpp"

#include "domain/handler_support.hpp"
#include "http/json.hpp"

namespace hhplus::cart {

namespace asio = boost::asio;

asio::awaitable<http::Response> CartHandler::Render(const http::Request& request,
                                                    std::int64_t user_id) {
    auto lines = co_await store_.Get(user_id);
    if (!lines.ok()) co_return domain::RenderError(request, lines.error(), clock_);
    http::JsonWriter w(32 + lines->size() * 192);
    w.StartObject().Key("items").StartArray();
    for (const auto& line : lines.value()) {
        w.StartObject()
            .Key("productOptionId")
            .Int(line.option_id)
            .Key("productId")
            .Int(line.product_id)
            .Key("productName")
            .String(line.product_name)
            .Key("color")
            .String(line.color)
            .Key("size")
            .String(line.size)
            .Key("price")
            .Int(line.price)
            .Key("quantity")
            .Int(line.quantity)
            .Key("available")
            .Int(line.available)
            .EndObject();
    }
    w.EndArray().EndObject();
    co_return http::Json(200, w.Finish());
}

asio::awaitable<http::Response> CartHandler::Get(http::Request request) {
    const std::int64_t user_id = request.PathId("userId");
    auto session = co_await auth_.Authorize(request.Cookie("sid"), user_id);
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    co_return co_await Render(request, user_id);
}

asio::awaitable<http::Response> CartHandler::Set(http::Request request) {
    const std::int64_t user_id = request.PathId("userId");
    auto session = co_await auth_.Authorize(request.Cookie("sid"), user_id);
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    const http::Field fields[] = {
        {"productOptionId", http::kInt64, http::kRequired, 1},
        {"quantity", http::kInt64, http::kRequired, 1, kMaxCartQuantity},
    };
    auto body = http::ParseObject(request.body, fields);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    auto set = co_await store_.Set(user_id, body->GetInt("productOptionId"),
                                   body->GetInt("quantity"), ToEpochMillis(clock_.Now()));
    if (!set.ok()) co_return domain::RenderError(request, set.error(), clock_);
    co_return co_await Render(request, user_id);
}

asio::awaitable<http::Response> CartHandler::Remove(http::Request request) {
    const std::int64_t user_id = request.PathId("userId");
    auto session = co_await auth_.Authorize(request.Cookie("sid"), user_id);
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    auto removed = co_await store_.Remove(user_id, request.PathId("optionId"));
    if (!removed.ok()) co_return domain::RenderError(request, removed.error(), clock_);
    co_return co_await Render(request, user_id);
}

}  // namespace hhplus::cart
