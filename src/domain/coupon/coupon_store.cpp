#include "domain/coupon/coupon_store.hpp"

#include "domain/dependency_errors.hpp"
#include "domain/sql_time.hpp"

namespace hhplus::coupon {

namespace asio = boost::asio;

namespace {

// The seed coupon of api.md: TESTCOUPON, 15 %, expiring 2029-12-31T23:59:59Z.
constexpr std::int64_t kSeedCouponExpiresMs = 1'893'455'999'000;

std::string CouponColumns() {
    return "id, name, discount_rate, total_quantity, issued_quantity, " +
           domain::SqlEpochMs("expired_at");
}

// The CouponColumns() of `row`, starting at column `first`.
Coupon CouponFromRow(const db::Row& row, std::size_t first = 0) {
    return Coupon{row.Int(first), row.Str(first + 1), static_cast<int>(row.Int(first + 2)),
                  row.Int(first + 3), row.Int(first + 4), row.Int(first + 5)};
}

}  // namespace

asio::awaitable<Result<std::optional<Coupon>>> CouponStore::Find(std::int64_t coupon_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto r = co_await conn->Query("SELECT " + CouponColumns() + " FROM coupons WHERE id = " +
                                  std::to_string(coupon_id));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    if (r->rows.empty()) co_return std::optional<Coupon>{};
    std::optional<Coupon> coupon = CouponFromRow(r->rows.front());
    co_return coupon;
}

asio::awaitable<Result<Coupon>> CouponStore::Create(std::string name, int discount_rate,
                                                    std::int64_t total_quantity,
                                                    std::int64_t expired_at_ms) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto r = co_await conn->Query(
        "INSERT INTO coupons (name, discount_rate, total_quantity, expired_at) VALUES (" +
        conn->Quote(name) + ", " + std::to_string(discount_rate) + ", " +
        std::to_string(total_quantity) + ", " + domain::SqlTime(expired_at_ms) + ")");
    if (!r.ok()) co_return domain::DbFailure(r.error());
    Coupon created{static_cast<std::int64_t>(r->insert_id), std::move(name), discount_rate,
                   total_quantity, 0, expired_at_ms};
    co_return created;
}

asio::awaitable<Result<IssuedCoupon>> CouponStore::Issue(std::int64_t user_id, std::int64_t coupon_id,
                                                         std::int64_t now_ms,
                                                         std::optional<std::uint64_t> fence) {
    if (compound_) co_return co_await IssueCompound(user_id, coupon_id, now_ms, fence);
    co_return co_await IssueStepwise(user_id, coupon_id, now_ms, fence);
}

asio::awaitable<Status> CouponStore::DetectServer() {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto r = co_await conn->Query("SELECT VERSION()");
    if (!r.ok()) co_return domain::DbFailure(r.error());
    compound_ = !r->rows.empty() && r->rows.front().Str(0).find("MariaDB") != std::string::npos;
    co_return Ok{};
}

