#include "domain/balance/balance_store.hpp"

#include <charconv>
#include <chrono>
#include <limits>
#include <unordered_set>

#include "domain/dependency_errors.hpp"
#include "domain/sql_time.hpp"

namespace hhplus::balance {

namespace asio = boost::asio;

namespace {

// Every statement with values is prepared (db::PooledConnection::Execute); BEGIN/COMMIT/ROLLBACK
// stay text (db::Begin…). Times are bound as epoch microseconds (domain/sql_time.hpp).
constexpr std::string_view kGetBalanceSql = "SELECT balance FROM users WHERE id = ?";
constexpr std::string_view kLockUserSql = "SELECT balance FROM users WHERE id = ? FOR UPDATE";
// + the keys' IN list (db::AppendInList) + ")".
constexpr std::string_view kStoredKeysSqlHead =
    "SELECT idem_key, request_hash, status_code, response_body, "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', created_at) DIV 1000) "
    "FROM idempotency_keys WHERE user_id = ? AND idem_key IN (";
// + kReplacedKeySql OR-ed once per key (padded like an IN list: an OR-ed repeat matches the
// same row) + ")".
constexpr std::string_view kDropKeysSqlHead =
    "DELETE FROM idempotency_keys WHERE user_id = ? AND (";
constexpr std::string_view kReplacedKeySql =
    "(idem_key = ? AND created_at = TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'))";
constexpr std::string_view kSetBalanceSql = "UPDATE users SET balance = ? WHERE id = ?";
// + kChargeLogRowSql per row, joined by ", ".
constexpr std::string_view kInsertLogsSql =
    "INSERT INTO balance_logs (user_id, amount, before_amount, after_amount, code, created_at) "
    "VALUES ";
constexpr std::string_view kChargeLogRowSql =
    "(?, ?, ?, ?, 'CHARGE', TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'))";
// + kKeyRowSql per row, joined by ", ".
constexpr std::string_view kInsertKeysSql =
    "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, status_code, "
    "response_body, created_at) VALUES ";
constexpr std::string_view kKeyRowSql =
    "(?, ?, ?, ?, ?, TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'))";
// Parameters: user id, before id (INT64_MAX for the first page), limit.
constexpr std::string_view kLogsSql =
    "SELECT id, amount, before_amount, after_amount, code, "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', created_at) DIV 1000) "
    "FROM balance_logs WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
constexpr std::string_view kAuditSql =
    "SELECT u.balance, COALESCE(SUM(CASE WHEN l.code = 'CHARGE' THEN l.amount END), 0), "
    "COALESCE(-SUM(CASE WHEN l.code = 'PAYMENT' THEN l.amount END), 0) FROM users u "
    "LEFT JOIN balance_logs l ON l.user_id = u.id WHERE u.id = ? GROUP BY u.id";

std::string StoredError(ErrorCode code) { return std::to_string(static_cast<int>(code)); }

// The answer a new charge gets and, with a key, stores.
struct Decided {
    Result<std::int64_t> answer;
    int status;
    std::string stored;
};

}  // namespace

Result<std::int64_t> ReplayAnswer(int status, const std::string& answer) {
    std::int64_t value = 0;
    std::from_chars(answer.data(), answer.data() + answer.size(), value);
    if (status == 200) return value;
    if (value < 0 || value >= kErrorCodeCount) {
        return MakeError(ErrorCode::kInternal, "unreadable stored idempotent answer");
    }
    return MakeError(static_cast<ErrorCode>(value), "replayed idempotent answer");
}

ChargePlan PlanCharges(const PlanInput& input, const std::vector<ChargeRequest>& charges) {
    ChargePlan plan;
    plan.answers.reserve(charges.size());
    plan.final_balance = input.balance;
    // Keys answered earlier in this batch → their row in new_keys. A later request with the
    // same key finds it here first, as it would find the committed row serially.
    std::unordered_map<std::string, std::size_t> answered;
    for (const auto& charge : charges) {
        if (charge.key) {
            const auto& key = *charge.key;
            if (auto it = answered.find(key.key); it != answered.end()) {
                const KeyRow& row = plan.new_keys[it->second];
                if (row.request_hash != key.request_hash) {
                    plan.answers.emplace_back(MakeError(ErrorCode::kIdempotencyKeyMismatch,
                                                        "key reused with another amount"));
                } else {
                    plan.answers.push_back(ReplayAnswer(row.status, row.answer));
                }
                continue;
            }
            if (auto it = input.stored_keys.find(key.key); it != input.stored_keys.end()) {
                const StoredKey& stored = it->second;
                // The order of the checks is the serial claim's: expiry, identity, in flight.
                const bool expired = stored.created_ms <= charge.now_ms - kKeyLifetimeMs;
                if (!expired) {
                    if (stored.request_hash != key.request_hash) {
                        plan.answers.emplace_back(MakeError(ErrorCode::kIdempotencyKeyMismatch,
                                                            "key reused with another amount"));
                        continue;
                    }
                    if (stored.status) {
                        plan.answers.push_back(ReplayAnswer(*stored.status, stored.answer));
                        continue;
                    }
                    if (stored.created_ms > charge.now_ms - kAbandonedClaimMs) {
                        plan.answers.emplace_back(MakeError(ErrorCode::kIdempotencyKeyInFlight,
                                                            "first request still in flight"));
                        continue;
                    }
                }
                // Expired, or a claim abandoned by a dead request: this charge takes the key.
                plan.replaced_keys.push_back(ReplacedKey{key.key, stored.created_ms});
            }
        }
        // A new charge: applied, or refused by a business rule.
        Decided decided{0, 200, {}};
        if (!input.user_exists) {
            decided = Decided{MakeError(ErrorCode::kUserNotFound, "no such user"), 404,
                              StoredError(ErrorCode::kUserNotFound)};
        } else if (plan.final_balance > kMaxBalance - charge.amount) {
            decided = Decided{MakeError(ErrorCode::kBalanceLimitExceeded, "charge refused"), 409,
                              StoredError(ErrorCode::kBalanceLimitExceeded)};
        } else {
            const std::int64_t before = plan.final_balance;
            plan.final_balance += charge.amount;
            plan.logs.push_back(LogRow{charge.amount, before, plan.final_balance, charge.now_ms});
            decided = Decided{plan.final_balance, 200, std::to_string(plan.final_balance)};
        }
        if (charge.key) {
            answered.emplace(charge.key->key, plan.new_keys.size());
            plan.new_keys.push_back(KeyRow{charge.key->key, charge.key->request_hash,
                                           decided.status, decided.stored, charge.now_ms});
        }
        plan.answers.push_back(std::move(decided.answer));
    }
    return plan;
}

asio::awaitable<Result<std::int64_t>> BalanceStore::GetBalance(std::int64_t user_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{user_id};
    auto r = co_await conn->Execute(std::string(kGetBalanceSql), std::move(params));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    if (r->rows.empty()) co_return MakeError(ErrorCode::kUserNotFound, "no such user");
    co_return r->rows.front().Int(0);
}

asio::awaitable<Result<std::vector<Result<std::int64_t>>>> BalanceStore::ChargeBatch(
    std::int64_t user_id, std::vector<ChargeRequest> charges) {
    const auto started = std::chrono::steady_clock::now();
    bool retryable = false;
    auto first = co_await ChargeBatchOnce(user_id, charges, retryable);
    if (first.ok() || !retryable || std::chrono::steady_clock::now() - started > retry_window_) {
        co_return first;
    }
    retryable = false;
    co_return co_await ChargeBatchOnce(user_id, charges, retryable);
}

asio::awaitable<Result<std::int64_t>> BalanceStore::Charge(std::int64_t user_id,
                                                           std::int64_t amount,
                                                           std::optional<IdempotencyKey> key,
                                                           std::int64_t now_ms) {
    std::vector<ChargeRequest> one(1);
    one.front().amount = amount;
    one.front().key = std::move(key);
    one.front().now_ms = now_ms;
    auto answers = co_await ChargeBatch(user_id, std::move(one));
    if (!answers.ok()) co_return std::move(answers).error();
    co_return std::move(answers->front());
}

asio::awaitable<Result<std::vector<Result<std::int64_t>>>> BalanceStore::ChargeBatchOnce(
    std::int64_t user_id, const std::vector<ChargeRequest>& charges, bool& retryable) {
    // A failure before COMMIT: rolled back, so nothing applied; worth one more try when it was
    // a race.
    auto fail = [&retryable](const db::Error& e) {
        retryable = e.code == db::Errc::kDeadlock || e.code == db::Errc::kDuplicateKey;
        return domain::DbFailure(e);
    };
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();

    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());

