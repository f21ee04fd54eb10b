#pragma once
// order-rush's bookkeeping and its post-run invariants (docs/api.md, "Audit"): the answers of the
// admin audit routes, what the load generator itself saw, and the comparison of the two. Pure
// functions, so the unit tests check every rule without a server.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/run_report.hpp"

namespace hhplus::loadgen {

// GET /api/admin/product-options/{id}/audit
struct OptionAudit {
    std::int64_t option_id = 0;
    std::int64_t initial_stock = 0;
    std::int64_t added_stock = 0;
    std::int64_t stock = 0;
    std::int64_t reserved = 0;
    std::int64_t sold_units = 0;
    std::int64_t pending_units = 0;
};
std::optional<OptionAudit> ParseOptionAudit(std::string_view body);

// GET /api/admin/users/{id}/balance-audit
struct BalanceAudit {
    std::int64_t user_id = 0;
    std::int64_t balance = 0;
    std::int64_t charged = 0;
    std::int64_t paid = 0;
};
std::optional<BalanceAudit> ParseBalanceAudit(std::string_view body);

// The productOptionId of the first option of a product (POST /api/admin/products answers the
// product with its options).
std::optional<std::int64_t> FirstOptionIdOf(std::string_view product_body);

// What the generator saw, over the whole run (each user orders once).
struct OrderTally {
    std::int64_t placed = 0;              // POST /api/orders answered 201
    std::int64_t sold_out = 0;            // 409 P003
    std::int64_t order_refused = 0;       // any other definitive answer: nothing reserved
    std::int64_t order_unanswered = 0;    // no answer, a 5xx or interrupted: may have reserved
    std::int64_t paid = 0;                // payment answered 200
    std::int64_t payment_refused = 0;     // payment answered 4xx: nothing paid
    std::int64_t payment_unanswered = 0;  // no answer, a 5xx or interrupted: may have paid
};

// The option identities after the run. `fresh`: the option was made by this run (nothing else
// orders it), so the sold units must match what the generator saw; `quantity`: units per order.
//   initialStock + addedStock − soldUnits == stock, reserved == pendingUnits,
//   soldUnits <= initialStock + addedStock,
//   fresh: 200s × q <= soldUnits <= (200s + unanswered payments) × q and soldUnits + pendingUnits
//          <= (201s + unanswered orders) × q; else only 200s × q <= soldUnits;
//   sold out (P003 seen): nothing left available (stock == reserved), and when every 201 order
//          was paid, soldUnits == initialStock + addedStock.
InvariantReport CheckOptionInvariants(const OptionAudit& audit, const OrderTally& tally, bool fresh,
                                      std::int64_t quantity);

// One user's fate in the run, for the balance identity. A user orders once by default;
// ORDERS_PER_USER > 1 (the soak) reuses each user, always for the same amount (one unit of the
// same option, no coupon), so the outcome is a count of answers per kind.
struct UserOutcome {
    std::int64_t user_id = 0;
    std::int64_t final_amount = 0;   // each order's finalAmount (every order of a user is alike)
    std::int64_t paid_orders = 0;    // payments answered 200: paid == paid_orders × finalAmount
    std::int64_t unsure_orders = 0;  // payments without a definitive answer: each paid or not
    bool Ordered() const { return paid_orders > 0 || unsure_orders > 0; }
};

// charged − paid == balance, charged == what the setup charged (`charged`; < 0: not known), and
// paid == (paid_orders + k) × finalAmount for some 0 ≤ k ≤ unsure_orders. Returns "" when it
// holds, else what is wrong.
std::string CheckUserBalance(const BalanceAudit& audit, const UserOutcome& outcome,
                             std::int64_t charged);

// The users whose balance is audited: every user whose order was paid or may have been (they are
// where a double or a lost payment would show), then the others evenly spread, `limit` in all.
std::vector<std::size_t> BalanceAuditSample(const std::vector<UserOutcome>& users,
                                            std::size_t limit);

// finalAmount = totalAmount − ⌊totalAmount × rate / 100⌋ (docs/api.md, "Order").
std::int64_t DiscountedAmount(std::int64_t total, std::int64_t rate_percent);

}  // namespace hhplus::loadgen
