#include "domain/order/order_handler.hpp"

#include "domain/balance/balance_service.hpp"
#include "domain/handler_support.hpp"
#include "http/json.hpp"

namespace hhplus::order {

namespace asio = boost::asio;

namespace {

constexpr int kDefaultOrderPage = 20;
constexpr int kMaxOrderPage = 100;

void WriteOrder(http::JsonWriter& w, const Order& o) {
    w.StartObject()
        .Key("orderId")
        .Int(o.id)
        .Key("userId")
        .Int(o.user_id)
        .Key("status")
        .String(StatusName(o.status))
        .Key("items")
        .StartArray();
    for (const auto& item : o.items) {
        w.StartObject()
            .Key("productOptionId")
            .Int(item.option_id)
            .Key("productId")
            .Int(item.product_id)
            .Key("productName")
            .String(item.product_name)
            .Key("color")
            .String(item.color)
            .Key("size")
            .String(item.size)
            .Key("unitPrice")
            .Int(item.unit_price)
            .Key("quantity")
            .Int(item.quantity)
            .EndObject();
    }
    w.EndArray()
        .Key("totalAmount")
        .Int(o.total_amount)
        .Key("couponId")
        .IntOrNull(o.coupon_id)
        .Key("discountRate")
        .Int(o.discount_rate)
        .Key("discountAmount")
        .Int(o.discount_amount)
        .Key("finalAmount")
        .Int(o.final_amount)
        .Key("createdAt")
        .String(FormatIsoMillis(o.created_at_ms))
        .Key("expiresAt")
        .String(FormatIsoMillis(o.expires_at_ms))
        .Key("paidAt");
    if (o.paid_at_ms) {
        w.String(FormatIsoMillis(*o.paid_at_ms));
    } else {
        w.Null();
    }
}

std::string RenderOrder(const Order& o) {
    http::JsonWriter w(384 + o.items.size() * 160);
    WriteOrder(w, o);
    w.EndObject();
    return w.Finish();
}

}  // namespace

asio::awaitable<http::Response> OrderHandler::Place(http::Request request) {
    auto session = co_await auth_.Authenticate(request.Cookie("sid"));
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    static constexpr http::Field kLineFields[] = {
        {"productOptionId", http::kInt64, http::kRequired, 1},
        {"quantity", http::kInt64, http::kRequired, 1, kMaxLineQuantity},
    };
    const http::Field fields[] = {
        {"items", http::kObjectArray, http::kRequired, 1, kMaxOrderLines, kLineFields},
        {"couponId", http::kInt64, http::kOptional, 1},
    };
    auto body = http::ParseObject(request.body, fields);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    std::vector<Line> lines;
    for (const auto& item : body->GetList("items")) {
        lines.push_back(Line{item.GetInt("productOptionId"), item.GetInt("quantity")});
    }
    if (!LinesAreDistinct(lines)) {
        co_return domain::RenderError(
            request, MakeError(ErrorCode::kInvalidRequest, "an option appears twice"), clock_);
    }
    auto placed =
        co_await service_.Place(session->user_id, std::move(lines), body->FindInt("couponId"));
    if (!placed.ok()) co_return domain::RenderError(request, placed.error(), clock_);
    co_return http::Json(201, RenderOrder(placed.value()));
}

asio::awaitable<http::Response> OrderHandler::Get(http::Request request) {
    auto session = co_await auth_.Authenticate(request.Cookie("sid"));
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    auto order = co_await service_.Get(request.PathId("orderId"), session->user_id);
    if (!order.ok()) co_return domain::RenderError(request, order.error(), clock_);
    co_return http::Json(200, RenderOrder(order.value()));
}

asio::awaitable<http::Response> OrderHandler::ListMine(http::Request request) {
    const std::int64_t user_id = request.PathId("userId");
    auto session = co_await auth_.Authorize(request.Cookie("sid"), user_id);
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    auto page = domain::ParsePage(request, kDefaultOrderPage, kMaxOrderPage);
    if (!page.ok()) co_return domain::RenderError(request, page.error(), clock_);
    // One row more than asked tells whether another page exists.
    auto orders = co_await service_.List(user_id, page->limit + 1, page->cursor);
    if (!orders.ok()) co_return domain::RenderError(request, orders.error(), clock_);
    const bool more = orders->size() > static_cast<std::size_t>(page->limit);
    if (more) orders->pop_back();
    http::JsonWriter w(64 + orders->size() * 512);
    w.StartObject().Key("orders").StartArray();
    for (const auto& o : orders.value()) {
        WriteOrder(w, o);
        w.EndObject();
    }
    w.EndArray().Key("nextCursor");
    if (more) {
        w.String(std::to_string(orders->back().id));
    } else {
        w.Null();
    }
    w.EndObject();
    co_return http::Json(200, w.Finish());
}

asio::awaitable<http::Response> OrderHandler::Pay(http::Request request) {
    auto session = co_await auth_.Authenticate(request.Cookie("sid"));
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    auto body = http::ParseObject(request.body, std::span<const http::Field>(),
                                  http::EmptyBody::kAsEmptyObject);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    auto key = balance::IdempotencyKeyOf(request);
    if (!key.ok()) co_return domain::RenderError(request, key.error(), clock_);
    auto paid =
        co_await service_.Pay(request.PathId("orderId"), session->user_id, std::move(key.value()));
    if (!paid.ok()) co_return domain::RenderError(request, paid.error(), clock_);
    http::JsonWriter w(512 + paid->order.items.size() * 160);
    WriteOrder(w, paid->order);
    w.Key("balance").Int(paid->balance).EndObject();
    co_return http::Json(200, w.Finish());
}

}  // namespace hhplus::order
