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
#include <functional>
#include <memory>
#include <vector>

#include "common/clock.hpp"
#include "domain/combining.hpp"
#include "domain/coupon/coupon_cache.hpp"
#include "domain/coupon/coupon_ports.hpp"
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

    // The store and the cache are seen through their interfaces (coupon_ports.hpp): unit tests
    // pass fakes. Both must outlive the service.
    CouponService(CouponStoreApi& store, CouponCacheApi& cache, const Clock& clock)
        : store_(store), cache_(cache), clock_(clock) {}

    void SetOutcomeObserver(OutcomeObserver observer) { observe_ = std::move(observer); }
    void SetBatchObserver(BatchObserver observer) { observe_batch_ = std::move(observer); }
    // Issue under the coupon's distributed lock (strategies pubsub / polling). Without a call:
    // strategy none, the database alone.
    void UseLock(lock::LockManager* locks);
    // The same through the interface (unit tests' fake lock); `lock` outlives the service.
    void UseIssueLock(IssueLock* lock) {
        owned_lock_.reset();
        lock_ = lock;
    }
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
    // Combining (domain/combining.hpp): the queued requests of a coupon are its users.
    using Queues = domain::CombiningQueues<std::int64_t, Result<IssuedCoupon>>;
    using WaiterPtr = Queues::WaiterPtr;

    // The runner's step: the coupon's lock (lock strategies), then one batch of the queue.
    boost::asio::awaitable<void> ServeNext(std::int64_t coupon_id, Queues::Queue& queue);
    // Serves one batch (fence, transaction); answers every waiter of it.
    // With a `lease` (lock strategies): fenced by the coupon's version read now; a batch refused
    // for a lost lease goes back to the front of `queue` for the next holder.
    boost::asio::awaitable<void> ServeBatch(std::int64_t coupon_id, std::vector<WaiterPtr> batch,
                                            IssueLease* lease, Queues::Queue& queue);

    CouponStoreApi& store_;
    CouponCacheApi& cache_;
    const Clock& clock_;
    OutcomeObserver observe_;
    BatchObserver observe_batch_;
    std::unique_ptr<IssueLock> owned_lock_;  // UseLock's adapter over the LockManager
    IssueLock* lock_ = nullptr;              // null: strategy none
    std::chrono::milliseconds wait_budget_ = lock::kDefaultWaitBudget;
    Queues queues_{[this](std::int64_t coupon_id, Queues::Queue& queue) {
        return ServeNext(coupon_id, queue);
    }};
};

}  // namespace hhplus::coupon