    // The row lock serialises every batch on this user, in every process: what we read below
    // stays true until COMMIT.
    PlanInput input;
    db::Params lock_params{user_id};
    auto locked = co_await c.Execute(std::string(kLockUserSql), std::move(lock_params));
    if (!locked.ok()) {
        co_await db::Rollback(c);
        co_return fail(locked.error());
    }
    input.user_exists = !locked->rows.empty();
    if (input.user_exists) input.balance = locked->rows.front().Int(0);

    // The keys the batch names, each once. READ COMMITTED: this reads the latest committed rows.
    std::vector<std::string> keys;
    std::unordered_set<std::string> listed;
    for (const auto& charge : charges) {
        if (!charge.key || !listed.insert(charge.key->key).second) continue;
        keys.push_back(charge.key->key);
    }
    if (!keys.empty()) {
        db::Params key_params{user_id};
        std::string key_sql(kStoredKeysSqlHead);
        key_sql += db::AppendInList(key_params, keys);
        key_sql += ')';
        auto found = co_await c.Execute(std::move(key_sql), std::move(key_params));
        if (!found.ok()) {
            co_await db::Rollback(c);
            co_return fail(found.error());
        }
        for (const auto& row : found->rows) {
            StoredKey stored;
            stored.request_hash = row.Str(1);
            if (!row.IsNull(2)) stored.status = static_cast<int>(row.Int(2));
            stored.answer = row.Str(3);
            stored.created_ms = row.Int(4);
            input.stored_keys.emplace(row.Str(0), std::move(stored));
        }
    }

