// Subscriber: the wanted channel set, kept subscribed across reconnects on a RESP2 pub/sub
// connection.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "common/log.hpp"
#include "redis/client.hpp"
#include "redis/link.hpp"

namespace hhplus::redis {
namespace asio = boost::asio;

namespace {

// Re-subscribing after a reconnect sends the wanted set in commands of at most this many
// channels: the lock has one channel per contended key (tens), so this is one command in
// practice, and a command stays under ~100 KB even with long channel names.
constexpr std::size_t kResubscribeBatch = 1000;

// One Subscribe call waiting for its confirmation.
struct SubscribeWaiter {
    explicit SubscribeWaiter(const asio::any_io_executor& ex) : timer(ex) {}

    asio::steady_timer timer;
    std::optional<Error> error;
    bool done = false;
};

}  // namespace

struct Subscriber::State final : detail::Link {
    State(asio::any_io_executor ex, Endpoint endpoint, ClientOptions options)
        : Link(std::move(ex), std::move(endpoint), std::move(options), "subscriber") {}

    // Sends SUBSCRIBE for one channel and records what its confirmation will complete
    // (`waiter`, or a re-subscription when null).
    void SendSubscribe(const std::string& channel, std::shared_ptr<SubscribeWaiter> waiter) {
        connection()->Send({"SUBSCRIBE", channel});
        ExpectConfirmation(channel, std::move(waiter));
    }

    void ExpectConfirmation(const std::string& channel, std::shared_ptr<SubscribeWaiter> waiter) {
        confirmations_[channel].push_back(std::move(waiter));
        owed_.push_back(std::chrono::steady_clock::now());
    }

    static asio::awaitable<RedisResult<Ok>> RunSubscribe(std::shared_ptr<State> self,
                                                         std::string channel) {
        if (self->stopped()) co_return Error{Errc::kCancelled, "subscriber stopped"};
        if (self->connection() == nullptr) co_return Error{Errc::kUnavailable, "not connected"};
        if (self->confirmed_.count(channel) != 0 && self->unsubscribing_.count(channel) == 0) {
            self->wanted_.insert(std::move(channel));
            co_return Ok{};
        }
        if (self->owed_.size() >= self->options().max_pending) {
            co_return Error{Errc::kQueueFull, std::to_string(self->owed_.size()) + " pending"};
        }
        self->wanted_.insert(channel);
        auto waiter = std::make_shared<SubscribeWaiter>(self->executor());
        waiter->timer.expires_after(self->options().command_timeout);
        self->SendSubscribe(channel, waiter);

        boost::system::error_code ec;
        co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (waiter->done) {
            if (waiter->error) co_return *std::move(waiter->error);
            co_return Ok{};
        }
        waiter->done = true;  // the confirmation, when it comes, completes nobody
        if (!self->owed_.empty()) self->DropIfWedged(self->owed_.front());
        co_return Error{Errc::kTimeout,
                        "SUBSCRIBE " + channel + " not confirmed within " +
                            std::to_string(self->options().command_timeout.count()) + " ms"};
    }

    void Unsubscribe(const std::string& channel) {
        wanted_.erase(channel);
        const auto pending = confirmations_.find(channel);
        if (pending != confirmations_.end()) {
            for (const auto& waiter : pending->second) {
                if (waiter) Complete(*waiter, Error{Errc::kCancelled, "unsubscribed meanwhile"});
            }
        }
        detail::Connection* conn = connection();
        if (conn == nullptr) return;  // nothing subscribed; and it will not be re-subscribed
        if (confirmed_.count(channel) == 0 && pending == confirmations_.end()) return;
        conn->Send({"UNSUBSCRIBE", channel});
        ++unsubscribing_[channel];
        owed_.push_back(std::chrono::steady_clock::now());
    }

    static void Complete(SubscribeWaiter& waiter, std::optional<Error> error) {
        if (waiter.done) return;
        waiter.done = true;
        waiter.error = std::move(error);
        waiter.timer.cancel();
    }

    void OnUp(bool is_reconnect) override {
        notify_reconnect_ = is_reconnect;
        resubscribing_ = wanted_.size();
        std::vector<std::string> command{"SUBSCRIBE"};
        for (const auto& channel : wanted_) {
            command.push_back(channel);
            ExpectConfirmation(channel, nullptr);
            if (command.size() > kResubscribeBatch) {
                connection()->Send(command);
                command.resize(1);
            }
        }
        if (command.size() > 1) connection()->Send(command);
        if (resubscribing_ == 0) FinishReconnect();
    }

    void FinishReconnect() {
        if (!std::exchange(notify_reconnect_, false) || !on_reconnect_) return;
        const auto handler = on_reconnect_;  // it may replace itself
        handler();
    }

    void OnDown(const Error& why) override {
        for (auto& [channel, waiters] : confirmations_) {
            for (const auto& waiter : waiters) {
                if (waiter) Complete(*waiter, why);
            }
        }
        confirmations_.clear();
        owed_.clear();
        confirmed_.clear();
        unsubscribing_.clear();
        resubscribing_ = 0;
        notify_reconnect_ = false;
    }

    bool WantsTicks() const override { return true; }

