#pragma once
// Fakes for the lock's seams (lock_clock.hpp, lock_redis.hpp): a manual clock whose time moves
// only when the test says so, and an in-memory Redis master that models the lock's keys and
// scripts on that clock. Several LockManagers over the same FakeRedis are several processes.
// No sockets, no real time: a test of seconds of lock time runs in milliseconds.
// clang-format off
#include <utility>  // before Asio: Asio 1.18 uses std::exchange without including it
// clang-format on
#include <gtest/gtest.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lock/lock_clock.hpp"
#include "lock/lock_redis.hpp"
#include "lock/lock_scripts.hpp"

namespace hhplus::lock::testing {

using Millis = std::chrono::milliseconds;

// Time moves only in SetNow. A bed armed for a later instant waits (its Asio timer set to never),
// and is rung (its timer set to the real past, so the wait ends at once) when SetNow reaches its
// deadline. Driven by LoopDriver below.
class ManualLockClock final : public LockClock {
  public:
    // Not the epoch: the core reads a default SteadyTime{} as "not set".
    static constexpr std::chrono::hours kStart{1};

    SteadyTime Now() const override { return now_; }
    void Arm(boost::asio::steady_timer& bed, SteadyTime deadline) override {
        if (deadline <= now_) {
            beds_.erase(&bed);
            Ring(bed);
            return;
        }
        beds_[&bed] = deadline;
        bed.expires_at(SteadyTime::max());
    }
    void Forget(boost::asio::steady_timer& bed) noexcept override { beds_.erase(&bed); }

    std::optional<SteadyTime> NextDeadline() const {
        std::optional<SteadyTime> next;
        for (const auto& [bed, deadline] : beds_) {
            if (!next || deadline < *next) next = deadline;
        }
        return next;
    }
    // Moves time forward to `to` and rings every bed whose deadline has come.
    void SetNow(SteadyTime to) {
        if (to > now_) now_ = to;
        for (auto it = beds_.begin(); it != beds_.end();) {
            if (it->second <= now_) {
                Ring(*it->first);
                it = beds_.erase(it);
            } else {
                ++it;
            }
        }
    }
    // Lock time since the start, for readable assertions.
    Millis Elapsed() const {
        return std::chrono::duration_cast<Millis>(now_ - (SteadyTime{} + kStart));
    }

  private:
    // expires_at also ends a wait in progress; a wait that starts later ends at once.
    static void Ring(boost::asio::steady_timer& bed) {
        bed.expires_at(std::chrono::steady_clock::now());
    }

    SteadyTime now_ = SteadyTime{} + kStart;
    std::map<boost::asio::steady_timer*, SteadyTime> beds_;
};

// Runs an io_context against a ManualLockClock: everything ready runs, then time jumps to the
// next deadline, and so on up to the target. Bounded: a core that keeps itself busy without time
// passing is a bug and fails the test instead of hanging it.
class LoopDriver {
  public:
    // Handlers in one Drain: an acquisition or release is ~10–30 handlers, and no test here
    // has more than 3 of them ready at once (≤ ~100); 10,000 is 100× that, reached only by a
    // loop that never sleeps (it then fails in ~2 s under ASan instead of hanging).
    static constexpr int kMaxHandlersPerDrain = 10'000;
    // Deadlines crossed in one Advance: a 1 s renewal period over a minute of lock time is 60,
    // a 10 ms head retry floor over 2 s is 200; 100,000 only by a timer re-armed with no delay.
    static constexpr int kMaxStepsPerAdvance = 100'000;

    LoopDriver(boost::asio::io_context& ioc, ManualLockClock& clock) : ioc_(ioc), clock_(clock) {}

    void Drain() {
        if (stuck_) return;  // reported once; running on would only repeat the failure
        // Two empty polls in a row: a bed rung during the first is picked up by the second.
        int idle = 0;
        for (int i = 0; i < kMaxHandlersPerDrain; ++i) {
            ioc_.restart();
            if (ioc_.poll_one() == 0) {
                if (++idle == 2) return;
            } else {
                idle = 0;
            }
        }
        stuck_ = true;
        ADD_FAILURE() << "the loop never went idle: a busy loop without time passing";
    }

    void Advance(Millis by) {
        const SteadyTime target = clock_.Now() + by;
        Drain();
        for (int i = 0; i < kMaxStepsPerAdvance && !stuck_; ++i) {
            const auto next = clock_.NextDeadline();
            if (!next || *next > target) {
                clock_.SetNow(target);
                Drain();
                return;
            }
            clock_.SetNow(*next);
            Drain();
        }
        if (!stuck_) {
            stuck_ = true;
            ADD_FAILURE() << "time never reached the target: a timer re-armed without delay";
        }
    }

