#include "domain/events/ranking_service.hpp"

#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "domain/dependency_errors.hpp"
#include "http/json.hpp"

namespace hhplus::events {

namespace asio = boost::asio;

namespace {
// The ranked products' names: + the ids' IN list + ")".
constexpr std::string_view kProductNamesSqlHead = "SELECT id, name FROM products WHERE id IN (";
}  // namespace

std::string RenderTopProducts(int days, const std::vector<TopProduct>& products) {
    http::JsonWriter w(32 + products.size() * 112);
    w.StartObject().Key("days").Int(days).Key("products").StartArray();
    for (const TopProduct& p : products) {
        w.StartObject()
            .Key("rank")
            .Int(p.rank)
            .Key("productId")
            .Int(p.product_id)
            .Key("name")
            .String(p.name)
            .Key("soldUnits")
            .Int(p.sold_units)
            .EndObject();
    }
    w.EndArray().EndObject();
    return w.Finish();
}

std::vector<ProductUnits> ParseUnionWithScores(const redis::Reply& reply) {
    std::vector<ProductUnits> out;
    if (reply.type != redis::Reply::Type::kArray) return out;
    out.reserve(reply.elements.size() / 2);
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
        const std::string& member = reply.elements[i].str;
        char* end = nullptr;
        const long long id = std::strtoll(member.c_str(), &end, 10);
        if (member.empty() || end != member.c_str() + member.size() || id <= 0) continue;
        const double score = std::strtod(reply.elements[i + 1].str.c_str(), nullptr);
        out.push_back(ProductUnits{id, std::llround(score)});
    }
    return out;
}

asio::awaitable<Result<std::string>> RankingService::TopJson(int count, int days) {
    const auto key = std::make_pair(count, days);
    const auto now = clock_.Steady();
    if (auto it = cache_.find(key); it != cache_.end()) {
        Cached& c = it->second;
        // Fresh, or stale while another request is already recomputing it.
        if (now < c.expires || c.refreshing) co_return c.body;
        c.refreshing = true;
    }
    auto computed = co_await Compute(count, days);
    Cached& c = cache_[key];  // ≤ kTopCacheMaxEntries keys: count and days are validated
    c.refreshing = false;
    if (computed.ok()) {
        c.body = computed.value();
        c.expires = clock_.Steady() + kTopCacheTtl;
    } else if (c.body.empty()) {
        cache_.erase(key);  // never computed: nothing to serve stale
    }
    co_return computed;
}

asio::awaitable<Result<std::string>> RankingService::Compute(int count, int days) {
    // Missing day keys count as empty sets. Every product sold in the window comes back (the
    // catalogue is small: hundreds of products, a few KB); the tie-break on id is ours, since
    // Redis orders equal scores by member text ("10" before "9").
    std::vector<std::string> keys = RankDayKeys(ToEpochMillis(clock_.Now()), days);
    std::vector<std::string> zunion{"ZUNION", std::to_string(keys.size())};
    for (auto& k : keys) zunion.push_back(std::move(k));
    zunion.push_back("WITHSCORES");
    auto r = co_await events_.Command(std::move(zunion));
    if (!r.ok()) co_return domain::RedisFailure(r.error());
    if (r->IsError()) co_return domain::RedisReplyFailure(*r);
    const std::vector<ProductUnits> top =
        TopByUnits(ParseUnionWithScores(*r), static_cast<std::size_t>(count));
    std::vector<TopProduct> products;
    products.reserve(top.size());
    if (!top.empty()) {
        std::vector<std::int64_t> ids;
        ids.reserve(top.size());
        for (const ProductUnits& p : top) ids.push_back(p.product_id);
        std::unordered_map<std::int64_t, std::string> names;
        {
            auto conn = co_await pool_.Acquire();
            if (!conn.ok()) co_return domain::DbFailure(conn.error());
            // A prepared statement; the IN list padded to a power of two (db/params.hpp).
            db::Params params;
            std::string sql(kProductNamesSqlHead);
            sql += db::AppendInList(params, ids);
            sql += ')';
            auto rows = co_await conn->Execute(std::move(sql), std::move(params));
            if (!rows.ok()) co_return domain::DbFailure(rows.error());
            for (const db::Row& row : rows->rows) names[row.Int(0)] = row.Str(1);
        }
        int rank = 0;
        for (const ProductUnits& p : top) {
            // Products are never deleted; a unit counted for an id the catalogue does not have
            // (hand-written test data) is still ranked, with an empty name.
            products.push_back(TopProduct{++rank, p.product_id, names[p.product_id], p.units});
        }
    }
    co_return RenderTopProducts(days, products);
}

}  // namespace hhplus::events
