#pragma once
// Distributed lock: Redlock over 1 or an odd number of independent Redis masters, with Pub/Sub
// hand-off (no herd), a lease watchdog, and fencing left to the storage.
//
// How a waiter gets the lock (Mode::kPubSub, the default)
// - Each process keeps ONE Subscriber connection per master. Try first, subscribe on failure:
//   the head's first attempt is sent without any subscription, so an uncontended acquisition
//   costs the attempt and the release only (no SUBSCRIBE/UNSUBSCRIBE: subscribing first made
//   Pub/Sub dearer than polling in the service, 9.03 vs 4.17 lock commands per issued coupon
//   in issue 11). Only after a failed attempt does the head SUBSCRIBE to the key's release
//   channel on every master, wait for the confirmations, and then retry AT ONCE before it
//   sleeps. That retry is
//   what makes the late subscription safe: a release before the confirmation announced nothing
//   to us, but the retry is sent after the confirmation and so either finds the key free or
//   finds a holder whose release is still to come, which then reaches us; a release after the
//   confirmation reaches us as a message. Nothing can be missed between the failed attempt and
//   the sleep (as before, only a message lost by Pub/Sub itself, e.g. on a reconnect, is left
//   to the safety net below). The channel stays wanted while the process has waiters on the
//   key (later heads find it subscribed and go straight to attempt-or-sleep) and is dropped
//   when the last one leaves: a long run accumulates no channels.
// - Local waiters queue in FIFO order per key; only the head contends with Redis. An attempt is
//   one command per master: the first try on a key not (yet) known contended is a plain SET NX
//   PX; every later one is a script, SET NX PX or else the holder's PTTL (for the sleep below).
// - Release is one script per master: delete the key if the token matches, then PUBLISH the
//   token. A release message wakes the local head only (copies of the same release from several
//   masters, or its local copy, are de-duplicated by token), so each release makes at most one
//   waiter per process contend.
// - Pub/Sub is at-most-once, so the head never sleeps unboundedly: it also retries when the
//   holder's key would expire (the PTTL its failed attempt returned, with a floor) and at once
//   after a subscriber reconnect. The other waiters sleep until they become the head.
// - Local hand-off (lock cohorting): a holder releasing while waiters of its own process queue
//   on the key passes its Redis hold to the local head instead (no Redis command, no wake-up
//   elsewhere, validity as fresh as the watchdog keeps it), within a bound: at most 20 ms past
//   the Redis acquisition and 32 holders in a row, then a real release lets every process's
//   head contend. Mutual exclusion is unchanged (one hold, one owner at a time); only the order
//   among processes is batched, which removes most of the Redis traffic of a hot key.
// - Fair turns: after a real release that other processes heard (the script returns how many
//   subscribers got the message), the releasing process's own head waits 2 ms before it
//   contends. Without that, the releaser is on-CPU and wins every race against heads that must
//   first be scheduled, and the other instances starve.
// Mode::kPolling is the seed's "before", kept for the comparison: every waiter retries SET NX PX
// every retry_interval (jittered), no queue, no Pub/Sub.
//
// Redlock: an attempt succeeds when a quorum (N/2+1) of masters accepted it and the validity
// (TTL − elapsed − clock drift) is positive; otherwise the attempt is undone on every master
// that did not clearly refuse it (a timed-out SET may still have landed).
//
// Lease and watchdog: while held, the lease is renewed every TTL/3 by a compare-and-PEXPIRE
// script. If a renewal fails, or comes too late (the process was paused past the validity, a
// GC-like stall), the lease is marked lost: Lost() turns true, WaitLost() resumes, the OnLost
// handler runs (the holder's work should abort) and the lost metric counts it.
//
// Fencing is the storage's job, not the lock's. A lock alone cannot make a paused holder safe:
// after its lease expired it may wake up and write. The usual cure is a fencing token that grows
// with every grant, but Redis cannot give one that stays monotonic here: the lock Redis keeps no
// data across a restart (an INCR counter starts again from 0), and with several masters the
// counters of two different quorums are maxima over different sets of masters, which do not
// order. So the storage fences: the holder reads the coupon row's version when it starts and
// writes with a compare-and-set on that version in the same transaction; a holder paused past
// its lease finds the version moved on and its write is refused. The lock is an efficiency
// device (it keeps contenders off the database); the row version is the correctness device.
//
// Contract
// - Errors are returned, never thrown: LockErrc (kTimeout → 503 S001, kUnavailable → S002,
//   kTooManyWaiters → S001 at once, kCancelled → Stop() was called).
// - Acquire and Release suspend; everything else returns at once.
// - Threads: one executor, one thread (the service's io_context); no locking inside.
// - Ownership: the LockManager owns its Redis connections; leases and pending calls keep the
//   internal state alive, so a lease may outlive the manager (its Release then does nothing
//   useful: the connections are stopped and the key expires by its TTL).
// clang-format off
#include <utility>  // before Asio: Asio 1.18 uses std::exchange without including it
// clang-format on
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "lock/lock_clock.hpp"
#include "lock/lock_redis.hpp"
#include "redis/client.hpp"