  private:
    boost::asio::io_context& ioc_;
    ManualLockClock& clock_;
    bool stuck_ = false;
};

inline redis::Reply StatusReply(std::string text) {
    redis::Reply r;
    r.type = redis::Reply::Type::kStatus;
    r.str = std::move(text);
    return r;
}

inline redis::Reply IntegerReply(long long value) {
    redis::Reply r;
    r.type = redis::Reply::Type::kInteger;
    r.integer = value;
    return r;
}

// One Redis master's data and what was asked of it. The keys expire on the manual clock.
class FakeRedis {
  public:
    struct Call {
        Millis at;         // lock time (ManualLockClock::Elapsed) when the master ran it
        std::string what;  // "SET", "ACQUIRE", "RELEASE", "RENEW", "SUBSCRIBE"
        std::string key;
        std::string token;
    };
    using Override =
        std::function<std::optional<redis::RedisResult<redis::Reply>>(const Call& call)>;
    using Deliver = std::function<void(const std::string& channel, const std::string& payload)>;

    explicit FakeRedis(std::shared_ptr<ManualLockClock> clock) : clock_(std::move(clock)) {}

    // Down: not connected, and every command fails with kUnavailable.
    bool up = true;
    // How long the master takes to answer each call (lock time): the reply, and its effect,
    // come this much later.
    Millis latency{0};
    // Replaces the model's answer for the calls it returns a value for (a refused renewal, a
    // timeout). The call is still recorded.
    Override override_reply;
    std::vector<Call> calls;

    // Another process's hold: `key` (with the prefix) held with `token` for `ttl` from now.
    void Hold(const std::string& key, const std::string& token, Millis ttl) {
        keys_[key] = Entry{token, clock_->Now() + ttl};
    }
    std::optional<std::string> Get(const std::string& key) {
        const auto it = keys_.find(key);
        if (it == keys_.end() || it->second.expires_at <= clock_->Now()) return std::nullopt;
        return it->second.value;
    }
    std::optional<Millis> Pttl(const std::string& key) {
        if (!Get(key)) return std::nullopt;
        return std::chrono::ceil<Millis>(keys_[key].expires_at - clock_->Now());
    }
    std::size_t Count(std::string_view what) const {
        std::size_t n = 0;
        for (const auto& c : calls) n += c.what == what ? 1 : 0;
        return n;
    }
    std::vector<Millis> TimesOf(std::string_view what) const {
        std::vector<Millis> at;
        for (const auto& c : calls) {
            if (c.what == what) at.push_back(c.at);
        }
        return at;
    }

    // A subscriber connection; `deliver` is its message handler (null until set).
    int AddSubscriber(const Deliver* deliver) {
        subscribers_[++next_subscriber_] = Subscription{deliver, {}};
        return next_subscriber_;
    }
    void RemoveSubscriber(int id) { subscribers_.erase(id); }
    void Subscribe(int id, const std::string& channel) {
        subscribers_[id].channels.insert(channel);
    }
    void Unsubscribe(int id, const std::string& channel) {
        subscribers_[id].channels.erase(channel);
    }

    // What the master answers `call` (args: a SET's "NX PX ttl", or a script's ARGV after the
    // token). `ex`: where PUBLISH delivers the messages (later, as a server would).
    redis::RedisResult<redis::Reply> Run(const Call& call, const std::vector<std::string>& args,
                                         const boost::asio::any_io_executor& ex) {
        calls.push_back(call);
        if (override_reply) {
            if (auto replaced = override_reply(call)) return *replaced;
        }
        if (!up) return redis::Error{redis::Errc::kUnavailable, "fake master down"};
        const auto current = Get(call.key);
        if (call.what == "SET" || call.what == "ACQUIRE") {
            if (!current) {
                Hold(call.key, call.token, Millis(std::stoll(args.back())));
                return StatusReply("OK");
            }
            if (call.what == "SET") return redis::Reply{};  // nil: refused
            return IntegerReply(Pttl(call.key)->count());
        }
        if (current != call.token) return IntegerReply(0);
        if (call.what == "RENEW") {
            keys_[call.key].expires_at = clock_->Now() + Millis(std::stoll(args.back()));
            return IntegerReply(1);
        }
        // RELEASE (with a channel: announce it, answering 1 + the subscribers that hear it).
        keys_.erase(call.key);
        if (args.size() < 2) return IntegerReply(1);
        long long heard = 0;
        for (const auto& [id, subscription] : subscribers_) {
            if (subscription.channels.count(args.back()) == 0 || !subscription.deliver) continue;
            ++heard;
            Deliver deliver = *subscription.deliver;
            const std::string channel = args.back();
            const std::string payload = call.token;
            boost::asio::post(ex, [deliver, channel, payload] { deliver(channel, payload); });
        }
        return IntegerReply(1 + heard);
    }

    ManualLockClock& clock() { return *clock_; }
    const std::shared_ptr<ManualLockClock>& shared_clock() const { return clock_; }

