// Client: the FIFO of callers waiting for replies on one pipelined connection.
#include "redis/client.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

#include "redis/link.hpp"

namespace hhplus::redis {
namespace asio = boost::asio;

namespace {

// One caller's Command or Pipeline: `expected` replies, in order, on the connection's FIFO.
struct PendingRequest {
    explicit PendingRequest(const asio::any_io_executor& ex) : timer(ex) {}

    asio::steady_timer timer;  // expires at the command timeout; cancelled on completion
    std::chrono::steady_clock::time_point enqueued;
    std::size_t expected = 0;
    std::size_t received = 0;
    std::vector<Reply> replies;
    std::optional<Error> error;
    bool done = false;       // replies or error are final; the caller may resume
    bool abandoned = false;  // the caller timed out: late replies are read and dropped
};

// Commands that turn a RESP2 connection into a push stream: their messages would be taken for
// the replies of the callers queued behind them.
bool BreaksReplyOrder(const std::string& name) {
    for (const std::string_view refused :
         {"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
          "MONITOR", "SYNC", "PSYNC"}) {
        if (detail::CommandIs(name, refused)) return true;
    }
    return false;
}

}  // namespace

struct Client::State final : detail::Link {
    State(asio::any_io_executor ex, Endpoint endpoint, ClientOptions options)
        : Link(std::move(ex), std::move(endpoint), std::move(options), "client") {}

    // Queues the commands for the writer and the request on the FIFO, or says why not.
    RedisResult<std::shared_ptr<PendingRequest>> Enqueue(
        const std::vector<std::vector<std::string>>& commands) {
        if (stopped()) return Error{Errc::kCancelled, "client stopped"};
        detail::Connection* conn = connection();
        if (conn == nullptr) return Error{Errc::kUnavailable, "not connected"};
        for (const auto& args : commands) {
            if (args.empty()) return Error{Errc::kProtocol, "empty command"};
            if (BreaksReplyOrder(args[0])) {
                return Error{Errc::kProtocol, args[0] + " is not allowed on a Client"};
            }
        }
        if (commands.size() > options().max_pending - std::min(queued_, options().max_pending)) {
            return Error{Errc::kQueueFull, std::to_string(queued_) + " commands pending"};
        }
        auto request = std::make_shared<PendingRequest>(executor());
        request->enqueued = std::chrono::steady_clock::now();
        request->expected = commands.size();
        request->replies.reserve(commands.size());
        request->timer.expires_after(options().command_timeout);
        for (const auto& args : commands) conn->Send(args);
        fifo_.push_back(request);
        queued_ += commands.size();
        return request;
    }

    // Suspends until the request is done or timed out; returns its error, if any.
    static asio::awaitable<std::optional<Error>> Wait(std::shared_ptr<State> self,
                                                      std::shared_ptr<PendingRequest> request) {
        boost::system::error_code ec;
        co_await request->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        // `done` decides, not `ec`: the reply may have landed after the timer fired but before
        // this coroutine resumed.
        if (request->done) co_return std::move(request->error);
        request->abandoned = true;
        request->replies.clear();
        if (!self->fifo_.empty()) self->DropIfWedged(self->fifo_.front()->enqueued);
        co_return Error{
            Errc::kTimeout,
            "no reply within " + std::to_string(self->options().command_timeout.count()) + " ms"};
    }

    void OnReply(Reply reply) override {
        if (fifo_.empty()) {
            // A reply nobody asked for: the stream is out of step, nothing after it can be
            // trusted. Reconnecting resynchronises.
            connection()->Close(Error{Errc::kProtocol, "reply without a pending command"});
            return;
        }
        PendingRequest& request = *fifo_.front();
        --queued_;
        ++request.received;
        if (!request.abandoned) request.replies.push_back(std::move(reply));
        if (request.received < request.expected) return;
        const auto finished = std::move(fifo_.front());
        fifo_.pop_front();
        if (!finished->abandoned) {
            finished->done = true;
            finished->timer.cancel();
        }
    }

    void OnDown(const Error& why) override {
        // The connection is gone with everything in flight on it: fail every caller now rather
        // than letting each sit out its timeout.
        for (const auto& request : fifo_) {
            if (request->abandoned || request->done) continue;
            request->done = true;
            request->replies.clear();
            request->error = why;
            request->timer.cancel();
        }
        fifo_.clear();
        queued_ = 0;
    }

    void OnUp(bool /*is_reconnect*/) override {}

  private:
    std::deque<std::shared_ptr<PendingRequest>> fifo_;  // in the order of the commands on the wire
    std::size_t queued_ = 0;  // commands in fifo_ still owed a reply (≤ max_pending)
};

namespace {

asio::awaitable<RedisResult<std::vector<Reply>>> RunPipeline(
    std::shared_ptr<Client::State> state, std::vector<std::vector<std::string>> commands) {
    if (commands.empty()) co_return std::vector<Reply>();
    auto request = state->Enqueue(commands);
    if (!request) co_return std::move(request).error();
    auto failed = co_await Client::State::Wait(state, *request);
    if (failed) co_return *std::move(failed);
    co_return std::move((*request)->replies);
}

asio::awaitable<RedisResult<Reply>> RunCommand(std::shared_ptr<Client::State> state,
                                               std::vector<std::string> args) {
    std::vector<std::vector<std::string>> commands;
    commands.push_back(std::move(args));
    auto request = state->Enqueue(commands);
    if (!request) co_return std::move(request).error();
    auto failed = co_await Client::State::Wait(state, *request);
    if (failed) co_return *std::move(failed);
    co_return std::move((*request)->replies.front());
}

}  // namespace

Client::Client(asio::any_io_executor ex, Endpoint endpoint, ClientOptions options)
    : state_(std::make_shared<State>(std::move(ex), std::move(endpoint), std::move(options))) {}

Client::~Client() { state_->Stop(); }

void Client::Start() { state_->Start(); }
void Client::Stop() { state_->Stop(); }
bool Client::Connected() const { return state_->connected(); }

// Not coroutines themselves: the returned awaitable holds the shared state, never `this`, so the
// Client may be destroyed while a caller is suspended in it.
asio::awaitable<RedisResult<Reply>> Client::Command(std::vector<std::string> args) {
    return RunCommand(state_, std::move(args));
}

asio::awaitable<RedisResult<std::vector<Reply>>> Client::Pipeline(
    std::vector<std::vector<std::string>> commands) {
    return RunPipeline(state_, std::move(commands));
}

}  // namespace hhplus::redis
