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

// `table`: the alias to qualify the columns with in a join ("c." for "c.id, …").
std::string CouponColumns(const std::string& table = "") {
    return table + "id, " + table + "name, " + table + "discount_rate, " + table +
           "total_quantity, " + table + "issued_quantity, " +
           domain::SqlEpochMs(table + "expired_at");
}

// The CouponColumns() of `row`, starting at column `first`.
Coupon CouponFromRow(const db::Row& row, std::size_t first = 0) {
    return Coupon{row.Int(first),     row.Str(first + 1), static_cast<int>(row.Int(first + 2)),
                  row.Int(first + 3), row.Int(first + 4), row.Int(first + 5)};
}

}  // namespace

asio::awaitable<Result<std::optional<Coupon>>> CouponStore::Find(std::int64_t coupon_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto r = co_await conn->Query("SELECT " + CouponColumns() +
                                  " FROM coupons WHERE id = " + std::to_string(coupon_id));
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
    const std::string cid = std::to_string(coupon_id);
    std::string user_list;
    for (const auto user : user_ids) {
        if (!user_list.empty()) user_list += ',';
        user_list += std::to_string(user);
    }

    auto begun = co_await db::Begin(c);
    if (!begun.ok()) co_return domain::DbFailure(begun.error());
    // 1. The coupon row, locked, with one extra row per user of the batch who already holds it
    //    (none: one row with a NULL holder). Every issuer of this coupon queues on this lock.
    auto read =
        co_await c.Query("SELECT " + CouponColumns("c.") +
                         ", c.version, uc.user_id FROM coupons c "
                         "LEFT JOIN user_coupons uc ON uc.coupon_id = c.id AND uc.user_id IN (" +
                         user_list + ") WHERE c.id = " + cid + " FOR UPDATE");
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
    std::string winner_list, rows;
    std::int64_t winners = 0;
    for (std::size_t i = 0; i < user_ids.size(); ++i) {
        if (decided[i]) continue;
        ++winners;
        const std::string user = std::to_string(user_ids[i]);
        if (!winner_list.empty()) {
            winner_list += ',';
            rows += ',';
        }
        winner_list += user;
        rows += "(" + user + ", " + cid + ", " + domain::SqlTime(now_ms) + ")";
    }
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
    auto inserted =
        co_await c.Query("INSERT INTO user_coupons (user_id, coupon_id, issued_at) VALUES " + rows);
    if (!inserted.ok()) {
        co_await db::Rollback(c);
        co_return domain::DbFailure(inserted.error());
    }
    std::string update = "UPDATE coupons SET issued_quantity = issued_quantity + " +
                         std::to_string(winners) + ", version = version + 1 WHERE id = " + cid +
                         " AND issued_quantity + " + std::to_string(winners) +
                         " <= total_quantity AND version = " + std::to_string(version);
    auto counted = co_await c.Query(std::move(update));
    if (!counted.ok() || counted->affected_rows != 1) {
        co_await db::Rollback(c);
        if (!counted.ok()) co_return domain::DbFailure(counted.error());
        co_return MakeError(ErrorCode::kInternal, "locked coupon row changed under its lock");
    }
    auto ids = co_await c.Query("SELECT user_id, id FROM user_coupons WHERE coupon_id = " + cid +
                                " AND user_id IN (" + winner_list + ")");
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
    auto r =
        co_await conn->Query("SELECT version FROM coupons WHERE id = " + std::to_string(coupon_id));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    std::optional<std::uint64_t> version;
    if (!r->rows.empty()) version = static_cast<std::uint64_t>(r->rows.front().Int(0));
    co_return version;
}

asio::awaitable<Result<bool>> CouponStore::Holds(std::int64_t user_id, std::int64_t coupon_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto r = co_await conn->Query(
        "SELECT 1 FROM user_coupons WHERE user_id = " + std::to_string(user_id) +
        " AND coupon_id = " + std::to_string(coupon_id));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    co_return !r->rows.empty();
}

asio::awaitable<Result<std::vector<UserCoupon>>> CouponStore::ListForUser(std::int64_t user_id) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    auto r = co_await conn->Query(
        "SELECT uc.id, uc.coupon_id, c.name, c.discount_rate, " +
        domain::SqlEpochMs("uc.issued_at") + ", " + domain::SqlEpochMs("c.expired_at") + ", " +
        domain::SqlEpochMs("uc.used_at") +
        " FROM user_coupons uc JOIN coupons c ON c.id = uc.coupon_id WHERE uc.user_id = " +
        std::to_string(user_id) + " ORDER BY uc.id DESC");
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
    const std::string cid = std::to_string(coupon_id);
    auto r = co_await conn->Query(
        "SELECT c.id, c.total_quantity, c.issued_quantity, "
        "(SELECT COUNT(*) FROM user_coupons WHERE coupon_id = c.id), "
        "(SELECT COUNT(DISTINCT user_id) FROM user_coupons WHERE coupon_id = c.id) "
        "FROM coupons c WHERE c.id = " +
        cid);
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
        "SELECT 1, 'TESTCOUPON', 15, " +
        std::to_string(quantity) + ", " + domain::SqlTime(kSeedCouponExpiresMs) +
        " FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM coupons)");
    if (!r.ok()) co_return domain::DbFailure(r.error());
    co_return Ok{};
}

}  // namespace hhplus::coupon