  private:
    struct Entry {
        std::string value;
        SteadyTime expires_at;
    };
    struct Subscription {
        const Deliver* deliver = nullptr;
        std::set<std::string> channels;
    };
    std::shared_ptr<ManualLockClock> clock_;
    std::map<std::string, Entry> keys_;
    std::map<int, Subscription> subscribers_;
    int next_subscriber_ = 0;
};

// Which lock script a redis::Script is (the core passes the constants of lock_scripts.hpp).
inline std::string ScriptName(std::string_view body) {
    if (body == kAcquireLua) return "ACQUIRE";
    if (body == kRenewLua) return "RENEW";
    if (body == kReleaseLua || body == kReleasePublishLua) return "RELEASE";
    return "UNKNOWN";
}

class FakeLockClient final : public LockClient {
  public:
    FakeLockClient(boost::asio::any_io_executor ex, std::shared_ptr<FakeRedis> redis)
        : ex_(std::move(ex)), redis_(std::move(redis)) {}
    void Start() override {}
    void Stop() override {}
    bool Connected() const override { return redis_->up; }
    boost::asio::awaitable<redis::RedisResult<redis::Reply>> Command(
        std::vector<std::string> args) override {
        // The core's only plain command: SET key token NX PX ttl.
        FakeRedis::Call call{Millis(0), args.at(0), args.at(1), args.at(2)};
        auto reply = co_await Answer(std::move(call), std::move(args));
        co_return reply;
    }
    boost::asio::awaitable<redis::RedisResult<redis::Reply>> RunScript(
        const redis::Script& script, std::vector<std::string> keys,
        std::vector<std::string> args) override {
        FakeRedis::Call call{Millis(0), ScriptName(script.body()), keys.at(0), args.at(0)};
        auto reply = co_await Answer(std::move(call), std::move(args));
        co_return reply;
    }

  private:
    boost::asio::awaitable<redis::RedisResult<redis::Reply>> Answer(FakeRedis::Call call,
                                                                    std::vector<std::string> args) {
        const std::shared_ptr<FakeRedis> redis = redis_;  // alive across the suspension
        if (redis->latency > Millis(0)) {
            Alarm in_flight(ex_, redis->shared_clock());
            in_flight.ExpiresAt(redis->clock().Now() + redis->latency);
            co_await in_flight.Wait();
        }
        call.at = redis->clock().Elapsed();
        co_return redis->Run(call, args, ex_);
    }

    boost::asio::any_io_executor ex_;
    std::shared_ptr<FakeRedis> redis_;
};

class FakeLockSubscriber final : public LockSubscriber {
  public:
    explicit FakeLockSubscriber(std::shared_ptr<FakeRedis> redis)
        : redis_(std::move(redis)), id_(redis_->AddSubscriber(&deliver_)) {}
    ~FakeLockSubscriber() override { redis_->RemoveSubscriber(id_); }
    void SetMessageHandler(MessageHandler handler) override { deliver_ = std::move(handler); }
    void SetReconnectHandler(std::function<void()> handler) override {
        reconnect_ = std::move(handler);
    }
    void Start() override {}
    void Stop() override {}
    bool Connected() const override { return redis_->up; }
    boost::asio::awaitable<redis::RedisResult<Ok>> Subscribe(std::string channel) override {
        const std::shared_ptr<FakeRedis> redis = redis_;
        // Named results: g++ 12 mishandles braced temporaries in coroutine statements.
        const FakeRedis::Call call{redis->clock().Elapsed(), "SUBSCRIBE", channel, ""};
        redis->calls.push_back(call);
        if (!redis->up) {
            redis::RedisResult<Ok> down = redis::Error{redis::Errc::kUnavailable, "fake down"};
            co_return down;
        }
        redis->Subscribe(id_, channel);
        redis::RedisResult<Ok> subscribed = Ok{};
        co_return subscribed;
    }
    void Unsubscribe(std::string channel) override { redis_->Unsubscribe(id_, channel); }

  private:
    std::shared_ptr<FakeRedis> redis_;
    FakeRedis::Deliver deliver_;
    std::function<void()> reconnect_;
    int id_;
};

// One process's view of the masters: a client (and a subscriber) per FakeRedis.
inline std::vector<LockMaster> FakeMasters(const boost::asio::any_io_executor& ex,
                                           const std::vector<std::shared_ptr<FakeRedis>>& redis) {
    std::vector<LockMaster> masters;
    for (std::size_t i = 0; i < redis.size(); ++i) {
        LockMaster master;
        master.name = "fake" + std::to_string(i);
        master.client = std::make_unique<FakeLockClient>(ex, redis[i]);
        master.subscriber = std::make_unique<FakeLockSubscriber>(redis[i]);
        masters.push_back(std::move(master));
    }
    return masters;
}

}  // namespace hhplus::lock::testing
