#pragma once
// OutboxRelay: moves `order.paid` rows of the transactional outbox (written by the payment in
// its own transaction) to the Redis Stream the consumer groups read, and marks them sent.
//
// One pass = one transaction:
//   SELECT … FROM outbox WHERE sent_at IS NULL … ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED
//   XADD <stream> MAXLEN ~ 1000000 * outboxId <id> orderId <orderId> payload <json>   (pipelined)
//   UPDATE outbox SET sent_at = … WHERE id IN (…); COMMIT
// SKIP LOCKED lets every instance run a relay: concurrent passes take disjoint rows instead of
// queueing on each other. Delivery is at least once: a crash (or a failed COMMIT) after the
// XADDs leaves the rows unsent, and the next pass adds them again; consumers dedupe by orderId.
// Order across instances is not kept (two relays add their batches interleaved).
//
// Contract: runs on the executor's single thread; Start returns at once; Stop suspends until the
// loop has finished its pass (bounded by the pool's acquire + query timeouts and the Redis
// command timeout) and must complete before the relay is destroyed. The pool and the client are
// borrowed and must outlive the relay.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "common/clock.hpp"
#include "db/pool.hpp"
#include "domain/events/paid_order.hpp"
#include "redis/client.hpp"

namespace hhplus::events {

// How often a relay looks for unsent rows (OUTBOX_RELAY_MS). A payment's own instance publishes
// its row at once (Publish); the passes are for rows whose instance died or failed to publish,
// so they need not be frequent: such a row reaches the stream ≤ grace + interval = 3 s after
// its commit. An idle pass is one indexed read without a transaction: 10 instances cost the
// database 10 reads a second.
inline constexpr std::chrono::milliseconds kDefaultRelayInterval{1000};
// Rows per pass: 100 × ~300 B payload = ~30 KB in one pipelined write to Redis and one UPDATE
// with 100 ids; one pass holds a pooled connection for ~3 round trips + 1 Redis round trip
// (a few ms), so the relay never takes a noticeable share of the pool of 8.
inline constexpr std::size_t kRelayBatch = 100;
// While passes find full batches they run back to back, at most this many in a row (50 × 100 =
// 5,000 rows, ~25 × 5 ms ≈ 250 ms of loop time), then the relay sleeps one interval so a
// backlog after an outage drains fast without one instance holding a connection for long.
inline constexpr int kMaxBackToBackPasses = 50;
// Approximate stream length cap (XADD MAXLEN ~): 1,000,000 entries × ~350 B ≈ 350 MB at most;
// at 200 paid orders/s that is ~83 minutes of history, far longer than any consumer outage we
// ride out. A consumer group lagging by more than that loses the trimmed entries (docs/events.md).
inline constexpr std::size_t kStreamMaxLen = 1'000'000;

// How old an unsent row must be before a relay pass takes it, when its own instance publishes
// it at once (Publish): 2 s covers that XADD and the marking UPDATE many times over on a busy
// machine (each bounded by 1 s and 5 s but taking ~1 ms), so passes and publishers rarely both
// send a row; a row whose instance died is taken ≤ grace + interval = 3 s after its commit.
// 0 (the default) for a relay that is the only sender (tests, tools).
inline constexpr std::chrono::milliseconds kPublisherGrace{2000};

struct OutboxRelayOptions {
    std::chrono::milliseconds interval = kDefaultRelayInterval;
    std::chrono::milliseconds grace{0};
    std::size_t batch = kRelayBatch;
    std::string stream{kOrderPaidStream};
    std::size_t max_len = kStreamMaxLen;
};

class OutboxRelay {
  public:
    OutboxRelay(boost::asio::any_io_executor ex, db::Pool& pool, redis::Client& events,
                const Clock& clock, OutboxRelayOptions options = {});
    OutboxRelay(const OutboxRelay&) = delete;
    OutboxRelay& operator=(const OutboxRelay&) = delete;

    // Starts the loop (first pass at once). No-op when running.
    void Start();
    // Ends the loop after its current pass; suspends until it has. Idempotent.
    boost::asio::awaitable<void> Stop();
    bool Running() const { return running_; }
    // The fast path for a row this instance just committed: XADD it now, then mark it sent (one
    // autocommit UPDATE by id) — two commands instead of a pass's transaction. Runs detached;
    // a failure leaves the row to the passes (set options.grace so they leave fresh rows to
    // this). Stop waits for publishes in flight.
    void Publish(std::int64_t outbox_id, std::int64_t order_id, std::string payload);

    // One pass, outside the loop (tests, and a manual drain). The rows relayed, or -1 when the
    // pass failed (the rows stay unsent and are taken by a later pass).
    boost::asio::awaitable<std::int64_t> RunOnce();

    // Metrics hooks: rows marked sent after each committed pass; failed passes by stage
    // ("db", "redis", "commit", "crash").
    void SetRelayedObserver(std::function<void(std::size_t rows)> observer) {
        on_relayed_ = std::move(observer);
    }
    void SetFailureObserver(std::function<void(const char* stage)> observer) {
        on_failure_ = std::move(observer);
    }
    // Test hook standing in for a crash: called after the XADDs succeeded and before the UPDATE
    // and COMMIT; when it returns true the pass ends there (the connection is dropped, the
    // server rolls back), exactly what a kill -9 at that point leaves behind.
    void SetCrashAfterXaddForTest(std::function<bool()> hook) {
        crash_after_xadd_ = std::move(hook);
    }

  private:
    boost::asio::awaitable<void> Loop();
    boost::asio::awaitable<void> PublishOne(std::int64_t outbox_id, std::int64_t order_id,
                                            std::string payload);
    void Fail(const char* stage, const std::string& detail);

    boost::asio::any_io_executor ex_;
    db::Pool& pool_;
    redis::Client& events_;
    const Clock& clock_;
    OutboxRelayOptions options_;
    boost::asio::steady_timer sleep_;
    boost::asio::steady_timer done_;  // never expires; cancelled when the loop exits (Stop waits)
    bool running_ = false;
    bool stopping_ = false;
    std::size_t publishing_ = 0;           // Publish calls in flight
    boost::asio::steady_timer published_;  // cancelled when the last one ends after Stop
    std::uint64_t failures_in_a_row_ = 0;
    std::function<void(std::size_t)> on_relayed_;
    std::function<void(const char*)> on_failure_;
    std::function<bool()> crash_after_xadd_;
};

}  // namespace hhplus::events
