#pragma once
// CouponService: first-come, limited-quantity issuance and coupon reads.
//
// Issue, top to bottom:
//   1. fast path from the cache: a coupon known to be sold out or expired needs no contended
//      transaction — one indexed read decides C005 (holder) against C003 / C001;
//   2. the request joins its coupon's local queue (combining): one runner per coupon per process
//      serves the queue in batches, so the serialisation a hot coupon needs is paid once per
//      batch, not once per request;
//   3. per batch: with a lock strategy (pubsub / polling) the coupon's distributed lock, then the
//      coupon's version as a fence; without (none), straight on;
//   4. the batch transaction of CouponStore::IssueBatch (the database guarantees the invariants
//      whatever the strategy; under the lock its update is also a compare-and-set on the fence);
//   5. before answering, the new count goes to the cache (read-your-writes for GET), and a
//      sold-out discovery sets the flag that powers step 1.
// No shedding while coupons remain: a request is refused busy (503 S001) only when its wait
// budget has passed before any batch took it, or when its coupon's queue is full (a bound far
// above what a burst can fill within the budget, see kMaxQueuedPerCoupon).
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include "common/clock.hpp"
#include "domain/coupon/coupon_cache.hpp"
#include "domain/coupon/coupon_store.hpp"
#include "lock/lock_manager.hpp"

namespace hhplus::coupon {

// Requests of one batch: 512. A batch transaction costs 6 round trips plus ≈ 10–20 µs of
// MariaDB work per inserted row, so 512 rows ≈ 5–10 ms, far inside the lock's renewal period
// (TTL/3 = 1 s): a lease cannot run out during a batch unless the process stalls, and then the
// fence refuses the whole batch. It also keeps the statement small (512 × ≈ 30 bytes ≈ 15 KiB).
inline constexpr std::size_t kMaxIssueBatch = 512;
// Requests waiting for one coupon in one process: 8192 = 16 batches of 512. At ≈ 10–20 ms per
// batch plus a lock hand-over that drains in well under a second, inside the 2 s wait budget —
// so a burst of thousands per instance is served, not refused. Beyond it the instance is past
// what it can serve in time and refuses at once (S001) instead of queueing memory (≈ 150 bytes
// per waiter: 8192 ≈ 1.2 MiB per hot coupon).
inline constexpr std::size_t kMaxQueuedPerCoupon = 8192;
// A request whose batch was refused whole this often (each time a lease lost during the batch:
// a stall past the TTL) is answered S001 instead of queued again: 3 stalls of ≥ 3 s each are
// past any client's patience anyway.
inline constexpr int kMaxRefusedBatches = 3;

class CouponService {
  public:
    using OutcomeObserver = std::function<void(const char* outcome)>;  // metrics hook, per request
    // Metrics hook, per batch: result "served" (the transaction ran, whatever it answered),
    // "fenced" or "lease_lost" (refused whole, queued again), and the batch's size.
    using BatchObserver = std::function<void(const char* result, std::size_t size)>;

    CouponService(CouponStore& store, CouponCache& cache, const Clock& clock)
        : store_(store), cache_(cache), clock_(clock) {}

    void SetOutcomeObserver(OutcomeObserver observer) { observe_ = std::move(observer); }
    void SetBatchObserver(BatchObserver observer) { observe_batch_ = std::move(observer); }
    // Issue under the coupon's distributed lock (strategies pubsub / polling). Without a call:
    // strategy none, the database alone.
    void UseLock(lock::LockManager* locks) { locks_ = locks; }
    // How long a request may wait for a batch to take it (queue + lock), then 503 S001.
    void SetWaitBudget(std::chrono::milliseconds wait_budget) { wait_budget_ = wait_budget; }

    boost::asio::awaitable<Result<Coupon>> Get(std::int64_t coupon_id);
    boost::asio::awaitable<Result<IssuedCoupon>> Issue(std::int64_t user_id,
                                                       std::int64_t coupon_id);
    boost::asio::awaitable<Result<std::vector<UserCoupon>>> ListForUser(std::int64_t user_id);
    boost::asio::awaitable<Result<Coupon>> Create(std::string name, int discount_rate,
                                                  std::int64_t total_quantity,
                                                  std::int64_t expired_at_ms);
    boost::asio::awaitable<Result<CouponAudit>> Audit(std::int64_t coupon_id);

  private:
    boost::asio::awaitable<Result<IssuedCoupon>> IssueUncounted(std::int64_t user_id,
                                                                std::int64_t coupon_id);
    boost::asio::awaitable<void> Remember(const Coupon& coupon);
    // One queued issue request. Shared by the request's coroutine and the runner.
    struct Waiter {
        Waiter(boost::asio::any_io_executor ex, std::int64_t user,
               std::chrono::steady_clock::time_point due)
            : user_id(user), deadline(due), wake(std::move(ex)) {}
        std::int64_t user_id;
        std::chrono::steady_clock::time_point deadline;  // the wait budget's end
        boost::asio::steady_timer wake;  // expires at the deadline; cancelled to deliver the answer
        bool taken = false;              // in a batch: only the runner answers it now
        bool abandoned = false;          // timed out in the queue: the runner skips it
        int refused_batches = 0;         // batches refused whole (lost lease) it was part of
        std::optional<Result<IssuedCoupon>> answer;
    };
    using WaiterPtr = std::shared_ptr<Waiter>;
    struct CouponQueue {
        std::deque<WaiterPtr> waiting;  // arrival order; may hold abandoned entries
        bool running = false;           // a runner serves this queue
    };

    boost::asio::awaitable<Result<IssuedCoupon>> Enqueue(std::int64_t user_id,
                                                         std::int64_t coupon_id);
    // Serves the coupon's queue batch by batch until it is empty; then the queue is dropped.
    boost::asio::awaitable<void> RunQueue(std::int64_t coupon_id);
    // The next batch: up to kMaxIssueBatch waiters not abandoned, in arrival order, marked taken.
    std::vector<WaiterPtr> TakeBatch(CouponQueue& queue);
    // Serves one batch (lock, fence, transaction); answers every waiter of it.
    // With a `lease` (lock strategies): fenced by the coupon's version read now; a batch refused
    // for a lost lease goes back to the front of `queue` for the next holder.
    boost::asio::awaitable<void> ServeBatch(std::int64_t coupon_id, std::vector<WaiterPtr> batch,
                                            lock::Lease* lease, CouponQueue& queue);
    static void Answer(Waiter& waiter, Result<IssuedCoupon> answer);

    CouponStore& store_;
    CouponCache& cache_;
    const Clock& clock_;
    OutcomeObserver observe_;
    BatchObserver observe_batch_;
    lock::LockManager* locks_ = nullptr;
    std::chrono::milliseconds wait_budget_ = lock::kDefaultWaitBudget;
    std::unordered_map<std::int64_t, CouponQueue> queues_;
};

}  // namespace hhplus::coupon