namespace hhplus::lock {

namespace detail {
class Core;
struct LeaseState;
}  // namespace detail

enum class Mode { kPubSub, kPolling };
std::string_view ModeName(Mode mode);                  // "pubsub", "polling"
std::optional<Mode> ParseMode(std::string_view text);  // inverse of ModeName

enum class LockErrc { kTimeout, kUnavailable, kTooManyWaiters, kCancelled };
// The `result` label of hhplus_lock_acquire_total: "timeout", "unavailable", "too_many_waiters",
// "cancelled" (and "acquired" for a success, see kAcquiredResult).
std::string_view LockErrcName(LockErrc code);
inline constexpr std::string_view kAcquiredResult = "acquired";

// Holder work is one DB transaction (~5–50 ms); 3 s is ≥ 60× that, renewal every 1 s (TTL/3)
// leaves two missed renewals of slack, and a crashed holder blocks its key for ≤ 3 s.
inline constexpr std::chrono::milliseconds kDefaultTtl{3000};
// Polling mode's retry period (LOCK_RETRY_MS, the seed's value): 20 attempts/s per waiter.
inline constexpr std::chrono::milliseconds kDefaultRetryInterval{50};
// Redlock's clock drift allowance: 1 % of the TTL + 2 ms of timer granularity = 30 + 2 ms.
inline constexpr std::chrono::milliseconds kDefaultClockDrift{32};
// The service's wait budget per request (→ 503 S001 beyond it): a client's patience, not a lock
// property; callers pass it to Acquire. 2 s ≈ 40 % of a 5 s client timeout.
inline constexpr std::chrono::milliseconds kDefaultWaitBudget{2000};
// Local waiters per key: within the 2 s budget one key serves ~2000 ms / ~3 ms per hold and
// hand-off ≈ 660 holders cluster-wide, ≈ 66 per process with 10 instances. A waiter queued behind
// 64 others would time out anyway, so it is refused at once (503) instead of queueing.
inline constexpr std::size_t kDefaultMaxWaitersPerKey = 64;
// Floor of the head's safety-net retry: a holder key about to expire (PTTL of 0–1 ms) must not
// turn the head into a busy loop; 10 ms bounds it to ≤ 100 attempts/s per process and key.
inline constexpr std::chrono::milliseconds kDefaultRetryFloor{10};

struct LockOptions {
    Mode mode = Mode::kPubSub;
    std::chrono::milliseconds ttl = kDefaultTtl;
    std::chrono::milliseconds retry_interval = kDefaultRetryInterval;  // polling mode only
    std::chrono::milliseconds clock_drift_allowance = kDefaultClockDrift;
    std::size_t max_waiters_per_key = kDefaultMaxWaitersPerKey;
    std::chrono::milliseconds retry_floor = kDefaultRetryFloor;  // pub/sub head's safety net
    std::string key_prefix = "lock:";  // key "<prefix><key>", channel "<prefix>released:<key>"
    // For the Client and the Subscriber of every master (role, timeouts, commands-sent hook).
    // An empty role becomes "lock".
    redis::ClientOptions client;
};

// Hooks for the service's Prometheus metrics (each may be empty). Called on the loop.
struct LockMetrics {
    // hhplus_lock_acquire_total{strategy,result} and hhplus_lock_wait_seconds: once per Acquire.
    std::function<void(std::string_view result, double wait_seconds)> on_acquire;
    // hhplus_lock_wakeups_total: a release message woke (or re-armed) this process's head waiter.
    std::function<void()> on_wakeup;
    // hhplus_lock_lost_total: a held lease was lost (failed or late renewal).
    std::function<void()> on_lost;
};

// A held lock. Owned through shared_ptr by the holder; destroying it without Release releases it
// in the background (best effort). All calls on the loop's thread.
class Lease {
  public:
    Lease(std::shared_ptr<detail::Core> core, std::shared_ptr<detail::LeaseState> state,
          std::uint64_t generation);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    const std::string& key() const;    // as passed to Acquire (without the prefix)
    const std::string& token() const;  // 128 random bits, hex
    // True once the watchdog declared the lease lost, and also as soon as the local validity
    // has passed (a paused process sees this before its watchdog got to run again). A holder
    // checks it before committing, but only the storage's version check is a guarantee.
    bool Lost() const;
    bool Released() const;
    // Until when the lease is trusted (the lock's clock: steady_clock in production); moves on
    // with each renewal.
    std::chrono::steady_clock::time_point ValidUntil() const;
    // Runs `handler` once on the loop when the lease is lost (at once if it already is). Not
    // called after Release. Replaces a previous handler.
    void OnLost(std::function<void()> handler);
    // Suspends until the lease is lost or released.
    boost::asio::awaitable<void> WaitLost();
    // Deletes the key on every master if it is still ours and announces the release, or hands
    // the hold to the next local waiter (see "Local hand-off" above). Idempotent; never fails
    // (an unreachable master's key expires by its TTL). Suspends.
    boost::asio::awaitable<void> Release();