asio::awaitable<Result<IssuedCoupon>> CouponStore::IssueCompound(std::int64_t user_id, std::int64_t coupon_id,
                                                                 std::int64_t now_ms,
                                                                 std::optional<std::uint64_t> fence) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    const std::string cid = std::to_string(coupon_id);
    const std::string now = domain::SqlTime(now_ms);
    // The whole transaction is ONE statement (a MariaDB compound statement), so it costs one
    // round trip and — what matters under contention — the coupon row's lock is held from the
    // UPDATE to the COMMIT inside the server only, never across a network round trip and an
    // event-loop turn of ours (that gap capped issues at ~1/RTT per coupon).
    //  1. The holder row first: its unique key makes "already holds" (C005) win over sold out
    //     and expired, and it locks only this user's entry, not the contended coupon row. A
    //     duplicate (1062) is caught and recorded instead of aborting the statement.
    //  2. The contended conditional update last; COMMIT only when it counted, else ROLLBACK.
    //  3. Then, without locks, the coupon as of after COMMIT: the count is ours or later, which
    //     is what read-your-writes needs (the cache merges counts by maximum); after a refusal it
    //     says why. No row: the coupon is unknown (C006) — and then no holder row can exist
    //     either, since every insert for it was rolled back, so C005 cannot be hidden by that.
    // The local variables are prefixed v_ so none can shadow a column name.
    std::string update = "UPDATE coupons SET issued_quantity = issued_quantity + 1, version = version + 1 WHERE id = " +
                         cid + " AND issued_quantity < total_quantity AND expired_at > " + now;
    if (fence) update += " AND version = " + std::to_string(*fence);
    std::string sql =
        "BEGIN NOT ATOMIC "
        "DECLARE v_held INT DEFAULT 0; DECLARE v_counted INT DEFAULT 0; DECLARE v_uc BIGINT DEFAULT 0; "
        "DECLARE CONTINUE HANDLER FOR 1062 SET v_held = 1; "
        "START TRANSACTION; "
        "INSERT INTO user_coupons (user_id, coupon_id, issued_at) VALUES (" + std::to_string(user_id) +
        ", " + cid + ", " + now + "); "
        "IF v_held = 0 THEN SET v_uc = LAST_INSERT_ID(); " + update + "; SET v_counted = ROW_COUNT(); END IF; "
        "IF v_counted = 1 THEN COMMIT; ELSE ROLLBACK; END IF; "
        "SELECT v_held, v_counted, v_uc, " + CouponColumns() + " FROM coupons WHERE id = " + cid + "; "
        "END";
    auto r = co_await c.Query(std::move(sql));
    if (!r.ok()) {
        // Failed inside the transaction (deadlock, lock wait timeout, connection lost): make
        // sure it is not left open (the pool would close the connection otherwise).
        co_await db::Rollback(c);
        co_return domain::DbFailure(r.error());
    }
    if (r->rows.empty()) co_return MakeError(ErrorCode::kCouponNotFound, "no such coupon");
    if (r->rows.size() != 1 || r->rows.front().size() != 9) {
        co_return MakeError(ErrorCode::kInternal, "issue statement answered an unexpected shape");
    }
    const auto& row = r->rows.front();
    if (row.Int(0) == 1) co_return MakeError(ErrorCode::kCouponAlreadyIssued, "user already holds the coupon");
    Coupon coupon = CouponFromRow(row, 3);
    if (row.Int(1) != 1) {
        const auto refusal = RefusalFor(true, false, IsExpired(coupon.expired_at_ms, now_ms),
                                        coupon.issued_quantity >= coupon.total_quantity);
        if (!refusal) {
            // Issuable, yet not updated: only the fence can have refused it. Someone else wrote
            // since this holder read the version, so its lease must have expired meanwhile.
            co_return MakeError(ErrorCode::kBusy, std::string(kFencedDetail));
        }
        co_return MakeError(*refusal, "coupon not issuable");
    }
    IssuedCoupon issued{row.Int(2), std::move(coupon), now_ms};
    co_return issued;
}

// The portable path (MySQL 8): the same transaction, statement by statement.
asio::awaitable<Result<IssuedCoupon>> CouponStore::IssueStepwise(std::int64_t user_id, std::int64_t coupon_id,
                                                                 std::int64_t now_ms,
                                                                 std::optional<std::uint64_t> fence) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    const std::string cid = std::to_string(coupon_id);

    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    // The holder row first: its unique key makes "already holds" (C005) win over sold out and
    // expired, and it locks only this user's entry, not the contended coupon row.
    auto held = co_await c.Query("INSERT INTO user_coupons (user_id, coupon_id, issued_at) VALUES (" +
                                 std::to_string(user_id) + ", " + cid + ", " +
                                 domain::SqlTime(now_ms) + ")");
    if (!held.ok()) {
        co_await db::Rollback(c);
        if (held.error().code == db::Errc::kDuplicateKey) {
            // Unknown coupons have no holders, so a duplicate implies the coupon exists.
            co_return MakeError(ErrorCode::kCouponAlreadyIssued, "user already holds the coupon");
        }
        co_return domain::DbFailure(held.error());
    }
    const auto user_coupon_id = static_cast<std::int64_t>(held->insert_id);
    // The contended statement comes last, so the coupon's row lock is held only until COMMIT.
    // Built as a named local: g++ 12 destroys string temporaries of a ?: inside a co_await twice.
    std::string update = "UPDATE coupons SET issued_quantity = issued_quantity + 1, version = version + 1 WHERE id = " +
                         cid + " AND issued_quantity < total_quantity AND expired_at > " + domain::SqlTime(now_ms);
    if (fence) update += " AND version = " + std::to_string(*fence);
    auto counted = co_await c.Query(std::move(update));
    if (!counted.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(counted.error());
    }
    if (counted->affected_rows == 0) {
        auto why = co_await c.Query("SELECT " + CouponColumns() + " FROM coupons WHERE id = " + cid);
        co_await db::Rollback(c);
        if (!why.ok()) co_return domain::DbFailure(why.error());
        if (why->rows.empty()) co_return MakeError(ErrorCode::kCouponNotFound, "no such coupon");
        const Coupon coupon = CouponFromRow(why->rows.front());
        const auto refusal = RefusalFor(true, false, IsExpired(coupon.expired_at_ms, now_ms),
                                        coupon.issued_quantity >= coupon.total_quantity);
        if (!refusal) {
            // Issuable, yet not updated: only the fence can have refused it. Someone else wrote
            // since this holder read the version, so its lease must have expired meanwhile.
            co_return MakeError(ErrorCode::kBusy, std::string(kFencedDetail));
        }
        co_return MakeError(*refusal, "coupon not issuable");
    }
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return domain::DbFailure(committed.error());
    // Read after COMMIT, without locks: the count is ours or later, which is what
    // read-your-writes needs (the cache merges counts by maximum).
    auto after = co_await c.Query("SELECT " + CouponColumns() + " FROM coupons WHERE id = " + cid);
    if (!after.ok() || after->rows.empty()) {
        if (!after.ok()) co_return domain::DbFailure(after.error());
        co_return MakeError(ErrorCode::kInternal, "coupon vanished after an issue");
    }
    IssuedCoupon issued{user_coupon_id, CouponFromRow(after->rows.front()), now_ms};
    co_return issued;
}

