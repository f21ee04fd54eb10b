#pragma once
// Async Redis client on Boost.Asio: one TCP connection per Client with automatic pipelining, and a
// dedicated pub/sub connection (Subscriber). hiredis is used only to format commands
// (redisFormatCommandArgv, binary-safe) and to parse replies (its redisReader); all I/O is Asio.
//
// Contract
// - Errors. A Redis error reply ("-ERR ...", "-WRONGTYPE ...") is a *reply*: Reply::Type::kError,
//   returned as a success value, because it is the server's answer to this very command.
//   Transport problems are `Error`:
//     kUnavailable  not connected (never started, connecting, or reconnecting), or the connection
//                   dropped while the command was in flight. Fails FAST: a command is never
//                   queued while the connection is down (the service answers 503 S002 at once).
//     kTimeout      no reply within ClientOptions::command_timeout. The command may still run on
//                   the server; its late reply is discarded, never handed to another caller.
//     kProtocol     the command was refused before sending (empty, or a pub/sub / MONITOR command
//                   that would break the reply order), or the server sent bytes that do not
//                   parse (the connection is then dropped and re-established).
//     kCancelled    Stop() was called (or the Client/Subscriber was destroyed) while it waited,
//                   or before the call (and no Start() since). Never started: kUnavailable.
//     kQueueFull    max_pending commands are already queued or in flight on this connection.
// - Suspension. Command, Pipeline and Subscribe suspend (co_await) until the reply, the timeout
//   or the failure; nothing else suspends. Start/Stop/Unsubscribe return at once. To run a call
//   detached, wrap it in an awaitable<void> coroutine: co_spawn's completion handler needs a
//   default-constructible value, and Result has no default.
// - Threads. A Client/Subscriber and every call on it belong to its executor's single thread
//   (one io_context run by one thread, as in the whole service); there is no locking inside.
//   Construction and destruction may also happen on another thread while the io_context is not
//   running (the usual test setup).
// - Ownership and lifetime. The caller owns the Client/Subscriber; the connection, the queues
//   and the background coroutines (connect loop, one reader, one writer) live in a shared state
//   that each pending coroutine keeps alive. Destroying a Client/Subscriber is safe at any time
//   on its thread: it Stop()s, pending calls then complete with kCancelled when the io_context
//   next runs, and the background coroutines exit at their next wake-up. A returned awaitable
//   holds that shared state, not the Client, so it may even be awaited after the Client is gone
//   (it then completes with kCancelled). Destroy Clients before their io_context.
// - Callbacks (on_commands_sent, the Subscriber's handlers) run inline on the executor's thread
//   and must not throw: an exception escaping them is a bug and leaves io_context::run.
// - Not supported on Client: blocking commands (BLPOP…) hold the shared connection for every
//   other caller; SUBSCRIBE/PSUBSCRIBE/MONITOR are refused (use Subscriber); CLIENT REPLY OFF
//   would break the reply FIFO. No AUTH/TLS (loopback only, as the stage runs it).
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
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
#include "common/urls.hpp"

namespace hhplus::redis {

enum class Errc { kUnavailable, kTimeout, kProtocol, kCancelled, kQueueFull };

struct Error {
    Errc code;
    std::string detail;  // for the log only
};

template <class T>
using RedisResult = hhplus::Result<T, Error>;

// "unavailable", "timeout"…: for logs and metrics labels.
std::string_view ErrcName(Errc code);

// One RESP2 reply. `str` holds the bytes of kString, kStatus and kError replies (binary-safe);
// `integer` those of kInteger; `elements` those of kArray. A nil bulk string and a nil array are
// both kNil.
struct Reply {
    enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
    Type type = Type::kNil;
    long long integer = 0;
    std::string str;
    std::vector<Reply> elements;

