#pragma once
// Internal: the state shared by LockManager, its leases and its coroutines. Every coroutine takes
// a shared_ptr<Core> by value, so the connections outlive whatever still waits on them. Not part
// of the public API; one loop thread, no locking.
// clang-format off
#include <utility>  // before Asio
// clang-format on
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "lock/key_waiters.hpp"
#include "lock/lock_clock.hpp"
#include "lock/lock_manager.hpp"
#include "lock/lock_redis.hpp"
#include "lock/lock_scripts.hpp"
#include "redis/client.hpp"
#include "redis/script.hpp"

namespace hhplus::lock::detail {

// While a quorum of masters does not answer, a waiter retries this often: a Redis restart takes
// ~50 ms–2 s of client reconnect backoff, and 100 ms keeps the retries to ≤ 10/s per waiter
// (polling) or per key and process (pub/sub) while the reconnect handler covers the rest.
inline constexpr std::chrono::milliseconds kUnavailableRetryDelay{100};

// Local hand-off (lock cohorting): a releasing holder whose process has waiters on the key passes
// the Redis hold to its local head instead of deleting the key and making every process's head
// contend. Bounded so other processes are not starved: at most 20 ms past the Redis acquisition
// (remote waiters wait ≤ 20 ms + one hold longer per batch: 1 % of a 2 s budget)…
inline constexpr std::chrono::milliseconds kLocalHandOffWindow{20};
// …and at most 32 holders per batch (a whole local queue of zero-length holds at most).
inline constexpr int kMaxLocalHandOffs = 32;
// After a real release heard by other processes, this process's own head waits this long before
// it contends: the releasing process is on-CPU and would otherwise win every race against heads
// that first have to be scheduled, starving the other instances (seen: 9 of 10 processes timing
// out). 2 ms ≫ a loopback wake-up + EVALSHA (~0.1–0.5 ms), and ≤ 10 % of a 20 ms batch.
inline constexpr std::chrono::milliseconds kReleaseYield{2};
// The same head start is given on the next releases by other processes, as many as half the
// processes that heard our own release: processes that had a turn recently let those that did
// not go first, which evens out the turns between instances that would otherwise follow the CPU
// scheduler's favourites (seen: 1262 vs 80 acquisitions in 5 s between two of 10 processes).
// Counted in turns, not time, so short turns do not make everyone yield. Only a head start:
// unopposed, the head still gets the lock 2 ms later.

// One waiting Acquire. The alarm is its bed: set to the wake-up time, cancelled to wake it early.
struct Waiter {
    Waiter(boost::asio::any_io_executor ex, std::shared_ptr<LockClock> clock, WaiterId waiter_id)
        : id(waiter_id), alarm(std::move(ex), std::move(clock)) {}
    WaiterId id;
    Alarm alarm;
    bool sleeping = false;
    bool woken = false;  // a wake-up arrived (possibly while not sleeping): contend at once
    std::shared_ptr<LeaseState> granted;  // a local holder handed its hold over to this waiter
};

// Everything one process knows about one key while it has waiters on it.
struct KeyState {
    KeyState(std::size_t max_waiters, std::size_t masters)
        : queue(max_waiters), subscribed(masters, false) {}
    KeyWaiters queue;                                               // pub/sub FIFO
    std::unordered_map<WaiterId, std::shared_ptr<Waiter>> waiters;  // all modes
    // A head's attempt failed since this state was made: the key is contended, so its release
    // channel is wanted (try first: an uncontended acquisition never subscribes) until the last
    // local waiter leaves and the state is dropped.
    bool contended = false;
    // Per master: the release channel is subscribed (confirmed, or wanted by the Subscriber and
    // so re-subscribed on reconnect). A master whose Subscriber was down when the key became
    // contended is subscribed later, after the head's next failed attempt, or on its reconnect.
    std::vector<bool> subscribed;
    bool subscribing = false;
    std::weak_ptr<LeaseState> local_holder;  // a lease of this process, if it holds the key
    SteadyTime yield_until{};                // see kReleaseYield
    long long turns_to_yield = 0;            // see kReleaseYield
    std::string own_release;                 // token of our own last real release
};

struct LeaseState {
    LeaseState(boost::asio::any_io_executor ex, std::shared_ptr<LockClock> clock,
               std::string lease_key, std::string lease_token)
        : key(std::move(lease_key)),
          token(std::move(lease_token)),
          watchdog(ex, std::move(clock)),
          lost_timer(std::move(ex)) {}
    // One Redis hold (one token). Local hand-offs pass it from Lease to Lease: `generation`
    // names the Lease that currently owns it.
    std::string key;
    std::string token;
    SteadyTime acquired_at{};
    SteadyTime valid_until{};
    std::uint64_t generation = 0;
    int hand_offs = 0;
    bool released = false;  // the hold ended (deleted, or abandoned after a loss)
    bool lost = false;
    Alarm watchdog;  // the renewal period; cancelled by Release/Stop
    // A signal, not a time: never expires, cancelled at loss/release/hand-off (so no clock).
    boost::asio::steady_timer lost_timer;
    std::function<void()> on_lost;  // the current owner's
};

// What one master said to one attempt.
enum class Vote { kGranted, kRefused, kNoAnswer };

struct AttemptOutcome {
    bool acquired = false;
    std::size_t answered = 0;                              // masters that gave a definite answer
    std::optional<std::chrono::milliseconds> holder_pttl;  // minimum over the refusing masters
    SteadyTime valid_until{};
};

class Core : public std::enable_shared_from_this<Core> {
  public:
    // Throws std::invalid_argument on an even or zero number of masters, a subscriber missing
    // in pub/sub mode, or a TTL not above the drift allowance (configuration bugs).
    Core(boost::asio::any_io_executor ex, std::vector<LockMaster> masters, LockOptions options,
         LockMetrics metrics, std::shared_ptr<LockClock> clock);

