#include "domain/balance/balance_store.hpp"

#include <chrono>

#include "domain/dependency_errors.hpp"
#include "domain/sql_time.hpp"

namespace hhplus::balance {

namespace asio = boost::asio;

namespace {
// Keys are kept 24 h (api.md); after that the same key starts a new request.
constexpr std::int64_t kKeyLifetimeMs = 24LL * 60 * 60 * 1000;
// A claim with no answer after 60 s belongs to a request that died (its transaction would have
// written the answer). A live charge writes its answer at most one pool wait (acquire_timeout
// 2 s) + 6 statements (BEGIN, UPDATE, SELECT, INSERT log, UPDATE key, COMMIT) × query_timeout
// 5 s = 32 s after its claim, so a live request is never taken over, and a dead one blocks its
// key for one minute at most.
constexpr std::int64_t kAbandonedClaimMs = 60'000;
// Claim races (insert vs. concurrent expiry/takeover) settle in a couple of rounds.
constexpr int kClaimAttempts = 3;

// Built by a function, not as a braced temporary inside co_return: g++ 12 destroys such
// temporaries twice.
KeyClaim Claim(KeyClaim::Kind kind, int status = 0, std::string answer = {}) {
    KeyClaim claim;
    claim.kind = kind;
    claim.status = status;
    claim.answer = std::move(answer);
    return claim;
}

std::string StoredError(ErrorCode code) { return std::to_string(static_cast<int>(code)); }

}  // namespace

asio::awaitable<Result<std::int64_t>> BalanceStore::GetBalance(std::int64_t user_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto r = co_await conn->Query("SELECT balance FROM users WHERE id = " + std::to_string(user_id));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    if (r->rows.empty()) co_return MakeError(ErrorCode::kUserNotFound, "no such user");
    co_return r->rows.front().Int(0);
}

asio::awaitable<Result<std::int64_t>> BalanceStore::Charge(std::int64_t user_id, std::int64_t amount,
                                                           std::optional<IdempotencyKey> key,
                                                           std::int64_t now_ms) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    const std::string uid = std::to_string(user_id);
    const std::string key_where =
        key ? " WHERE user_id = " + uid + " AND idem_key = " + c.Quote(key->key) : std::string();

    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());

    // The condition keeps the balance under its cap without a read-then-write race.
    auto updated = co_await c.Query("UPDATE users SET balance = balance + " + std::to_string(amount) +
                                    " WHERE id = " + uid + " AND balance <= " +
                                    std::to_string(kMaxBalance - amount));
    if (!updated.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(updated.error());
    }
    if (updated->affected_rows == 0) {
        auto exists = co_await c.Query("SELECT 1 FROM users WHERE id = " + uid);
        if (!exists.ok()) {
            co_await db::Rollback(c);
            co_return domain::DbFailure(exists.error());
        }
        const ErrorCode outcome =
            exists->rows.empty() ? ErrorCode::kUserNotFound : ErrorCode::kBalanceLimitExceeded;
        if (key) {  // a business answer is stored and replayed like a success
            const int status = outcome == ErrorCode::kUserNotFound ? 404 : 409;
            auto stored = co_await c.Query("UPDATE idempotency_keys SET status_code = " +
                                           std::to_string(status) + ", response_body = '" +
                                           StoredError(outcome) + "'" + key_where);
            if (!stored.ok()) {
                co_await db::Rollback(c);
                co_return domain::DbFailure(stored.error());
            }
            auto committed = co_await db::Commit(c);
            if (!committed.ok()) co_return domain::DbFailure(committed.error());
        } else {
            co_await db::Rollback(c);
        }
        co_return MakeError(outcome, "charge refused");
    }
    // Our UPDATE holds the row lock, so this read is exactly our result.
    auto read = co_await c.Query("SELECT balance FROM users WHERE id = " + uid);
    if (!read.ok() || read->rows.empty()) {
        co_await db::Rollback(c);
        if (!read.ok()) co_return domain::DbFailure(read.error());
        co_return MakeError(ErrorCode::kInternal, "user vanished inside its own transaction");
    }
    const std::int64_t after = read->rows.front().Int(0);
    auto logged = co_await c.Query(
        "INSERT INTO balance_logs (user_id, amount, before_amount, after_amount, code, created_at) "
        "VALUES (" + uid + ", " + std::to_string(amount) + ", " + std::to_string(after - amount) +
        ", " + std::to_string(after) + ", 'CHARGE', " + domain::SqlTime(now_ms) + ")");
    if (!logged.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(logged.error());
    }
    if (key) {
        auto stored = co_await c.Query("UPDATE idempotency_keys SET status_code = 200, response_body = '" +
                                       std::to_string(after) + "'" + key_where +
                                       " AND status_code IS NULL");
        if (!stored.ok() || stored->affected_rows != 1) {
            // Our claim was taken over (we were presumed dead): the other request owns the key.
            co_await db::Rollback(c);
            if (!stored.ok()) co_return domain::DbFailure(stored.error());
            co_return MakeError(ErrorCode::kIdempotencyKeyInFlight, "claim lost to a takeover");
        }
    }
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return domain::DbFailure(committed.error());
    co_return after;
}