    bool IsError() const { return type == Type::kError; }
    bool IsNil() const { return type == Type::kNil; }
};

// Where a Client or Subscriber connects: "redis://host[:port][/db]" parsed by common/urls.hpp.
// A host name is resolved off the loop before every connect attempt (common/resolve.hpp), so a
// service that comes back at a new address is found on the next reconnect.
using Endpoint = ::hhplus::RedisUrl;
using ::hhplus::ParseRedisUrl;

// "127.0.0.1:6379/0", for logs.
std::string ToString(const Endpoint& endpoint);

struct ClientOptions {
    std::string role;  // "session", "cache", "lock"… for logs/metrics and CLIENT SETNAME
    // Bounds TCP connect + handshake (SELECT, CLIENT SETNAME, PING) of each attempt.
    std::chrono::milliseconds connect_timeout{1000};
    // Per command, from the call to the reply. A healthy loopback Redis answers in well under
    // 1 ms, so 1000 ms only trips on a stopped, paused or overloaded server.
    std::chrono::milliseconds command_timeout{1000};
    // Reconnect waits double from min to max after each failed attempt (with jitter: each wait is
    // drawn from [w/2, w]), so a Redis down for 10 s costs ~10 attempts: 50+100+…+2000+2000…
    std::chrono::milliseconds reconnect_backoff_min{50};
    std::chrono::milliseconds reconnect_backoff_max{2000};
    // Bound of queued + in-flight commands (a Pipeline counts each of its commands; a timed-out
    // command counts until its late reply arrives). 10000 × ~100 B of command and reply ≈ 1 MB
    // per connection; at ~50 µs per command on loopback that is ~0.5 s of backlog, beyond which
    // waiting is pointless and kQueueFull lets the caller shed load.
    std::size_t max_pending = 10000;
    // Metrics hook: called after each successful socket write with how many commands it carried
    // (handshake commands excluded; for a Subscriber: SUBSCRIBE, UNSUBSCRIBE and keep-alive
    // PINGs). Several commands per call is the automatic pipelining.
    std::function<void(std::size_t commands)> on_commands_sent;
};

// A connection whose oldest outstanding reply is older than this many command timeouts is
// considered wedged (a stopped or hung server, a half-open TCP connection), dropped and
// re-established: 3 × 1000 ms = 3 s by default. Three, not one, so that a single slow command
// (which only times out its own caller) does not cost every other caller its connection.
inline constexpr int kWedgedAfterTimeouts = 3;

// One TCP connection with automatic pipelining: commands issued while a write is in flight are
// coalesced into the next write (one writer coroutine), and replies are matched to callers in
// FIFO order (one reader coroutine). All calls on the executor's thread.
class Client {
  public:
    Client(boost::asio::any_io_executor ex, Endpoint endpoint, ClientOptions options);
    ~Client();  // Stop()s; see "Ownership and lifetime" above
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Connects in the background and reconnects with exponential backoff (min..max) forever,
    // until Stop. Returns at once; Connected() turns true after the handshake. No-op if started.
    void Start();
    // Closes the connection; pending commands complete with kCancelled. Start() may be called
    // again later. Idempotent.
    void Stop();
    // Handshake done and the connection not (yet) seen dropped.
    bool Connected() const;

    // Sends one command (binary-safe arguments, e.g. {"SET", key, value}) and suspends until its
    // reply. Errors: see the header comment.
    boost::asio::awaitable<RedisResult<Reply>> Command(std::vector<std::string> args);
    // Sends the commands back to back (one write, no other caller's command in between) and
    // suspends until all their replies; a Redis error reply in one of them is just that element.
    // MULTI/EXEC work through this. An empty list completes at once with no replies.
    boost::asio::awaitable<RedisResult<std::vector<Reply>>> Pipeline(
        std::vector<std::vector<std::string>> commands);

    struct State;  // implementation detail (shared with the pending coroutines)

  private:
    std::shared_ptr<State> state_;
};

// A dedicated RESP2 pub/sub connection (hiredis 0.14 has no RESP3 push type, and a subscribed
// RESP2 connection accepts no other commands, hence not shared with Client). Used for the
// distributed lock's release messages. All calls on the executor's thread.
//
// Channels are a set, not reference-counted: Subscribe on a subscribed channel completes at
// once, and one Unsubscribe removes it for everyone (callers sharing a channel count
// themselves). The set survives reconnects: after every reconnect all wanted channels are
// re-subscribed, then the reconnect handler runs, so waiters can re-check what they may have
// missed while the connection was down (messages published meanwhile are lost: pub/sub keeps
// no history). The connection is PINGed once per command_timeout; no answer within
// kWedgedAfterTimeouts × command_timeout drops and re-establishes it.
class Subscriber {
  public:
    // Called on the executor's thread for each message on a wanted channel, in arrival order. It
    // must not block; it may call Unsubscribe/Stop, co_spawn a Subscribe, and even destroy the
    // Subscriber.
    using MessageHandler =
        std::function<void(const std::string& channel, const std::string& payload)>;

    Subscriber(boost::asio::any_io_executor ex, Endpoint endpoint, ClientOptions options);
    ~Subscriber();  // Stop()s
    Subscriber(const Subscriber&) = delete;
    Subscriber& operator=(const Subscriber&) = delete;

    void SetMessageHandler(MessageHandler handler);
    // Runs after every reconnect (not after the first connection following Start), once all
    // wanted channels are confirmed re-subscribed.
    void SetReconnectHandler(std::function<void()> handler);
    void Start();  // as Client::Start
    void Stop();   // as Client::Stop: pending Subscribes complete with kCancelled
    bool Connected() const;

    // Adds the channel and suspends until the server confirmed the subscription. kUnavailable
    // while disconnected (the channel is then not added); kTimeout leaves the channel wanted: it
    // is subscribed whenever the server gets to it — call Unsubscribe if you give up on it.
    // kUnavailable if the connection drops before the confirmation (the channel stays wanted
    // and is re-subscribed on reconnect). kCancelled if Unsubscribe(channel) or Stop came first.
    boost::asio::awaitable<RedisResult<Ok>> Subscribe(std::string channel);
    // Removes the channel (fire and forget: the server's confirmation updates SubscribedCount).
    void Unsubscribe(const std::string& channel);
    // Channels the server has confirmed as subscribed on the current connection.
    std::size_t SubscribedCount() const;

    struct State;  // implementation detail

  private:
    std::shared_ptr<State> state_;
};

}  // namespace hhplus::redis
