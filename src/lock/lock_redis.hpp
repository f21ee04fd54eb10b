#pragma once
// The lock's Redis seam: everything the lock core asks of one master, as two small interfaces
// (its command connection and its pub/sub connection). Production wraps redis::Client and
// redis::Subscriber (MakeRedisMasters); unit tests pass in-memory fakes, so the core's rules are
// checked without a server.
//
// Contract: the same as redis::Client / redis::Subscriber (client.hpp): errors are values
// (RedisResult), Command/RunScript/Subscribe suspend, everything else returns at once, one loop
// thread. The production adapters return the wrapped call's awaitable as it is (no coroutine
// frame of their own): the seam costs one virtual call per command.
// clang-format off
#include <utility>  // before Asio: Asio 1.18 uses std::exchange without including it
// clang-format on
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "redis/client.hpp"
#include "redis/script.hpp"

namespace hhplus::lock {

// A master's command connection.
class LockClient {
  public:
    virtual ~LockClient() = default;
    virtual void Start() = 0;
    virtual void Stop() = 0;
    virtual bool Connected() const = 0;
    // One command (the plain SET NX PX attempt).
    virtual boost::asio::awaitable<redis::RedisResult<redis::Reply>> Command(
        std::vector<std::string> args) = 0;
    // One of the lock's scripts (lock_scripts.hpp; `script.body()` says which). `script` outlives
    // the call.
    virtual boost::asio::awaitable<redis::RedisResult<redis::Reply>> RunScript(
        const redis::Script& script, std::vector<std::string> keys,
        std::vector<std::string> args) = 0;
};

// A master's pub/sub connection (Mode::kPubSub only).
class LockSubscriber {
  public:
    using MessageHandler = redis::Subscriber::MessageHandler;
    virtual ~LockSubscriber() = default;
    virtual void SetMessageHandler(MessageHandler handler) = 0;
    virtual void SetReconnectHandler(std::function<void()> handler) = 0;
    virtual void Start() = 0;
    virtual void Stop() = 0;
    virtual bool Connected() const = 0;
    virtual boost::asio::awaitable<redis::RedisResult<Ok>> Subscribe(std::string channel) = 0;
    virtual void Unsubscribe(std::string channel) = 0;
};

// One master as the lock sees it.
struct LockMaster {
    std::string name;                            // for logs: "127.0.0.1:6379/0"
    std::unique_ptr<LockClient> client;          // never null
    std::unique_ptr<LockSubscriber> subscriber;  // null in Mode::kPolling
};

// The production masters: a redis::Client per endpoint, plus a redis::Subscriber when
// `with_subscribers` (pub/sub mode).
std::vector<LockMaster> MakeRedisMasters(const boost::asio::any_io_executor& ex,
                                         const std::vector<redis::Endpoint>& endpoints,
                                         const redis::ClientOptions& options,
                                         bool with_subscribers);

}  // namespace hhplus::lock
