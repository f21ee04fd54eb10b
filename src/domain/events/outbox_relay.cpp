#include "domain/events/outbox_relay.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"
#include "domain/sql_time.hpp"

namespace hhplus::events {

namespace asio = boost::asio;

namespace {

// Only the topics this relay knows how to publish; a future topic gets its own stream here.
// ix_outbox_unsent (sent_at, id) serves the scan; SKIP LOCKED makes concurrent relays take
// disjoint rows (READ COMMITTED: no gap locks, so payments inserting new rows never wait).
// Prepared statements (db::PooledConnection::Execute); BEGIN/COMMIT/ROLLBACK stay text.
// Parameters: the topic, then the time (epoch µs, domain/sql_time.hpp) before which a row must
// have been written (rows younger than the grace are being published by their own instance,
// see Publish), then the batch.
constexpr std::string_view kSelectUnsentSql =
    "SELECT id, topic, aggregate_id, payload FROM outbox WHERE sent_at IS NULL AND topic = ? "
    "AND created_at <= TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') "
    "ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED";
// The idle check: one indexed read, no transaction. Most passes of an idle relay find nothing,
// and a BEGIN + locking SELECT + ROLLBACK for that is three statements where one does.
constexpr std::string_view kAnyUnsentSql =
    "SELECT id FROM outbox WHERE sent_at IS NULL AND topic = ? "
    "AND created_at <= TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') LIMIT 1";
// + the ids' IN list (db::AppendInList) + ")".
constexpr std::string_view kMarkSentSqlHead =
    "UPDATE outbox SET sent_at = TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') "
    "WHERE id IN (";
constexpr std::string_view kMarkOneSentSql =
    "UPDATE outbox SET sent_at = TIMESTAMPADD(MICROSECOND, ?, '1970-01-01 00:00:00.000') "
    "WHERE id = ? AND sent_at IS NULL";

// A failing relay logs its first failure, then every this-many in a row (at 1 s a pass: one
// line every 10 s while the database or Redis is down), then once when it recovers.
constexpr std::uint64_t kLogEveryNthFailure = 10;

}  // namespace

OutboxRelay::OutboxRelay(asio::any_io_executor ex, db::Pool& pool, redis::Client& events,
                         const Clock& clock, OutboxRelayOptions options)
    : ex_(ex),
      pool_(pool),
      events_(events),
      clock_(clock),
      options_(std::move(options)),
      sleep_(ex),
      done_(ex),
      published_(ex) {}

void OutboxRelay::Start() {
    if (running_) return;
    running_ = true;
    stopping_ = false;
    done_.expires_at(asio::steady_timer::time_point::max());
    asio::co_spawn(ex_, Loop(), asio::detached);
}

asio::awaitable<void> OutboxRelay::Stop() {
    stopping_ = true;
    sleep_.cancel();
    while (running_) {
        boost::system::error_code ec;
        co_await done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    while (publishing_ > 0) {  // each bounded by the Redis and pool timeouts
        published_.expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code ec;
        co_await published_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void OutboxRelay::Fail(const char* stage, const std::string& detail) {
    if (on_failure_) on_failure_(stage);
    if (failures_in_a_row_++ % kLogEveryNthFailure == 0) {
        log::Warn(std::string("outbox relay: pass failed at ") + stage + " (" +
                  std::to_string(failures_in_a_row_) + " in a row): " + detail);
    }
}

asio::awaitable<std::int64_t> OutboxRelay::RunOnce() {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) {
        Fail("db", conn.error().detail);
        co_return -1;
    }
    const std::int64_t older_than =
        domain::SqlTimeParam(ToEpochMillis(clock_.Now()) - options_.grace.count());
    db::Params probe{std::string(kOrderPaidTopic), older_than};
    auto any = co_await conn->Execute(std::string(kAnyUnsentSql), std::move(probe));
    if (!any.ok()) {
        Fail("db", any.error().detail);
        co_return -1;
    }
    if (any->rows.empty()) {
        if (failures_in_a_row_ > 0) {
            log::Info("outbox relay: recovered");
            failures_in_a_row_ = 0;
        }
        co_return 0;
    }
    if (auto begun = co_await db::Begin(*conn); !begun.ok()) {
        Fail("db", begun.error().detail);
        co_return -1;
    }
    db::Params select{std::string(kOrderPaidTopic), older_than,
                      static_cast<std::uint64_t>(options_.batch)};
    auto rows = co_await conn->Execute(std::string(kSelectUnsentSql), std::move(select));
    if (!rows.ok()) {
        co_await db::Rollback(*conn);
        Fail("db", rows.error().detail);
        co_return -1;
    }
    if (rows->rows.empty()) {
        co_await db::Rollback(*conn);  // nothing locked, nothing written
        if (failures_in_a_row_ > 0) {
            log::Info("outbox relay: recovered");
            failures_in_a_row_ = 0;
        }
        co_return 0;
    }
    const std::string max_len = std::to_string(options_.max_len);
    std::vector<std::vector<std::string>> adds;
    adds.reserve(rows->rows.size());
    std::vector<std::uint64_t> ids;
    for (const db::Row& row : rows->rows) {
        adds.push_back({"XADD", options_.stream, "MAXLEN", "~", max_len, "*", "outboxId",
                        row.Str(0), "orderId", row.Str(2), "payload", row.Str(3)});
        ids.push_back(row.UInt(0));
    }
    auto added = co_await events_.Pipeline(std::move(adds));
    if (!added.ok()) {
        co_await db::Rollback(*conn);
        Fail("redis",
             std::string(redis::ErrcName(added.error().code)) + ": " + added.error().detail);
        co_return -1;
    }
    for (const redis::Reply& reply : added.value()) {
        if (reply.IsError()) {
            // Some entries may be in the stream already: they are added again by a later pass
            // (at least once; consumers dedupe).
            co_await db::Rollback(*conn);
            Fail("redis", "XADD: " + reply.str);
            co_return -1;
        }
    }
    if (crash_after_xadd_ && crash_after_xadd_()) {
        conn->MarkBroken();  // closed when given back: the server rolls the transaction back
        Fail("crash", "test hook: stopped after XADD, before COMMIT");
        co_return -1;
    }
    db::Params update_params{domain::SqlTimeParam(ToEpochMillis(clock_.Now()))};
    std::string update(kMarkSentSqlHead);
    update += db::AppendInList(update_params, ids);
    update += ')';
    auto marked = co_await conn->Execute(std::move(update), std::move(update_params));
    if (!marked.ok()) {
        co_await db::Rollback(*conn);
        Fail("db", marked.error().detail);
        co_return -1;
    }
    if (auto committed = co_await db::Commit(*conn); !committed.ok()) {
        // Unknown outcome (a timeout may still commit): either way the stream has the entries,
        // and a resend is deduped downstream.
        conn->MarkBroken();
        Fail("commit", committed.error().detail);
        co_return -1;
    }
    if (failures_in_a_row_ > 0) {
        log::Info("outbox relay: recovered after " + std::to_string(failures_in_a_row_) +
                  " failed pass(es)");
        failures_in_a_row_ = 0;
    }
    const std::size_t relayed = rows->rows.size();
    if (on_relayed_) on_relayed_(relayed);
    co_return static_cast<std::int64_t>(relayed);
}

void OutboxRelay::Publish(std::int64_t outbox_id, std::int64_t order_id, std::string payload) {
    if (stopping_) return;  // the row stays unsent; another instance's pass takes it
    ++publishing_;
    asio::co_spawn(ex_, PublishOne(outbox_id, order_id, std::move(payload)), asio::detached);
}

asio::awaitable<void> OutboxRelay::PublishOne(std::int64_t outbox_id, std::int64_t order_id,
                                              std::string payload) {
    std::vector<std::string> add{"XADD",
                                 options_.stream,
                                 "MAXLEN",
                                 "~",
                                 std::to_string(options_.max_len),
                                 "*",
                                 "outboxId",
                                 std::to_string(outbox_id),
                                 "orderId",
                                 std::to_string(order_id),
                                 "payload",
                                 std::move(payload)};
    auto added = co_await events_.Command(std::move(add));
    if (added.ok() && !added->IsError()) {
        // Autocommit, one row by its primary key. `sent_at IS NULL`: a relay pass that took the
        // row meanwhile (it was older than the grace) keeps its own time; the stream then holds
        // the event twice, which consumers dedupe.
        auto conn = co_await pool_.Acquire();
        if (conn.ok()) {
            db::Params mark{domain::SqlTimeParam(ToEpochMillis(clock_.Now())), outbox_id};
            auto marked = co_await conn->Execute(std::string(kMarkOneSentSql), std::move(mark));
            if (marked.ok() && on_relayed_) on_relayed_(1);
        }
    }
    // Any failure leaves the row unsent: a relay pass takes it once it is older than the grace.
    if (--publishing_ == 0 && stopping_) published_.cancel();
}

asio::awaitable<void> OutboxRelay::Loop() {
    int back_to_back = 0;
    while (!stopping_) {
        const std::int64_t relayed = co_await RunOnce();
        if (stopping_) break;
        const bool full = relayed >= static_cast<std::int64_t>(options_.batch);
        if (full && ++back_to_back < kMaxBackToBackPasses) continue;
        back_to_back = 0;
        sleep_.expires_after(options_.interval);
        boost::system::error_code ec;
        co_await sleep_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    running_ = false;
    done_.cancel();
}

}  // namespace hhplus::events
