#include "domain/coupon/coupon_store.hpp"

#include <unordered_map>
#include <unordered_set>

#include "domain/dependency_errors.hpp"
#include "domain/sql_time.hpp"

namespace hhplus::coupon {

namespace asio = boost::asio;

namespace {

// The seed coupon of api.md: TESTCOUPON, 15 %, expiring 2029-12-31T23:59:59Z.
constexpr std::int64_t kSeedCouponExpiresMs = 1'893'455'999'000;

// Every statement with values is prepared (db::PooledConnection::Execute); BEGIN/COMMIT/ROLLBACK
// stay text (db::Begin…). Times: epoch ms as DATETIME(3) by arithmetic (domain/sql_time.hpp),
// bound as microseconds (domain::SqlTimeParam).

// The columns CouponFromRow reads: id, name, discount_rate, total_quantity, issued_quantity,
// expired_at as epoch ms.
constexpr std::string_view kFindCouponSql =
    "SELECT id, name, discount_rate, total_quantity, issued_quantity, "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', expired_at) DIV 1000) "
    "FROM coupons WHERE id = ?";
constexpr std::string_view kCreateCouponSql =
    "INSERT INTO coupons (name, discount_rate, total_quantity, expired_at) "
    "VALUES (?, ?, ?, TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000'))";
// The coupon row locked, joined with the batch's users who already hold it; the IN list
// (db::AppendInList) goes between the two halves, then the coupon id.
constexpr std::string_view kLockCouponSqlHead =
    "SELECT c.id, c.name, c.discount_rate, c.total_quantity, c.issued_quantity, "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', c.expired_at) DIV 1000), c.version, "
    "uc.user_id FROM coupons c LEFT JOIN user_coupons uc ON uc.coupon_id = c.id AND "
    "uc.user_id IN (";
constexpr std::string_view kLockCouponSqlTail = ") WHERE c.id = ? FOR UPDATE";
// Every winner's holder row in one cached statement whatever their number: the ids travel as one
// JSON array that JSON_TABLE turns into rows (MariaDB >= 10.6, MySQL >= 8.0.4). A VALUES list
// would be one statement text per winner count (up to a batch of 512), too many to cache, so
// every batch would pay a prepare round trip while it holds the coupon's row lock.
constexpr std::string_view kInsertHoldersSql =
    "INSERT INTO user_coupons (user_id, coupon_id, issued_at) "
    "SELECT w.user_id, ?, TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') "
    "FROM JSON_TABLE(?, '$[*]' COLUMNS (user_id BIGINT PATH '$')) AS w";
constexpr std::string_view kCountIssuedSql =
    "UPDATE coupons SET issued_quantity = issued_quantity + ?, version = version + 1 "
    "WHERE id = ? AND issued_quantity + ? <= total_quantity AND version = ?";
constexpr std::string_view kHolderIdsSqlHead =
    "SELECT user_id, id FROM user_coupons WHERE coupon_id = ? AND user_id IN (";
constexpr std::string_view kReadVersionSql = "SELECT version FROM coupons WHERE id = ?";
constexpr std::string_view kHoldsSql =
    "SELECT 1 FROM user_coupons WHERE user_id = ? AND coupon_id = ?";
constexpr std::string_view kListForUserSql =
    "SELECT uc.id, uc.coupon_id, c.name, c.discount_rate, "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', uc.issued_at) DIV 1000), "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', c.expired_at) DIV 1000), "
    "(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', uc.used_at) DIV 1000) "
    "FROM user_coupons uc JOIN coupons c ON c.id = uc.coupon_id WHERE uc.user_id = ? "
    "ORDER BY uc.id DESC";
constexpr std::string_view kAuditSql =
    "SELECT c.id, c.total_quantity, c.issued_quantity, "
    "(SELECT COUNT(*) FROM user_coupons WHERE coupon_id = c.id), "
    "(SELECT COUNT(DISTINCT user_id) FROM user_coupons WHERE coupon_id = c.id) "
    "FROM coupons c WHERE c.id = ?";
// INSERT IGNORE with the fixed id 1: when several instances race on an empty table, one
// insert wins and the others hit the primary key and are ignored.
constexpr std::string_view kSeedCouponSql =
    "INSERT IGNORE INTO coupons (id, name, discount_rate, total_quantity, expired_at) "
    "SELECT 1, 'TESTCOUPON', 15, ?, TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') "
    "FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM coupons)";