    void Start();
    void Stop();
    bool QuorumAvailable() const;

    std::string LockKey(const std::string& key) const { return options_.key_prefix + key; }
    std::string Channel(const std::string& key) const { return channel_prefix_ + key; }

    // Pub/sub events (from the Subscribers).
    void OnMessage(const std::string& channel, const std::string& token);
    void OnReconnect(std::size_t master);
    // A lease of this process ended (released or lost): its key's local head may contend.
    void OnLocalRelease(const std::string& key, const std::string& token);

    // Wakes a waiter: cancels its sleep, or marks it to contend again at once.
    static void Wake(Waiter& waiter);
    // Ends a waiter's membership of its key; drops the key's subscription with the last one.
    void Leave(const std::string& key, const std::shared_ptr<KeyState>& state, WaiterId id);
    void MarkLost(const std::shared_ptr<LeaseState>& lease, std::string_view why);
    // Passes a hold being released to the key's local head, if the bounds allow. true = passed
    // (the caller's Lease is then released; the hold lives on).
    bool TryHandOff(const std::shared_ptr<LeaseState>& lease);
    double NextUnitRandom() { return unit_dist_(rng_); }
    void ReportAcquire(std::string_view result, SteadyTime started) const;

    boost::asio::any_io_executor ex_;
    LockOptions options_;
    LockMetrics metrics_;
    std::shared_ptr<LockClock> clock_;  // every time read and timed wait of the lock
    std::vector<LockMaster> masters_;   // subscribers only in pub/sub mode
    redis::Script acquire_script_{kAcquireLua};
    redis::Script release_script_;  // with PUBLISH in pub/sub mode
    redis::Script renew_script_{kRenewLua};
    std::string channel_prefix_;
    std::unordered_map<std::string, std::shared_ptr<KeyState>> keys_;
    std::unordered_map<LeaseState*, std::weak_ptr<LeaseState>> leases_;  // for Stop
    WaiterId next_waiter_id_ = 0;
    bool started_ = false;
    bool stopped_ = false;
    std::mt19937_64 rng_;
    std::uniform_real_distribution<double> unit_dist_{0.0, 1.0};
};

// Coroutines (free functions: by-value parameters, the Core kept alive by its shared_ptr).

// One script on one master (redis::Script: EVALSHA, EVAL only after NOSCRIPT). Every lock
// script takes exactly one key, the lock key: keys_and_args[0]; the rest are ARGV.
boost::asio::awaitable<redis::RedisResult<redis::Reply>> RunScript(
    std::shared_ptr<Core> core, std::size_t master, const redis::Script* script,
    std::vector<std::string> keys_and_args);
// The same on every master at once; element i is master i's reply (nullopt: no reply at all).
boost::asio::awaitable<std::vector<std::optional<redis::RedisResult<redis::Reply>>>>
RunScriptEverywhere(std::shared_ptr<Core> core, const redis::Script* script,
                    std::vector<std::string> keys_and_args);
// One Redlock attempt with `token`; undoes a partial success itself. `with_pttl`: the acquire
// script, whose refusal also tells the holder's PTTL (the head's safety-net timer needs it);
// otherwise a plain SET NX PX, one command fewer, refused without a PTTL (polling, and a pub/sub
// key's first try, which is followed by a scripted retry if it fails).
boost::asio::awaitable<AttemptOutcome> TryAcquire(std::shared_ptr<Core> core, std::string key,
                                                  std::string token, bool with_pttl);
// Deletes the key on every master if still ours (and announces it in pub/sub mode).
boost::asio::awaitable<void> DeleteEverywhere(std::shared_ptr<Core> core,
                                              std::shared_ptr<LeaseState> lease);
// Lease::Release: hands the hold on locally, or ends it and deletes the key everywhere.
boost::asio::awaitable<void> ReleaseHold(std::shared_ptr<Core> core,
                                         std::shared_ptr<LeaseState> lease,
                                         std::uint64_t generation);
boost::asio::awaitable<void> RunWatchdog(std::shared_ptr<Core> core,
                                         std::shared_ptr<LeaseState> lease);
boost::asio::awaitable<Result<std::shared_ptr<Lease>, LockErrc>> AcquirePubSub(
    std::shared_ptr<Core> core, std::string key, std::chrono::milliseconds wait_budget);
boost::asio::awaitable<Result<std::shared_ptr<Lease>, LockErrc>> AcquirePolling(
    std::shared_ptr<Core> core, std::string key, std::chrono::milliseconds wait_budget);

// Spawns a coroutine detached; an exception escaping it is a bug and is rethrown out of run().
void Spawn(const boost::asio::any_io_executor& ex, boost::asio::awaitable<void> work);

}  // namespace hhplus::lock::detail