asio::awaitable<Result<std::vector<BalanceLog>>> BalanceStore::Logs(std::int64_t user_id, int limit,
                                                                    std::int64_t before_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    std::string sql = "SELECT id, amount, before_amount, after_amount, code, " +
                      domain::SqlEpochMs("created_at") +
                      " FROM balance_logs WHERE user_id = " + std::to_string(user_id);
    if (before_id > 0) sql += " AND id < " + std::to_string(before_id);
    sql += " ORDER BY id DESC LIMIT " + std::to_string(limit);
    auto r = co_await conn->Query(std::move(sql));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    std::vector<BalanceLog> logs;
    logs.reserve(r->rows.size());
    for (const auto& row : r->rows) {
        logs.push_back(BalanceLog{row.Int(0), row.Int(1), row.Int(2), row.Int(3), row.Str(4), row.Int(5)});
    }
    co_return logs;
}

asio::awaitable<Result<KeyClaim>> BalanceStore::ClaimKey(std::int64_t user_id, IdempotencyKey key,
                                                         std::int64_t now_ms) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    const std::string where =
        " WHERE user_id = " + std::to_string(user_id) + " AND idem_key = " + c.Quote(key.key);
    for (int attempt = 0; attempt < kClaimAttempts; ++attempt) {
        auto inserted = co_await c.Query(
            "INSERT INTO idempotency_keys (user_id, idem_key, request_hash, created_at) VALUES (" +
            std::to_string(user_id) + ", " + c.Quote(key.key) + ", " + c.Quote(key.request_hash) +
            ", " + domain::SqlTime(now_ms) + ")");
        if (inserted.ok()) co_return Claim(KeyClaim::Kind::kClaimed);
        if (inserted.error().code != db::Errc::kDuplicateKey) co_return domain::DbFailure(inserted.error());

        auto found = co_await c.Query("SELECT request_hash, status_code, response_body, " +
                                      domain::SqlEpochMs("created_at") +
                                      " FROM idempotency_keys" + where);
        if (!found.ok()) co_return domain::DbFailure(found.error());
        if (found->rows.empty()) continue;  // deleted in between: try to claim again
        const auto& row = found->rows.front();
        const std::int64_t created = row.Int(3);
        const std::string created_sql = domain::SqlTime(created);
        if (created <= now_ms - kKeyLifetimeMs) {
            auto dropped = co_await c.Query("DELETE FROM idempotency_keys" + where +
                                            " AND created_at = " + created_sql);
            if (!dropped.ok()) co_return domain::DbFailure(dropped.error());
            continue;
        }
        if (row.Str(0) != key.request_hash) co_return Claim(KeyClaim::Kind::kMismatch);
        if (row.IsNull(1)) {
            if (created > now_ms - kAbandonedClaimMs) co_return Claim(KeyClaim::Kind::kInFlight);
            auto taken = co_await c.Query("UPDATE idempotency_keys SET created_at = " +
                                          domain::SqlTime(now_ms) + where +
                                          " AND status_code IS NULL AND created_at = " + created_sql);
            if (!taken.ok()) co_return domain::DbFailure(taken.error());
            if (taken->affected_rows == 1) co_return Claim(KeyClaim::Kind::kClaimed);
            continue;
        }
        co_return Claim(KeyClaim::Kind::kReplay, static_cast<int>(row.Int(1)), row.Str(2));
    }
    co_return MakeError(ErrorCode::kBusy, "idempotency key contended");
}

asio::awaitable<void> BalanceStore::ReleaseKey(std::int64_t user_id, std::string key) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return;  // the claim then expires as abandoned after kAbandonedClaimMs
    (void)co_await conn->Query("DELETE FROM idempotency_keys WHERE user_id = " + std::to_string(user_id) +
                               " AND idem_key = " + conn->Quote(key) + " AND status_code IS NULL");
}

}  // namespace hhplus::balance