// The coupon columns of kFindCouponSql / kLockCouponSqlHead in `row`, from column `first`.
Coupon CouponFromRow(const db::Row& row, std::size_t first = 0) {
    return Coupon{row.Int(first),     row.Str(first + 1), static_cast<int>(row.Int(first + 2)),
                  row.Int(first + 3), row.Int(first + 4), row.Int(first + 5)};
}

}  // namespace

asio::awaitable<Result<std::optional<Coupon>>> CouponStore::Find(std::int64_t coupon_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{coupon_id};
    auto r = co_await conn->Execute(std::string(kFindCouponSql), std::move(params));
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
    db::Params params{name, std::int64_t{discount_rate}, total_quantity,
                      domain::SqlTimeParam(expired_at_ms)};
    auto r = co_await conn->Execute(std::string(kCreateCouponSql), std::move(params));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    Coupon created{static_cast<std::int64_t>(r->insert_id),
                   std::move(name),
                   discount_rate,
                   total_quantity,
                   0,
                   expired_at_ms};
    co_return created;
}

asio::awaitable<Result<IssuedCoupon>> CouponStore::Issue(std::int64_t user_id,
                                                         std::int64_t coupon_id,
                                                         std::int64_t now_ms,
                                                         std::optional<std::uint64_t> fence) {
    std::vector<std::int64_t> one{user_id};
    auto batch = co_await IssueBatch(std::move(one), coupon_id, now_ms, fence);
    if (!batch.ok()) co_return std::move(batch).error();
    co_return std::move(batch.value().front());
}

asio::awaitable<Result<std::vector<Result<IssuedCoupon>>>> CouponStore::IssueBatch(
    std::vector<std::int64_t> user_ids, std::int64_t coupon_id, std::int64_t now_ms,
    std::optional<std::uint64_t> fence) {
    using Answers = std::vector<Result<IssuedCoupon>>;
    if (user_ids.empty()) co_return Answers{};
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto& c = conn.value();
    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    // 1. The coupon row, locked, with one extra row per user of the batch who already holds it
    //    (none: one row with a NULL holder). Every issuer of this coupon queues on this lock.
    db::Params lock_params;
    std::string lock_sql(kLockCouponSqlHead);
    lock_sql += db::AppendInList(lock_params, user_ids);
    lock_sql += kLockCouponSqlTail;
    lock_params.emplace_back(coupon_id);
    auto read = co_await c.Execute(std::move(lock_sql), std::move(lock_params));
    if (!read.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(read.error());
    }
    if (read->rows.empty()) {
        co_await db::Rollback(c);
        co_return MakeError(ErrorCode::kCouponNotFound, "no such coupon");
    }
    Coupon coupon = CouponFromRow(read->rows.front());
    const auto version = static_cast<std::uint64_t>(read->rows.front().Int(6));
    std::unordered_set<std::int64_t> holders;
    for (const auto& row : read->rows) {
        if (!row.IsNull(7)) holders.insert(row.Int(7));
    }
    if (fence && version != *fence) {
        // Someone wrote since this holder read the version: its lease must have expired meanwhile.
        co_await db::Rollback(c);
        co_return MakeError(ErrorCode::kBusy, std::string(kFencedDetail));
    }
    // 2. Who wins, in batch order.
    const auto decided =
        DecideBatch(user_ids, holders, coupon.total_quantity - coupon.issued_quantity,
                    IsExpired(coupon.expired_at_ms, now_ms));
    std::vector<std::int64_t> winner_ids;
    std::string winners_json = "[";  // e.g. [17,42]: integers only, no escaping needed
    for (std::size_t i = 0; i < user_ids.size(); ++i) {
        if (decided[i]) continue;
        if (!winner_ids.empty()) winners_json += ',';
        winners_json += std::to_string(user_ids[i]);
        winner_ids.push_back(user_ids[i]);
    }
    winners_json += ']';
    const auto winners = static_cast<std::int64_t>(winner_ids.size());
    Answers answers;
    answers.reserve(user_ids.size());
    if (winners == 0) {
        co_await db::Rollback(c);
        for (const auto& refusal : decided)
            answers.push_back(MakeError(*refusal, "coupon not issuable"));
        co_return answers;
    }
    // 3. The winners' holder rows, the counter, and their ids (not derived from LAST_INSERT_ID:
    //    MySQL 8's default interleaved auto-increment does not promise consecutive ids).
    db::Params insert_params{coupon_id, domain::SqlTimeParam(now_ms), std::move(winners_json)};
    auto inserted = co_await c.Execute(std::string(kInsertHoldersSql), std::move(insert_params));
    if (!inserted.ok() || inserted->affected_rows != winner_ids.size()) {
        co_await db::Rollback(c);
        if (!inserted.ok()) co_return domain::DbFailure(inserted.error());
        co_return MakeError(ErrorCode::kInternal, "holder rows inserted differ from the winners");
    }
    db::Params count_params{winners, coupon_id, winners, version};
    auto counted = co_await c.Execute(std::string(kCountIssuedSql), std::move(count_params));
    if (!counted.ok() || counted->affected_rows != 1) {
        co_await db::Rollback(c);
        if (!counted.ok()) co_return domain::DbFailure(counted.error());
        co_return MakeError(ErrorCode::kInternal, "locked coupon row changed under its lock");
    }
    db::Params id_params{coupon_id};
    std::string id_sql(kHolderIdsSqlHead);
    id_sql += db::AppendInList(id_params, winner_ids);
    id_sql += ')';
    auto ids = co_await c.Execute(std::move(id_sql), std::move(id_params));
    if (!ids.ok() || ids->rows.size() != static_cast<std::size_t>(winners)) {
        co_await db::Rollback(c);
        if (!ids.ok()) co_return domain::DbFailure(ids.error());
        co_return MakeError(ErrorCode::kInternal,
                            "holder rows of the batch not found after insert");
    }
    auto committed = co_await db::Commit(c);
    if (!committed.ok()) co_return domain::DbFailure(committed.error());
    std::unordered_map<std::int64_t, std::int64_t> id_of;
    for (const auto& row : ids->rows) id_of[row.Int(0)] = row.Int(1);
    // The count as of our COMMIT: ours or later is what read-your-writes needs (the cache merges
    // counts by maximum).
    coupon.issued_quantity += winners;
    for (std::size_t i = 0; i < user_ids.size(); ++i) {
        if (decided[i]) {
            answers.push_back(MakeError(*decided[i], "coupon not issuable"));
        } else {
            answers.push_back(IssuedCoupon{id_of[user_ids[i]], coupon, now_ms});
        }
    }
    co_return answers;
}