  private:
    bool Owns() const;  // this Lease still owns the hold (not released, not handed on)

    std::shared_ptr<detail::Core> core_;
    std::shared_ptr<detail::LeaseState> state_;
    std::uint64_t generation_;
};

class LockManager {
  public:
    // `masters`: 1 or an odd number of independent Redis masters (no replicas: a failover could
    // hand a lock to two holders). Throws std::invalid_argument otherwise (a configuration bug).
    LockManager(boost::asio::any_io_executor ex, const std::vector<redis::Endpoint>& masters,
                LockOptions options, LockMetrics metrics = {});
    // The same over masters and a clock given by the caller: the seam the unit tests use (fake
    // masters, a manual clock; lock_clock.hpp, lock_redis.hpp). Each master needs a subscriber
    // in pub/sub mode; `options.client` is not used (the masters are already made).
    LockManager(boost::asio::any_io_executor ex, std::vector<LockMaster> masters,
                LockOptions options, LockMetrics metrics, std::shared_ptr<LockClock> clock);
    ~LockManager();  // Stop()s
    LockManager(const LockManager&) = delete;
    LockManager& operator=(const LockManager&) = delete;

    // Connects to every master in the background. Returns at once.
    void Start();
    // Pending Acquires return kCancelled, watchdogs stop (held keys expire by their TTL), and the
    // connections close. Idempotent.
    void Stop();

    // Waits at most `wait_budget` for the lock on `key`. Fails at once with kUnavailable when a
    // quorum of masters is not connected, with kTooManyWaiters when max_waiters_per_key local
    // waiters are already queued on the key. Suspends.
    boost::asio::awaitable<Result<std::shared_ptr<Lease>, LockErrc>> Acquire(
        std::string key, std::chrono::milliseconds wait_budget);

    // Readiness: a quorum of masters is connected.
    bool QuorumAvailable() const;
    const LockOptions& options() const;

  private:
    std::shared_ptr<detail::Core> core_;
};

}  // namespace hhplus::lock
