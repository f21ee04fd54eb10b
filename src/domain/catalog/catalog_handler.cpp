#include "domain/catalog/catalog_handler.hpp"

#include "domain/handler_support.hpp"
#include "http/json.hpp"

namespace hhplus::catalog {

namespace asio = boost::asio;

namespace {

constexpr int kDefaultProductPage = 20;
constexpr int kMaxProductPage = 100;
constexpr std::int64_t kMaxUtf8Bytes = 4;  // bytes a character at most

bool CharsWithin(std::string_view text, std::int64_t max_chars) {
    const auto n = domain::Utf8Chars(text);
    return n >= 1 && n <= static_cast<std::size_t>(max_chars);
}

void WriteOption(http::JsonWriter& w, const Option& o) {
    w.StartObject()
        .Key("productOptionId")
        .Int(o.id)
        .Key("productId")
        .Int(o.product_id)
        .Key("color")
        .String(o.color)
        .Key("size")
        .String(o.size)
        .Key("price")
        .Int(o.price)
        .Key("stock")
        .Int(o.stock)
        .Key("reserved")
        .Int(o.reserved)
        .Key("available")
        .Int(o.available())
        .EndObject();
}

std::string RenderProduct(const Product& p) {
    http::JsonWriter w(160 + p.options.size() * 160);
    w.StartObject()
        .Key("productId")
        .Int(p.id)
        .Key("name")
        .String(p.name)
        .Key("createdAt")
        .String(FormatIsoMillis(p.created_at_ms))
        .Key("options")
        .StartArray();
    for (const auto& o : p.options) WriteOption(w, o);
    w.EndArray().EndObject();
    return w.Finish();
}

}  // namespace

asio::awaitable<http::Response> CatalogHandler::List(http::Request request) {
    auto page = domain::ParsePage(request, kDefaultProductPage, kMaxProductPage);
    if (!page.ok()) co_return domain::RenderError(request, page.error(), clock_);
    auto products = co_await store_.List(page->limit + 1, page->cursor);
    if (!products.ok()) co_return domain::RenderError(request, products.error(), clock_);
    const bool more = products->size() > static_cast<std::size_t>(page->limit);
    if (more) products->pop_back();
    http::JsonWriter w(64 + products->size() * 128);
    w.StartObject().Key("products").StartArray();
    for (const auto& p : products.value()) {
        w.StartObject()
            .Key("productId")
            .Int(p.id)
            .Key("name")
            .String(p.name)
            .Key("minPrice")
            .Int(p.min_price)
            .Key("available")
            .Int(p.available)
            .EndObject();
    }
    w.EndArray().Key("nextCursor");
    if (more) {
        w.String(std::to_string(products->back().id));
    } else {
        w.Null();
    }
    w.EndObject();
    co_return http::Json(200, w.Finish());
}

asio::awaitable<http::Response> CatalogHandler::Get(http::Request request) {
    auto product = co_await store_.Get(request.PathId("productId"));
    if (!product.ok()) co_return domain::RenderError(request, product.error(), clock_);
    co_return http::Json(200, RenderProduct(product.value()));
}

asio::awaitable<http::Response> CatalogHandler::AdminCreate(http::Request request) {
    auto admitted = domain::CheckAdminToken(request, admin_token_);
    if (!admitted.ok()) co_return domain::RenderError(request, admitted.error(), clock_);
    static constexpr http::Field kOptionFields[] = {
        {"color", http::kString, http::kRequired, 1, kMaxVariantChars * kMaxUtf8Bytes},
        {"size", http::kString, http::kRequired, 1, kMaxVariantChars * kMaxUtf8Bytes},
        {"price", http::kInt64, http::kRequired, 1, kMaxPrice},
        {"stock", http::kInt64, http::kRequired, 0, kMaxInitialStock},
    };
    const http::Field fields[] = {
        {"name", http::kString, http::kRequired, 1, kMaxNameChars * kMaxUtf8Bytes},
        {"options", http::kObjectArray, http::kRequired, 1, kMaxOptions, kOptionFields},
    };
    auto body = http::ParseObject(request.body, fields);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    const auto invalid = [&](const char* what) {
        return domain::RenderError(request, MakeError(ErrorCode::kInvalidRequest, what), clock_);
    };
    if (!CharsWithin(body->GetString("name"), kMaxNameChars)) co_return invalid("bad name");
    std::vector<NewOption> options;
    for (const auto& o : body->GetList("options")) {
        if (!CharsWithin(o.GetString("color"), kMaxVariantChars) ||
            !CharsWithin(o.GetString("size"), kMaxVariantChars)) {
            co_return invalid("bad color or size");
        }
        options.push_back(NewOption{std::string(o.GetString("color")),
                                    std::string(o.GetString("size")), o.GetInt("price"),
                                    o.GetInt("stock")});
    }
    auto created = co_await store_.Create(std::string(body->GetString("name")), std::move(options),
                                          ToEpochMillis(clock_.Now()));
    if (!created.ok()) co_return domain::RenderError(request, created.error(), clock_);
    co_return http::Json(201, RenderProduct(created.value()));
}

asio::awaitable<http::Response> CatalogHandler::AdminChangeStock(http::Request request) {
    auto admitted = domain::CheckAdminToken(request, admin_token_);
    if (!admitted.ok()) co_return domain::RenderError(request, admitted.error(), clock_);
    const http::Field fields[] = {
        {"operation", http::kString, http::kRequired, 1, 16},
        {"quantity", http::kInt64, http::kRequired, 0, kMaxStockChange},
    };
    auto body = http::ParseObject(request.body, fields);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    const auto operation = ParseStockOperation(body->GetString("operation"));
    const std::int64_t quantity = body->GetInt("quantity");
    // api.md: 0 only makes sense for `set` (an increase or decrease by nothing is a mistake).
    if (!operation || (quantity == 0 && *operation != StockOperation::kSet)) {
        co_return domain::RenderError(
            request, MakeError(ErrorCode::kInvalidRequest, "bad operation or quantity"), clock_);
    }
    auto option = co_await store_.ChangeStock(request.PathId("optionId"), *operation, quantity);
    if (!option.ok()) co_return domain::RenderError(request, option.error(), clock_);
    http::JsonWriter w(192);
    WriteOption(w, option.value());
    co_return http::Json(200, w.Finish());
}

asio::awaitable<http::Response> CatalogHandler::AdminAudit(http::Request request) {
    auto admitted = domain::CheckAdminToken(request, admin_token_);
    if (!admitted.ok()) co_return domain::RenderError(request, admitted.error(), clock_);
    auto audit = co_await store_.Audit(request.PathId("optionId"));
    if (!audit.ok()) co_return domain::RenderError(request, audit.error(), clock_);
    http::JsonWriter w(192);
    w.StartObject()
        .Key("productOptionId")
        .Int(audit->option_id)
        .Key("initialStock")
        .Int(audit->initial_stock)
        .Key("addedStock")
        .Int(audit->added_stock)
        .Key("stock")
        .Int(audit->stock)
        .Key("reserved")
        .Int(audit->reserved)
        .Key("soldUnits")
        .Int(audit->sold_units)
        .Key("pendingUnits")
        .Int(audit->pending_units)
        .EndObject();
    co_return http::Json(200, w.Finish());
}

}  // namespace hhplus::catalog