asio::awaitable<Result<std::optional<std::uint64_t>>> CouponStore::ReadVersion(
    std::int64_t coupon_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{coupon_id};
    auto r = co_await conn->Execute(std::string(kReadVersionSql), std::move(params));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    std::optional<std::uint64_t> version;
    if (!r->rows.empty()) version = static_cast<std::uint64_t>(r->rows.front().Int(0));
    co_return version;
}

asio::awaitable<Result<bool>> CouponStore::Holds(std::int64_t user_id, std::int64_t coupon_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{user_id, coupon_id};
    auto r = co_await conn->Execute(std::string(kHoldsSql), std::move(params));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    co_return !r->rows.empty();
}

asio::awaitable<Result<std::vector<UserCoupon>>> CouponStore::ListForUser(std::int64_t user_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{user_id};
    auto r = co_await conn->Execute(std::string(kListForUserSql), std::move(params));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    std::vector<UserCoupon> out;
    out.reserve(r->rows.size());
    for (const auto& row : r->rows) {
        UserCoupon u{row.Int(0), row.Int(1), row.Str(2),  static_cast<int>(row.Int(3)),
                     row.Int(4), row.Int(5), std::nullopt};
        if (!row.IsNull(6)) u.used_at_ms = row.Int(6);
        out.push_back(std::move(u));
    }
    co_return out;
}

asio::awaitable<Result<std::optional<CouponAudit>>> CouponStore::Audit(std::int64_t coupon_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{coupon_id};
    auto r = co_await conn->Execute(std::string(kAuditSql), std::move(params));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    if (r->rows.empty()) co_return std::optional<CouponAudit>{};
    const auto& row = r->rows.front();
    co_return std::optional<CouponAudit>{
        CouponAudit{row.Int(0), row.Int(1), row.Int(2), row.Int(3), row.Int(4)}};
}

asio::awaitable<Status> CouponStore::SeedIfEmpty(std::int64_t quantity) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{quantity, domain::SqlTimeParam(kSeedCouponExpiresMs)};
    auto r = co_await conn->Execute(std::string(kSeedCouponSql), std::move(params));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    co_return Ok{};
}

}  // namespace hhplus::coupon