asio::awaitable<Result<std::optional<std::uint64_t>>> CouponStore::ReadVersion(std::int64_t coupon_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto r = co_await conn->Query("SELECT version FROM coupons WHERE id = " + std::to_string(coupon_id));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    std::optional<std::uint64_t> version;
    if (!r->rows.empty()) version = static_cast<std::uint64_t>(r->rows.front().Int(0));
    co_return version;
}

asio::awaitable<Result<bool>> CouponStore::Holds(std::int64_t user_id, std::int64_t coupon_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto r = co_await conn->Query("SELECT 1 FROM user_coupons WHERE user_id = " + std::to_string(user_id) +
                                  " AND coupon_id = " + std::to_string(coupon_id));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    co_return !r->rows.empty();
}

asio::awaitable<Result<std::vector<UserCoupon>>> CouponStore::ListForUser(std::int64_t user_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto r = co_await conn->Query(
        "SELECT uc.id, uc.coupon_id, c.name, c.discount_rate, " + domain::SqlEpochMs("uc.issued_at") +
        ", " + domain::SqlEpochMs("c.expired_at") + ", " + domain::SqlEpochMs("uc.used_at") +
        " FROM user_coupons uc JOIN coupons c ON c.id = uc.coupon_id WHERE uc.user_id = " +
        std::to_string(user_id) + " ORDER BY uc.id DESC");
    if (!r.ok()) co_return domain::DbFailure(r.error());
    std::vector<UserCoupon> out;
    out.reserve(r->rows.size());
    for (const auto& row : r->rows) {
        UserCoupon u{row.Int(0), row.Int(1), row.Str(2), static_cast<int>(row.Int(3)),
                     row.Int(4), row.Int(5), std::nullopt};
        if (!row.IsNull(6)) u.used_at_ms = row.Int(6);
        out.push_back(std::move(u));
    }
    co_return out;
}

asio::awaitable<Result<std::optional<CouponAudit>>> CouponStore::Audit(std::int64_t coupon_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    const std::string cid = std::to_string(coupon_id);
    auto r = co_await conn->Query(
        "SELECT c.id, c.total_quantity, c.issued_quantity, "
        "(SELECT COUNT(*) FROM user_coupons WHERE coupon_id = c.id), "
        "(SELECT COUNT(DISTINCT user_id) FROM user_coupons WHERE coupon_id = c.id) "
        "FROM coupons c WHERE c.id = " + cid);
    if (!r.ok()) co_return domain::DbFailure(r.error());
    if (r->rows.empty()) co_return std::optional<CouponAudit>{};
    const auto& row = r->rows.front();
    co_return std::optional<CouponAudit>{
        CouponAudit{row.Int(0), row.Int(1), row.Int(2), row.Int(3), row.Int(4)}};
}

asio::awaitable<Status> CouponStore::SeedIfEmpty(std::int64_t quantity) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    // INSERT IGNORE with the fixed id 1: when several instances race on an empty table, one
    // insert wins and the others hit the primary key and are ignored.
    auto r = co_await conn->Query(
        "INSERT IGNORE INTO coupons (id, name, discount_rate, total_quantity, expired_at) "
        "SELECT 1, 'TESTCOUPON', 15, " + std::to_string(quantity) + ", " +
        domain::SqlTime(kSeedCouponExpiresMs) + " FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM coupons)");
    if (!r.ok()) co_return domain::DbFailure(r.error());
    co_return Ok{};
}

}  // namespace hhplus::coupon