    ChargePlan plan = PlanCharges(input, charges);

    if (!plan.replaced_keys.empty()) {
        const std::size_t replaced = plan.replaced_keys.size();
        const std::size_t padded = db::PaddedListSize(replaced);
        db::Params drop_params{user_id};
        for (std::size_t i = 0; i < padded; ++i) {
            const auto& key = plan.replaced_keys[i < replaced ? i : replaced - 1];
            drop_params.emplace_back(key.key);
            drop_params.emplace_back(domain::SqlTimeParam(key.created_ms));
        }
        std::string drop_sql(kDropKeysSqlHead);
        drop_sql += db::RepeatGroup(kReplacedKeySql, padded, " OR ");
        drop_sql += ')';
        auto dropped = co_await c.Execute(std::move(drop_sql), std::move(drop_params));
        if (!dropped.ok()) {
            co_await db::Rollback(c);
            co_return fail(dropped.error());
        }
        if (dropped->affected_rows != plan.replaced_keys.size()) {
            // Changed since our read: only a server of the previous release writes keys outside
            // the row lock. Read again.
            co_await db::Rollback(c);
            retryable = true;
            co_return MakeError(ErrorCode::kBusy, "idempotency key contended");
        }
    }
    if (!plan.logs.empty()) {
        // The exact value: our lock has held the row since we read it.
        db::Params balance_params{plan.final_balance, user_id};
        auto updated = co_await c.Execute(std::string(kSetBalanceSql), std::move(balance_params));
        if (!updated.ok()) {
            co_await db::Rollback(c);
            co_return fail(updated.error());
        }
        db::Params rows;
        rows.reserve(plan.logs.size() * 5);
        for (const auto& log : plan.logs) {
            rows.emplace_back(user_id);
            rows.emplace_back(log.amount);
            rows.emplace_back(log.before);
            rows.emplace_back(log.after);
            rows.emplace_back(domain::SqlTimeParam(log.created_ms));
        }
        std::string log_sql(kInsertLogsSql);
        log_sql += db::RepeatGroup(kChargeLogRowSql, plan.logs.size(), ", ");
        auto logged =
            co_await db::ExecuteRows(c, std::move(log_sql), std::move(rows), plan.logs.size());
        if (!logged.ok()) {
            co_await db::Rollback(c);
            co_return fail(logged.error());
        }
    }
    if (!plan.new_keys.empty()) {
        db::Params rows;
        rows.reserve(plan.new_keys.size() * 6);
        for (const auto& key : plan.new_keys) {
            rows.emplace_back(user_id);
            rows.emplace_back(key.key);
            rows.emplace_back(key.request_hash);
            rows.emplace_back(std::int64_t{key.status});
            rows.emplace_back(key.answer);
            rows.emplace_back(domain::SqlTimeParam(key.created_ms));
        }
        std::string key_sql(kInsertKeysSql);
        key_sql += db::RepeatGroup(kKeyRowSql, plan.new_keys.size(), ", ");
        auto stored =
            co_await db::ExecuteRows(c, std::move(key_sql), std::move(rows), plan.new_keys.size());
        if (!stored.ok()) {
            co_await db::Rollback(c);
            co_return fail(stored.error());
        }
    }
    auto committed = co_await db::Commit(c);
    // Unknown outcome (it may have committed): answered as a serial charge would be, never retried.
    if (!committed.ok()) co_return domain::DbFailure(committed.error());
    co_return std::move(plan.answers);
}

asio::awaitable<Result<std::vector<BalanceLog>>> BalanceStore::Logs(std::int64_t user_id, int limit,
                                                                    std::int64_t before_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    // The first page is "before" every id: one statement for every page (ix (user_id, id)).
    std::int64_t before = std::numeric_limits<std::int64_t>::max();
    if (before_id > 0) before = before_id;
    db::Params params{user_id, before, std::int64_t{limit}};
    auto r = co_await conn->Execute(std::string(kLogsSql), std::move(params));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    std::vector<BalanceLog> logs;
    logs.reserve(r->rows.size());
    for (const auto& row : r->rows) {
        logs.push_back(
            BalanceLog{row.Int(0), row.Int(1), row.Int(2), row.Int(3), row.Str(4), row.Int(5)});
    }
    co_return logs;
}

asio::awaitable<Result<BalanceAudit>> BalanceStore::Audit(std::int64_t user_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{user_id};
    auto r = co_await conn->Execute(std::string(kAuditSql), std::move(params));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    if (r->rows.empty()) co_return MakeError(ErrorCode::kUserNotFound, "no such user");
    const auto& row = r->rows.front();
    co_return BalanceAudit{user_id, row.Int(0), row.Int(1), row.Int(2)};
}

}  // namespace hhplus::balance
