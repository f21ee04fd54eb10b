#include "domain/events/paid_order.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/clock.hpp"

namespace hhplus::events {
namespace {

std::optional<std::int64_t> PositiveMember(const rapidjson::Value& object, const char* name) {
    const auto it = object.FindMember(name);
    if (it == object.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
    const std::int64_t v = it->value.GetInt64();
    if (v <= 0) return std::nullopt;
    return v;
}

std::optional<std::int64_t> NonNegativeMember(const rapidjson::Value& object, const char* name) {
    const auto it = object.FindMember(name);
    if (it == object.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
    const std::int64_t v = it->value.GetInt64();
    if (v < 0) return std::nullopt;
    return v;
}

}  // namespace

std::optional<PaidOrder> ParsePaidOrder(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    PaidOrder order;
    const auto order_id = PositiveMember(doc, "orderId");
    const auto user_id = PositiveMember(doc, "userId");
    const auto final_amount = NonNegativeMember(doc, "finalAmount");
    if (!order_id || !user_id || !final_amount) return std::nullopt;
    order.order_id = *order_id;
    order.user_id = *user_id;
    order.final_amount = *final_amount;
    const auto paid_at = doc.FindMember("paidAt");
    if (paid_at == doc.MemberEnd() || !paid_at->value.IsString()) return std::nullopt;
    const std::string_view paid_text(paid_at->value.GetString(), paid_at->value.GetStringLength());
    if (!ParseIso8601(paid_text, order.paid_at_ms)) return std::nullopt;
    const auto items = doc.FindMember("items");
    if (items == doc.MemberEnd() || !items->value.IsArray()) return std::nullopt;
    const auto& list = items->value;
    if (list.Empty() || list.Size() > kMaxPaidItems) return std::nullopt;
    order.items.reserve(list.Size());
    for (const auto& element : list.GetArray()) {
        if (!element.IsObject()) return std::nullopt;
        const auto product = PositiveMember(element, "productId");
        const auto option = PositiveMember(element, "productOptionId");
        const auto quantity = PositiveMember(element, "quantity");
        const auto price = NonNegativeMember(element, "unitPrice");
        if (!product || !option || !quantity || !price) return std::nullopt;
        order.items.push_back(PaidItem{*product, *option, *quantity, *price});
    }
    return order;
}

std::string UtcDay(std::int64_t epoch_ms) {
    using namespace std::chrono;
    // floor, not truncation: an instant before 1970 still lands on its own day.
    const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(epoch_ms)));
    const year_month_day ymd(day);
    char text[16];
    std::snprintf(text, sizeof text, "%04d%02u%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return text;
}

std::string RankDayKey(std::int64_t epoch_ms) {
    return std::string(kRankDayKeyPrefix) + UtcDay(epoch_ms);
}

std::vector<std::string> RankDayKeys(std::int64_t now_ms, int days) {
    constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
    std::vector<std::string> keys;
    keys.reserve(static_cast<std::size_t>(std::max(days, 0)));
    for (int i = 0; i < days; ++i) keys.push_back(RankDayKey(now_ms - i * kDayMs));
    return keys;
}

std::vector<ProductUnits> TopByUnits(std::vector<ProductUnits> all, std::size_t count) {
    auto better = [](const ProductUnits& a, const ProductUnits& b) {
        if (a.units != b.units) return a.units > b.units;
        return a.product_id < b.product_id;
    };
    if (all.size() > count) {
        std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(count), all.end(),
                          better);
        all.resize(count);
    } else {
        std::sort(all.begin(), all.end(), better);
    }
    return all;
}

}  // namespace hhplus::events