    // Keep-alive: a pub/sub connection is otherwise silent, so a dead one would go unnoticed
    // and release messages would silently stop. PING is allowed in subscribed mode.
    void OnTick() override {
        if (!owed_.empty() && DropIfWedged(owed_.front())) return;
        connection()->Send({"PING"});
        owed_.push_back(std::chrono::steady_clock::now());
    }

    void OnReply(Reply reply) override {
        // Outside subscribed mode (no channel) PING answers +PONG; inside, ["pong", ""].
        if (reply.type == Reply::Type::kStatus && reply.str == "PONG") {
            PopOwed();
            return;
        }
        if (reply.type != Reply::Type::kArray || reply.elements.size() < 2 ||
            reply.elements[0].type != Reply::Type::kString) {
            Desync("unexpected reply on the pub/sub connection: " +
                   (reply.IsError()
                        ? reply.str
                        : std::string("type ") + std::to_string(static_cast<int>(reply.type))));
            return;
        }
        const std::string& kind = reply.elements[0].str;
        std::string& channel = reply.elements[1].str;
        if (kind == "message" && reply.elements.size() == 3) {
            // A message may still arrive for a channel just unsubscribed (the UNSUBSCRIBE is in
            // flight); only wanted channels reach the handler.
            if (!on_message_ || wanted_.count(channel) == 0) return;
            const auto keep_alive = shared_from_this();  // the handler may destroy the Subscriber
            const auto handler = on_message_;            // … or replace itself
            handler(channel, reply.elements[2].str);
        } else if (kind == "subscribe") {
            if (!PopOwed()) return;
            confirmed_.insert(channel);
            ConfirmSubscribe(channel);
        } else if (kind == "unsubscribe") {
            if (!PopOwed()) return;
            confirmed_.erase(channel);
            if (const auto it = unsubscribing_.find(channel);
                it != unsubscribing_.end() && --it->second == 0) {
                unsubscribing_.erase(it);
            }
        } else if (kind == "pong") {
            PopOwed();
        } else {
            log::Debug("redis subscriber: ignored pub/sub reply kind=" + kind);
        }
    }

    // The oldest owed confirmation has arrived. False (and the connection dropped) if nothing
    // was owed: the stream is out of step with what we sent.
    bool PopOwed() {
        if (owed_.empty()) {
            Desync("confirmation nobody asked for");
            return false;
        }
        owed_.pop_front();
        return true;
    }

    void ConfirmSubscribe(const std::string& channel) {
        const auto it = confirmations_.find(channel);
        if (it == confirmations_.end() || it->second.empty()) return;  // a duplicate, harmless
        const auto waiter = std::move(it->second.front());
        it->second.pop_front();
        if (it->second.empty()) confirmations_.erase(it);
        if (waiter) {
            Complete(*waiter, std::nullopt);
        } else if (resubscribing_ > 0 && --resubscribing_ == 0) {
            FinishReconnect();
        }
    }

    void Desync(const std::string& what) {
        if (auto* conn = connection()) conn->Close(Error{Errc::kProtocol, what});
    }

    std::size_t SubscribedCount() const { return confirmed_.size(); }

    void SetMessageHandler(MessageHandler handler) { on_message_ = std::move(handler); }
    void SetReconnectHandler(std::function<void()> handler) { on_reconnect_ = std::move(handler); }

  private:
    MessageHandler on_message_;
    std::function<void()> on_reconnect_;
    std::unordered_set<std::string> wanted_;     // survives reconnects
    std::unordered_set<std::string> confirmed_;  // the server's view, this connection
    // Per channel, what each SUBSCRIBE confirmation still owed completes, in send order (null:
    // a re-subscription after reconnect).
    std::unordered_map<std::string, std::deque<std::shared_ptr<SubscribeWaiter>>> confirmations_;
    std::unordered_map<std::string, std::size_t> unsubscribing_;  // UNSUBSCRIBEs in flight
    // When each reply owed by the server (per-channel confirmation or PONG) was asked for, in
    // send order: the server answers in that order, so the front is the oldest.
    std::deque<std::chrono::steady_clock::time_point> owed_;
    std::size_t resubscribing_ = 0;
    bool notify_reconnect_ = false;
};

Subscriber::Subscriber(asio::any_io_executor ex, Endpoint endpoint, ClientOptions options)
    : state_(std::make_shared<State>(std::move(ex), std::move(endpoint), std::move(options))) {}

Subscriber::~Subscriber() { state_->Stop(); }

void Subscriber::SetMessageHandler(MessageHandler handler) {
    state_->SetMessageHandler(std::move(handler));
}
void Subscriber::SetReconnectHandler(std::function<void()> handler) {
    state_->SetReconnectHandler(std::move(handler));
}
void Subscriber::Start() { state_->Start(); }
void Subscriber::Stop() { state_->Stop(); }
bool Subscriber::Connected() const { return state_->connected(); }

asio::awaitable<RedisResult<Ok>> Subscriber::Subscribe(std::string channel) {
    return State::RunSubscribe(state_, std::move(channel));
}

void Subscriber::Unsubscribe(const std::string& channel) { state_->Unsubscribe(channel); }

std::size_t Subscriber::SubscribedCount() const { return state_->SubscribedCount(); }

}  // namespace hhplus::redis
