#include "lock/lock_core.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <stdexcept>
#include <utility>

#include "common/log.hpp"
#include "lock/redlock_rules.hpp"

namespace hhplus::lock::detail {
namespace asio = boost::asio;
using redis::RedisResult;
using redis::Reply;
using MaybeReply = std::optional<RedisResult<Reply>>;

void Spawn(const asio::any_io_executor& ex, asio::awaitable<void> work) {
    asio::co_spawn(ex, std::move(work), [](const std::exception_ptr& e) {
        if (e) std::rethrow_exception(e);  // a bug: let io_context::run report it
    });
}

namespace {

// Fan-out/fan-in: run one awaitable per master at once and wait for all of them (each is bounded
// by the client's command timeout, so the whole is bounded by the slowest master). Written here
// because Boost 1.74's Asio has neither awaitable operators (Boost 1.77) nor parallel groups
// (make_parallel_group, Boost 1.80); on Boost 1.81 (also a Debian 12 package) this becomes a
// ranged parallel group waiting for all.
template <class T>
struct Gather {
    Gather(const asio::any_io_executor& ex, std::size_t n) : results(n), remaining(n), done(ex) {}
    std::vector<std::optional<T>> results;
    std::size_t remaining;
    asio::steady_timer done;  // never expires; cancelled when the last one finished
};

template <class T>
asio::awaitable<void> GatherOne(std::shared_ptr<Gather<T>> gather, std::size_t index,
                                asio::awaitable<T> op) {
    std::exception_ptr failure;
    try {
        gather->results[index].emplace(co_await std::move(op));
    } catch (...) {
        failure = std::current_exception();
    }
    if (--gather->remaining == 0) gather->done.cancel();
    if (failure) std::rethrow_exception(failure);
}

template <class T>
asio::awaitable<std::vector<std::optional<T>>> GatherAll(asio::any_io_executor ex,
                                                         std::vector<asio::awaitable<T>> ops) {
    if (ops.size() == 1) {  // one master: no spawn, no timer
        std::vector<std::optional<T>> single(1);
        single[0].emplace(co_await std::move(ops[0]));
        co_return single;
    }
    auto gather = std::make_shared<Gather<T>>(ex, ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
        Spawn(ex, GatherOne<T>(gather, i, std::move(ops[i])));
    }
    while (gather->remaining > 0) {
        gather->done.expires_at(SteadyTime::max());
        boost::system::error_code ec;
        co_await gather->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return std::move(gather->results);
}

asio::awaitable<void> Sleep(std::shared_ptr<Waiter> waiter, SteadyTime until) {
    waiter->sleeping = true;
    waiter->alarm.ExpiresAt(until);
    co_await waiter->alarm.Wait();  // until `until`, or woken early (Core::Wake)
    waiter->sleeping = false;
}

// What a master's reply to an attempt means. The acquire script answers "OK" or the holder's
// PTTL; polling's plain SET NX answers "OK" or nil.
Vote ClassifyAttempt(const MaybeReply& reply, std::optional<Millis>& pttl) {
    if (!reply || !reply->ok()) return Vote::kNoAnswer;
    const Reply& r = reply->value();
    if (r.type == Reply::Type::kStatus && r.str == "OK") return Vote::kGranted;
    if (r.type == Reply::Type::kInteger) {
        if (r.integer >= 0) {
            const Millis holder(r.integer);
            if (!pttl || holder < *pttl) pttl = holder;
        }
        return Vote::kRefused;
    }
    if (r.IsNil()) return Vote::kRefused;
    return Vote::kNoAnswer;  // an error reply (LOADING, OOM…): as good as no answer
}

// The release scripts' answer: 0 not ours; ≥ 1 deleted (pub/sub: 1 + processes that heard it).
long long ReleaseAnswer(const MaybeReply& reply) {
    if (!reply || !reply->ok() || reply->value().type != Reply::Type::kInteger) return 0;
    return reply->value().integer;
}

bool IsOne(const MaybeReply& reply) {
    return reply && reply->ok() && reply->value().type == Reply::Type::kInteger &&
           reply->value().integer == 1;
}

asio::awaitable<std::vector<MaybeReply>> CommandEverywhere(std::shared_ptr<Core> core,
                                                           std::vector<std::string> args) {
    std::vector<asio::awaitable<RedisResult<Reply>>> ops;
    for (auto& master : core->masters_) ops.push_back(master.client->Command(args));
    co_return co_await GatherAll(core->ex_, std::move(ops));
}

bool MissingSubscription(const Core& core, const KeyState& state) {
    for (std::size_t i = 0; i < core.masters_.size(); ++i) {
        const auto& subscriber = core.masters_[i].subscriber;
        if (subscriber && !state.subscribed[i] && subscriber->Connected()) return true;
    }
    return false;
}

// Subscribes the key's release channel on every connected master where it is not yet, and
// waits for the confirmations. A disconnected master is left for later (the head checks again
// after each failed attempt) or for its reconnect.
asio::awaitable<void> SubscribeMissing(std::shared_ptr<Core> core, std::string key,
                                       std::shared_ptr<KeyState> state) {
    if (state->subscribing) co_return;  // another waiter of this key is at it
    state->subscribing = true;
    const std::string channel = core->Channel(key);
    std::vector<std::size_t> masters;
    std::vector<asio::awaitable<RedisResult<Ok>>> ops;
    for (std::size_t i = 0; i < core->masters_.size(); ++i) {
        LockSubscriber* subscriber = core->masters_[i].subscriber.get();
        if (!subscriber || state->subscribed[i] || !subscriber->Connected()) continue;
        masters.push_back(i);
        ops.push_back(subscriber->Subscribe(channel));
    }
    if (!ops.empty()) {
        const auto results = co_await GatherAll(core->ex_, std::move(ops));
        for (std::size_t j = 0; j < results.size(); ++j) {
            const auto& r = results[j];
            // kTimeout leaves the channel wanted: the server subscribes it when it gets to it.
            if (r && (r->ok() || r->error().code == redis::Errc::kTimeout)) {
                state->subscribed[masters[j]] = true;
            } else if (r && r->error().code != redis::Errc::kCancelled) {
                log::Warn("lock subscribe failed channel=" + channel +
                          " master=" + core->masters_[masters[j]].name +
                          " error=" + std::string(redis::ErrcName(r->error().code)));
            }
        }
    }
    state->subscribing = false;
}

// → the best release answer over the masters: 0 deleted nowhere, ≥ 1 deleted (and, in pub/sub
// mode, announced to answer − 1 subscribed processes).
asio::awaitable<long long> DeleteKeyEverywhere(std::shared_ptr<Core> core, std::string key,
                                               std::string token) {
    std::vector<std::string> keys_and_args{core->LockKey(key), std::move(token)};
    if (core->options_.mode == Mode::kPubSub) keys_and_args.push_back(core->Channel(key));
    const auto replies =
        co_await RunScriptEverywhere(core, &core->release_script_, std::move(keys_and_args));
    long long best = 0;
    for (const auto& reply : replies) best = std::max(best, ReleaseAnswer(reply));
    co_return best;
}

asio::awaitable<void> UndoAttempt(std::shared_ptr<Core> core, std::string key, std::string token) {
    co_await DeleteKeyEverywhere(std::move(core), std::move(key), std::move(token));
}

// After a subscriber reconnect: make sure every contended key with local waiters is subscribed
// on that master again (the Subscriber re-subscribes what it had; a Subscribe that failed while
// it was down was never added), then let every head contend at once: a release may have been
// missed.
asio::awaitable<void> ResubscribeAndWake(std::shared_ptr<Core> core, std::size_t master) {
    std::vector<std::string> keys;
    for (const auto& [key, state] : core->keys_) {
        // A key whose head has not failed an attempt yet wants no channel (try first).
        if (state->contended) keys.push_back(key);
    }
    for (const auto& key : keys) {
        if (core->stopped_) co_return;
        const auto it = core->keys_.find(key);
        if (it == core->keys_.end()) continue;  // its waiters left meanwhile
        const std::shared_ptr<KeyState> state = it->second;
        const auto subscribed =
            co_await core->masters_[master].subscriber->Subscribe(core->Channel(key));
        // A failure here means another disconnect: the head re-subscribes before its next try.
        state->subscribed[master] = subscribed.ok();
    }
    for (const auto& [key, state] : core->keys_) {
        if (const auto head = state->queue.Head()) {
            const auto it = state->waiters.find(*head);
            if (it != state->waiters.end()) Core::Wake(*it->second);
        }
    }
}

// Turns a successful attempt into a held lease with its watchdog.
std::shared_ptr<Lease> MakeLease(const std::shared_ptr<Core>& core,
                                 const std::shared_ptr<KeyState>& state, const std::string& key,
                                 std::string token, const AttemptOutcome& attempt) {
    auto lease = std::make_shared<LeaseState>(core->ex_, core->clock_, key, std::move(token));
    lease->acquired_at = core->clock_->Now();
    lease->valid_until = attempt.valid_until;
    lease->lost_timer.expires_at(SteadyTime::max());
    state->local_holder = lease;
    core->leases_[lease.get()] = lease;
    Spawn(core->ex_, RunWatchdog(core, lease));
    const auto generation = lease->generation;
    return std::make_shared<Lease>(core, std::move(lease), generation);
}

Millis Remaining(SteadyTime deadline, SteadyTime now) {
    return std::max(Millis::zero(), std::chrono::ceil<Millis>(deadline - now));
}

}  // namespace

// ---- Core ----------------------------------------------------------------------------------

Core::Core(asio::any_io_executor ex, std::vector<LockMaster> masters, LockOptions options,
           LockMetrics metrics, std::shared_ptr<LockClock> clock)
    : ex_(std::move(ex)),
      options_(std::move(options)),
      metrics_(std::move(metrics)),
      clock_(std::move(clock)),
      masters_(std::move(masters)),
      release_script_(options_.mode == Mode::kPubSub ? kReleasePublishLua : kReleaseLua),
      rng_(std::random_device{}()) {
    if (masters_.empty() || masters_.size() % 2 == 0) {
        // An even count adds a master without adding a tolerated failure (4 needs 3, like 5).
        throw std::invalid_argument("lock: need 1 or an odd number of Redis masters");
    }
    if (options_.ttl <= options_.clock_drift_allowance || options_.ttl < Millis(3)) {
        throw std::invalid_argument("lock: TTL must exceed the clock drift allowance");
    }
    for (auto& master : masters_) {
        if (!master.client || (options_.mode == Mode::kPubSub && !master.subscriber)) {
            throw std::invalid_argument("lock: a master without its connections");
        }
        if (options_.mode != Mode::kPubSub) master.subscriber.reset();  // polling: no pub/sub
    }
    if (!clock_) throw std::invalid_argument("lock: no clock");
    if (options_.client.role.empty()) options_.client.role = "lock";
    channel_prefix_ = options_.key_prefix + "released:";
}

void Core::Start() {
    if (started_ || stopped_) return;
    started_ = true;
    for (auto& master : masters_) master.client->Start();
    const std::weak_ptr<Core> weak = weak_from_this();
    for (std::size_t i = 0; i < masters_.size(); ++i) {
        LockSubscriber* subscriber = masters_[i].subscriber.get();
        if (!subscriber) continue;
        subscriber->SetMessageHandler(
            [weak](const std::string& channel, const std::string& payload) {
                if (const auto core = weak.lock()) core->OnMessage(channel, payload);
            });
        subscriber->SetReconnectHandler([weak, i] {
            if (const auto core = weak.lock()) core->OnReconnect(i);
        });
        subscriber->Start();
    }
}

void Core::Stop() {
    if (stopped_) return;
    stopped_ = true;
    for (const auto& [key, state] : keys_) {
        for (const auto& [id, waiter] : state->waiters) Wake(*waiter);
    }
    for (const auto& [ptr, weak] : leases_) {
        if (const auto lease = weak.lock()) lease->watchdog.Cancel();
    }
    for (auto& master : masters_) {
        master.client->Stop();
        if (master.subscriber) master.subscriber->Stop();
    }
}

bool Core::QuorumAvailable() const {
    const auto connected = static_cast<std::size_t>(
        std::count_if(masters_.begin(), masters_.end(),
                      [](const LockMaster& m) { return m.client->Connected(); }));
    return connected >= Quorum(masters_.size());
}

void Core::OnMessage(const std::string& channel, const std::string& token) {
    if (channel.compare(0, channel_prefix_.size(), channel_prefix_) != 0) return;
    OnLocalRelease(channel.substr(channel_prefix_.size()), token);
}

void Core::OnLocalRelease(const std::string& key, const std::string& token) {
    const auto it = keys_.find(key);
    if (it == keys_.end()) return;
    const auto head = it->second->queue.OnRelease(token);
    if (!head) return;
    const auto waiter = it->second->waiters.find(*head);
    if (waiter == it->second->waiters.end()) return;
    KeyState& state = *it->second;
    if (state.turns_to_yield > 0 && token != state.own_release) {
        --state.turns_to_yield;  // another process's turn ended: give the rest a head start
        state.yield_until = std::max(state.yield_until, clock_->Now() + kReleaseYield);
    }
    Wake(*waiter->second);
    if (metrics_.on_wakeup) metrics_.on_wakeup();
}

void Core::OnReconnect(std::size_t master) {
    log::Info("lock subscriber reconnected master=" + masters_[master].name);
    if (!stopped_) Spawn(ex_, ResubscribeAndWake(shared_from_this(), master));
}

void Core::Wake(Waiter& waiter) {
    waiter.woken = true;
    if (waiter.sleeping) waiter.alarm.Cancel();
}

void Core::Leave(const std::string& key, const std::shared_ptr<KeyState>& state, WaiterId id) {
    state->waiters.erase(id);
    if (const auto next = state->queue.Remove(id)) {
        const auto it = state->waiters.find(*next);
        if (it != state->waiters.end()) Wake(*it->second);
    }
    if (!state->waiters.empty()) return;
    // Dropped at once, not kept for a while in case the key gets contended again: measured with
    // lock_bench (10 processes × 1 waiter, 1 ms holds, 15 ms pauses: the paced contention of
    // the service), SUBSCRIBE + UNSUBSCRIBE were 0.27 of 5.76 server commands per acquisition,
    // so a lingering channel could save at most that, while every release would then be sent
    // to (and counted as heard by) idle processes, making the releaser yield its next turn
    // (kReleaseYield) to nobody.
    for (auto& master : masters_) {
        if (master.subscriber) master.subscriber->Unsubscribe(Channel(key));
    }
    const auto it = keys_.find(key);
    if (it != keys_.end() && it->second == state) keys_.erase(it);
}

void Core::MarkLost(const std::shared_ptr<LeaseState>& lease, std::string_view why) {
    if (lease->lost || lease->released) return;
    lease->lost = true;
    log::Warn("lock lease lost key=" + lease->key + " reason=" + std::string(why));
    if (metrics_.on_lost) metrics_.on_lost();
    lease->watchdog.Cancel();
    lease->lost_timer.cancel();
    leases_.erase(lease.get());
    // Best effort: if the key is still ours somewhere, free it now instead of at its TTL (the
    // script only deletes our own token), and let the local head contend.
    if (!stopped_) {
        Spawn(ex_, DeleteEverywhere(shared_from_this(), lease));
    }
    auto handler = std::move(lease->on_lost);
    lease->on_lost = nullptr;
    if (handler) handler();
}

bool Core::TryHandOff(const std::shared_ptr<LeaseState>& lease) {
    if (options_.mode != Mode::kPubSub || stopped_ || lease->lost) return false;
    const auto now = clock_->Now();
    if (!HandOffAllowed(
            lease->hand_offs, kMaxLocalHandOffs,
            std::chrono::duration_cast<Millis>(now - lease->acquired_at), kLocalHandOffWindow,
            std::chrono::duration_cast<Millis>(lease->valid_until - now), options_.ttl)) {
        return false;  // batch over (or the hold is ageing): release to everyone
    }
    const auto it = keys_.find(lease->key);
    if (it == keys_.end()) return false;
    const auto head = it->second->queue.Head();
    if (!head) return false;
    const auto waiter = it->second->waiters.find(*head);
    if (waiter == it->second->waiters.end() || waiter->second->granted) return false;
    ++lease->generation;
    ++lease->hand_offs;
    lease->on_lost = nullptr;
    lease->lost_timer.expires_at(SteadyTime::max());  // the previous owner's WaitLost returns
    waiter->second->granted = lease;
    Wake(*waiter->second);
    return true;
}

void Core::ReportAcquire(std::string_view result, SteadyTime started) const {
    if (!metrics_.on_acquire) return;
    const std::chrono::duration<double> waited = clock_->Now() - started;
    metrics_.on_acquire(result, waited.count());
}

// ---- coroutines ----------------------------------------------------------------------------

asio::awaitable<RedisResult<Reply>> RunScript(std::shared_ptr<Core> core, std::size_t master,
                                              const redis::Script* script,
                                              std::vector<std::string> keys_and_args) {
    std::vector<std::string> keys{std::move(keys_and_args.front())};
    keys_and_args.erase(keys_and_args.begin());
    co_return co_await core->masters_[master].client->RunScript(*script, std::move(keys),
                                                                std::move(keys_and_args));
}

asio::awaitable<std::vector<MaybeReply>> RunScriptEverywhere(
    std::shared_ptr<Core> core, const redis::Script* script,
    std::vector<std::string> keys_and_args) {
    std::vector<asio::awaitable<RedisResult<Reply>>> ops;
    for (std::size_t i = 0; i < core->masters_.size(); ++i) {
        ops.push_back(RunScript(core, i, script, keys_and_args));
    }
    co_return co_await GatherAll(core->ex_, std::move(ops));
}

asio::awaitable<AttemptOutcome> TryAcquire(std::shared_ptr<Core> core, std::string key,
                                           std::string token, bool with_pttl) {
    const auto start = core->clock_->Now();
    const std::string ttl_ms = std::to_string(core->options_.ttl.count());
    std::vector<MaybeReply> replies;
    if (with_pttl) {
        std::vector<std::string> keys_and_args{core->LockKey(key), token, ttl_ms};
        replies =
            co_await RunScriptEverywhere(core, &core->acquire_script_, std::move(keys_and_args));
    } else {
        std::vector<std::string> set_nx{"SET", core->LockKey(key), token, "NX", "PX", ttl_ms};
        replies = co_await CommandEverywhere(core, std::move(set_nx));
    }
    AttemptOutcome outcome;
    std::size_t granted = 0;
    bool uncertain = false;  // some master did not answer: our SET may have landed there
    for (const auto& reply : replies) {
        switch (ClassifyAttempt(reply, outcome.holder_pttl)) {
            case Vote::kGranted:
                ++granted;
                break;
            case Vote::kRefused:
                ++outcome.answered;
                break;
            case Vote::kNoAnswer:
                uncertain = true;
                break;
        }
    }
    outcome.answered += granted;
    const auto elapsed = std::chrono::duration_cast<Millis>(core->clock_->Now() - start);
    const Millis validity =
        Validity(core->options_.ttl, elapsed, core->options_.clock_drift_allowance);
    if (RedlockSucceeded(granted, core->masters_.size(), validity)) {
        outcome.acquired = true;
        // The first master started the key's TTL no earlier than `start`.
        outcome.valid_until = start + core->options_.ttl - core->options_.clock_drift_allowance;
        co_return outcome;
    }
    if (granted > 0 || uncertain) {
        // Failed quorum (or too slow): undo on every master, as Redlock prescribes, so the
        // partial grants do not block everyone until their TTL.
        Spawn(core->ex_, UndoAttempt(core, key, std::move(token)));
    }
    co_return outcome;
}

asio::awaitable<void> DeleteEverywhere(std::shared_ptr<Core> core,
                                       std::shared_ptr<LeaseState> lease) {
    // Set before the release is sent: our own copy of the announcement may arrive before the
    // reply. Our head then leaves the next race to the other processes for kReleaseYield.
    std::shared_ptr<KeyState> state;
    if (const auto it = core->keys_.find(lease->key); it != core->keys_.end()) state = it->second;
    if (state && core->options_.mode == Mode::kPubSub) {
        state->yield_until = core->clock_->Now() + kReleaseYield;
        state->own_release = lease->token;
    }
    const long long answer = co_await DeleteKeyEverywhere(core, lease->key, lease->token);
    // answer − 1 processes heard the release, ourselves among them only if our waiters made us
    // subscribe (try first: a key whose local head has not been refused yet is not subscribed).
    const long long heard_here = state && state->contended ? 1 : 0;
    const long long others =
        core->options_.mode == Mode::kPubSub ? std::max(0LL, answer - 1 - heard_here) : 0;
    if (others == 0) {
        // Nobody else waits (or nothing was announced: the key was no longer ours, or polling):
        // no reason to yield.
        if (state) {
            state->yield_until = SteadyTime{};
            state->turns_to_yield = 0;
        }
    } else if (state) {
        state->turns_to_yield = others / 2;
    }
    // Our own head is woken here, never left to our copy of the message: we may not be
    // subscribed at all. (The copy, if it comes, is the same token: de-duplicated.) With others
    // waiting it still sits out yield_until before it contends.
    core->OnLocalRelease(lease->key, lease->token);
}

asio::awaitable<void> ReleaseHold(std::shared_ptr<Core> core, std::shared_ptr<LeaseState> lease,
                                  std::uint64_t generation) {
    if (lease->released || lease->generation != generation) co_return;
    if (core->TryHandOff(lease)) co_return;
    lease->released = true;
    lease->on_lost = nullptr;
    lease->watchdog.Cancel();
    lease->lost_timer.cancel();
    core->leases_.erase(lease.get());
    if (lease->lost) co_return;  // MarkLost already freed what was still ours
    co_await DeleteEverywhere(core, lease);
}

asio::awaitable<void> RunWatchdog(std::shared_ptr<Core> core, std::shared_ptr<LeaseState> lease) {
    // Renew every TTL/3: two renewals can fail or be late before the key would expire.
    const auto period = core->options_.ttl / 3;
    const std::string ttl_ms = std::to_string(core->options_.ttl.count());
    auto next = core->clock_->Now() + period;
    while (true) {
        lease->watchdog.ExpiresAt(next);
        co_await lease->watchdog.Wait();  // until `next`, or cancelled by Release/Stop/loss
        if (lease->released || lease->lost || core->stopped_) co_return;
        const auto start = core->clock_->Now();
        if (start >= lease->valid_until) {
            // The loop did not run for longer than the validity (a paused or starved process):
            // another process may hold the key by now; renewing could resurrect a stale lease.
            core->MarkLost(lease, "renewal too late");
            co_return;
        }
        std::vector<std::string> keys_and_args{core->LockKey(lease->key), lease->token, ttl_ms};
        const auto replies =
            co_await RunScriptEverywhere(core, &core->renew_script_, std::move(keys_and_args));
        if (lease->released || lease->lost || core->stopped_) co_return;
        const auto renewed =
            static_cast<std::size_t>(std::count_if(replies.begin(), replies.end(), IsOne));
        const auto end = core->clock_->Now();
        const Millis validity =
            Validity(core->options_.ttl, std::chrono::duration_cast<Millis>(end - start),
                     core->options_.clock_drift_allowance);
        if (!RedlockSucceeded(renewed, core->masters_.size(), validity) ||
            end >= lease->valid_until) {
            core->MarkLost(lease,
                           renewed == 0 ? "renewal refused or failed" : "renewal short of quorum");
            co_return;
        }
        lease->valid_until = start + core->options_.ttl - core->options_.clock_drift_allowance;
        next = start + period;
    }
}

// What both modes check before waiting: a stopped manager or a lost quorum refuses at once
// (reported to the metrics like any other outcome).
std::optional<LockErrc> RefuseAtOnce(Core& core, SteadyTime started) {
    std::optional<LockErrc> refused;
    if (core.stopped_) {
        refused = LockErrc::kCancelled;
    } else if (!core.QuorumAvailable()) {
        refused = LockErrc::kUnavailable;
    }
    if (refused) core.ReportAcquire(LockErrcName(*refused), started);
    return refused;
}

// The key's local state, created on first use.
std::shared_ptr<KeyState> KeyStateFor(Core& core, const std::string& key) {
    auto& slot = core.keys_[key];
    if (!slot)
        slot = std::make_shared<KeyState>(core.options_.max_waiters_per_key, core.masters_.size());
    return slot;
}

asio::awaitable<Result<std::shared_ptr<Lease>, LockErrc>> AcquirePubSub(
    std::shared_ptr<Core> core, std::string key, std::chrono::milliseconds wait_budget) {
    const auto started = core->clock_->Now();
    const auto deadline = started + wait_budget;
    if (auto refused = RefuseAtOnce(*core, started)) co_return *refused;
    const std::shared_ptr<KeyState> state = KeyStateFor(*core, key);
    const WaiterId id = ++core->next_waiter_id_;
    if (!state->queue.Push(id)) {
        if (state->waiters.empty()) core->keys_.erase(key);
        core->ReportAcquire(LockErrcName(LockErrc::kTooManyWaiters), started);
        co_return LockErrc::kTooManyWaiters;
    }
    const auto waiter = std::make_shared<Waiter>(core->ex_, core->clock_, id);
    state->waiters.emplace(id, waiter);

    std::optional<Result<std::shared_ptr<Lease>, LockErrc>> result;
    bool last_unavailable = false;
    // Try first, subscribe on failure (see "How a waiter gets the lock" in lock_manager.hpp):
    // `subscribe_due` — the last attempt failed and a connected master lacks the key's channel;
    // `retry_at_once` — the channel was just subscribed: try again before sleeping, because a
    // release between the failed attempt and the confirmation was announced to nobody here.
    // One subscription round per failed attempt, so a master that refuses subscriptions cannot
    // spin the loop: the attempt after a subscription round goes to sleep when it fails.
    bool subscribe_due = false;
    bool retry_at_once = false;
    while (!result) {
        const auto now = core->clock_->Now();
        if (waiter->granted) {
            // Handed over by a local holder (checked first: the hold is ours now, even if our
            // budget ran out meanwhile or Stop came; the caller releases it).
            result.emplace(
                std::make_shared<Lease>(core, waiter->granted, waiter->granted->generation));
        } else if (core->stopped_) {
            result.emplace(LockErrc::kCancelled);
        } else if (now >= deadline) {
            result.emplace(last_unavailable ? LockErrc::kUnavailable : LockErrc::kTimeout);
        } else if (!state->queue.IsHead(id)) {
            waiter->woken = false;
            co_await Sleep(waiter, deadline);  // until promoted to head (or out of budget)
        } else if (const auto holder = state->local_holder.lock();
                   holder && !holder->released && !holder->lost) {
            // Our own process holds the key: an attempt could only fail. Wait for its release
            // (woken directly), bounded by its validity.
            waiter->woken = false;
            co_await Sleep(waiter, std::min(deadline, std::max(now + core->options_.retry_floor,
                                                               holder->valid_until)));
        } else if (state->yield_until > now) {
            // Our process just released to others: let their heads take the next turn.
            waiter->woken = false;
            co_await Sleep(waiter, std::min(deadline, state->yield_until));
        } else if (subscribe_due) {
            // Our attempt failed: from now on a release must reach us, so subscribe (and wait
            // for the confirmation), then loop back to retry at once (the budget is rechecked).
            subscribe_due = false;
            retry_at_once = true;
            co_await SubscribeMissing(core, key, state);
        } else {
            const bool after_subscribing = std::exchange(retry_at_once, false);
            waiter->woken = false;
            std::string token = RandomToken();
            // An uncontended key's first try is a plain SET NX PX: the server runs one command
            // instead of EVALSHA + SET, and a refusal's missing PTTL is fetched by the scripted
            // retry that follows it (subscribe-then-retry) or, without a subscription to make,
            // by the next try after the floor (HeadRetryDelay without a PTTL).
            const bool with_pttl = state->contended;
            const AttemptOutcome attempt = co_await TryAcquire(core, key, token, with_pttl);
            if (attempt.acquired) {
                if (core->stopped_) {
                    Spawn(core->ex_, UndoAttempt(core, key, std::move(token)));
                    result.emplace(LockErrc::kCancelled);
                } else {
                    result.emplace(MakeLease(core, state, key, std::move(token), attempt));
                }
                continue;
            }
            last_unavailable = attempt.answered < Quorum(core->masters_.size());
            state->contended = true;  // the channel is wanted until the last local waiter leaves
            if (!after_subscribing && MissingSubscription(*core, *state)) {
                subscribe_due = true;  // subscribe, then retry before any sleep
                continue;
            }
            if (waiter->woken) continue;  // a release arrived while we were trying
            const auto after = core->clock_->Now();
            const Millis remaining = Remaining(deadline, after);
            const Millis delay = last_unavailable ? std::min(kUnavailableRetryDelay, remaining)
                                                  : HeadRetryDelay(attempt.holder_pttl, remaining,
                                                                   core->options_.retry_floor);
            co_await Sleep(waiter, after + delay);
        }
    }
    core->Leave(key, state, id);
    core->ReportAcquire(result->ok() ? kAcquiredResult : LockErrcName(result->error()), started);
    co_return std::move(*result);
}

asio::awaitable<Result<std::shared_ptr<Lease>, LockErrc>> AcquirePolling(
    std::shared_ptr<Core> core, std::string key, std::chrono::milliseconds wait_budget) {
    const auto started = core->clock_->Now();
    const auto deadline = started + wait_budget;
    if (auto refused = RefuseAtOnce(*core, started)) co_return *refused;
    const std::shared_ptr<KeyState> state = KeyStateFor(*core, key);
    if (state->waiters.size() >= core->options_.max_waiters_per_key) {
        if (state->waiters.empty()) core->keys_.erase(key);
        core->ReportAcquire(LockErrcName(LockErrc::kTooManyWaiters), started);
        co_return LockErrc::kTooManyWaiters;
    }
    const WaiterId id = ++core->next_waiter_id_;
    const auto waiter = std::make_shared<Waiter>(core->ex_, core->clock_, id);
    state->waiters.emplace(id, waiter);

    std::optional<Result<std::shared_ptr<Lease>, LockErrc>> result;
    bool last_unavailable = false;
    while (!result) {
        if (core->stopped_) {
            result.emplace(LockErrc::kCancelled);
            continue;
        }
        if (core->clock_->Now() >= deadline) {
            result.emplace(last_unavailable ? LockErrc::kUnavailable : LockErrc::kTimeout);
            continue;
        }
        std::string token = RandomToken();
        const AttemptOutcome attempt = co_await TryAcquire(core, key, token, false);
        if (attempt.acquired) {
            if (core->stopped_) {
                Spawn(core->ex_, UndoAttempt(core, key, std::move(token)));
                result.emplace(LockErrc::kCancelled);
            } else {
                result.emplace(MakeLease(core, state, key, std::move(token), attempt));
            }
            continue;
        }
        last_unavailable = attempt.answered < Quorum(core->masters_.size());
        const auto after = core->clock_->Now();
        const Millis remaining = Remaining(deadline, after);
        const Millis delay = last_unavailable ? std::min(kUnavailableRetryDelay, remaining)
                                              : PollingDelay(core->options_.retry_interval,
                                                             core->NextUnitRandom(), remaining);
        waiter->woken = false;
        co_await Sleep(waiter, after + delay);
    }
    core->Leave(key, state, id);
    core->ReportAcquire(result->ok() ? kAcquiredResult : LockErrcName(result->error()), started);
    co_return std::move(*result);
}

}  // namespace hhplus::lock::detail
