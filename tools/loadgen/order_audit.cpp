#include "loadgen/order_audit.hpp"

#include <rapidjson/document.h>

namespace hhplus::loadgen {
namespace {

std::optional<std::int64_t> Int(const rapidjson::Value& object, const char* field) {
    if (!object.IsObject()) return std::nullopt;
    auto it = object.FindMember(field);
    if (it == object.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
    return it->value.GetInt64();
}

bool ParseObject(std::string_view body, rapidjson::Document& doc) {
    doc.Parse(body.data(), body.size());
    return !doc.HasParseError() && doc.IsObject();
}

std::string N(std::int64_t v) { return std::to_string(v); }

}  // namespace

std::optional<OptionAudit> ParseOptionAudit(std::string_view body) {
    rapidjson::Document doc;
    if (!ParseObject(body, doc)) return std::nullopt;
    auto id = Int(doc, "productOptionId"), initial = Int(doc, "initialStock"),
         added = Int(doc, "addedStock"), stock = Int(doc, "stock"), reserved = Int(doc, "reserved"),
         sold = Int(doc, "soldUnits"), pending = Int(doc, "pendingUnits");
    if (!id || !initial || !added || !stock || !reserved || !sold || !pending) return std::nullopt;
    return OptionAudit{*id, *initial, *added, *stock, *reserved, *sold, *pending};
}

std::optional<BalanceAudit> ParseBalanceAudit(std::string_view body) {
    rapidjson::Document doc;
    if (!ParseObject(body, doc)) return std::nullopt;
    auto id = Int(doc, "userId"), balance = Int(doc, "balance"), charged = Int(doc, "charged"),
         paid = Int(doc, "paid");
    if (!id || !balance || !charged || !paid) return std::nullopt;
    return BalanceAudit{*id, *balance, *charged, *paid};
}

std::optional<std::int64_t> FirstOptionIdOf(std::string_view product_body) {
    rapidjson::Document doc;
    if (!ParseObject(product_body, doc)) return std::nullopt;
    auto options = doc.FindMember("options");
    if (options == doc.MemberEnd() || !options->value.IsArray() || options->value.Empty())
        return std::nullopt;
    return Int(options->value[0], "productOptionId");
}

InvariantReport CheckOptionInvariants(const OptionAudit& a, const OrderTally& t, bool fresh,
                                      std::int64_t q) {
    InvariantReport inv;
    inv.title = "product option " + N(a.option_id) +
                ": initialStock + addedStock - soldUnits == stock, reserved == pendingUnits";
    inv.details.push_back("initialStock=" + N(a.initial_stock) + " addedStock=" + N(a.added_stock) +
                          " soldUnits=" + N(a.sold_units) + " stock=" + N(a.stock) +
                          " reserved=" + N(a.reserved) + " pendingUnits=" + N(a.pending_units));
    inv.details.push_back(
        "seen: 201 orders=" + N(t.placed) + " P003=" + N(t.sold_out) +
        " other refusals=" + N(t.order_refused) + " unanswered orders=" + N(t.order_unanswered) +
        " 200 payments=" + N(t.paid) + " refused payments=" + N(t.payment_refused) +
        " unanswered payments=" + N(t.payment_unanswered));
    auto rule = [&inv](bool ok, const std::string& text) {
        inv.ok = inv.ok && ok;
        if (!ok) inv.details.push_back("VIOLATED: " + text);
    };
    const std::int64_t total = a.initial_stock + a.added_stock;
    rule(total - a.sold_units == a.stock, "initialStock + addedStock - soldUnits == stock");
    rule(a.reserved == a.pending_units, "reserved == pendingUnits");
    rule(a.sold_units >= 0 && a.sold_units <= total, "0 <= soldUnits <= initialStock + addedStock");
    rule(a.reserved >= 0 && a.reserved <= a.stock, "0 <= reserved <= stock");
    const std::int64_t low = t.paid * q;
    if (fresh) {
        const std::int64_t high = (t.paid + t.payment_unanswered) * q;
        const bool in_range = low <= a.sold_units && a.sold_units <= high;
        inv.details.push_back(std::string(in_range ? "" : "VIOLATED: ") + "200s x " + N(q) + " = " +
                              N(low) + " <= soldUnits <= (200s + unanswered payments) x " + N(q) +
                              " = " + N(high));
        inv.ok = inv.ok && in_range;
        const std::int64_t ordered = (t.placed + t.order_unanswered) * q;
        rule(a.sold_units + a.pending_units <= ordered,
             "soldUnits + pendingUnits <= (201s + unanswered orders) x " + N(q) + " = " +
                 N(ordered));
    } else {
        const bool ok = low <= a.sold_units;
        inv.details.push_back(std::string(ok ? "" : "VIOLATED: ") + "200s x " + N(q) + " = " +
                              N(low) + " <= soldUnits (an existing option: earlier sales count)");
        inv.ok = inv.ok && ok;
    }
    if (t.sold_out > 0) {
        // Reservations are released only by expiry (ORDER_TTL_MS, 10 min by default): after a
        // P003 nothing can become available again within a run.
        const bool none_left = a.stock == a.reserved;
        inv.details.push_back(std::string(none_left ? "" : "VIOLATED: ") + "sold out (P003 seen " +
                              N(t.sold_out) + " times) so stock == reserved (nothing available)");
        inv.ok = inv.ok && none_left;
        if (fresh && t.paid == t.placed && t.order_unanswered == 0 && t.payment_unanswered == 0) {
            const bool all_sold = a.sold_units == total;
            inv.details.push_back(std::string(all_sold ? "" : "VIOLATED: ") +
                                  "every 201 order paid, so soldUnits == initialStock + "
                                  "addedStock = " +
                                  N(total));
            inv.ok = inv.ok && all_sold;
        }
    }
    return inv;
}

std::string CheckUserBalance(const BalanceAudit& a, const UserOutcome& o, std::int64_t charged) {
    std::string out;
    auto add = [&out](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
    if (a.charged - a.paid != a.balance)
        add("charged - paid = " + N(a.charged - a.paid) + " != balance " + N(a.balance));
    if (charged >= 0 && a.charged != charged)
        add("charged " + N(a.charged) + ", the setup charged " + N(charged));
    const std::int64_t certain = o.paid_orders * o.final_amount;
    const std::int64_t extra = a.paid - certain;
    if (o.final_amount == 0) {
        if (a.paid != 0) add("paid " + N(a.paid) + " (expected 0: nothing to pay)");
    } else if (extra < 0 || extra % o.final_amount != 0 ||
               extra / o.final_amount > o.unsure_orders) {
        add("paid " + N(a.paid) + ", expected " + N(o.paid_orders) + " paid orders × " +
            N(o.final_amount) + " = " + N(certain) + " plus up to " + N(o.unsure_orders) +
            " unanswered payments of " + N(o.final_amount));
    }
    return out.empty() ? out : "user " + N(a.user_id) + ": " + out;
}

std::vector<std::size_t> BalanceAuditSample(const std::vector<UserOutcome>& users,
                                            std::size_t limit) {
    std::vector<std::size_t> out;
    std::vector<std::size_t> rest;
    for (std::size_t i = 0; i < users.size(); ++i) {
        if (users[i].Ordered() && out.size() < limit) {
            out.push_back(i);
        } else {
            rest.push_back(i);
        }
    }
    const std::size_t room = limit - out.size();
    if (room == 0 || rest.empty()) return out;
    if (rest.size() <= room) {
        out.insert(out.end(), rest.begin(), rest.end());
    } else {
        // Evenly spread: the k-th of `room` picks is rest[k × size / room].
        for (std::size_t k = 0; k < room; ++k) out.push_back(rest[k * rest.size() / room]);
    }
    return out;
}

std::int64_t DiscountedAmount(std::int64_t total, std::int64_t rate_percent) {
    return total - total * rate_percent / 100;
}

}  // namespace hhplus::loadgen
