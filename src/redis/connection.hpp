#pragma once
// Internal: one TCP connection to Redis shared by Client and Subscriber. It connects and runs a
// handshake, then runs one reader and one writer coroutine; it knows nothing about which caller
// waits for which reply (that is the listener's FIFO). Not part of the public API.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "redis/client.hpp"
#include "redis/resp.hpp"

namespace hhplus::redis::detail {

// One read syscall takes up to 16 KiB: ~500 typical small replies (~30 B), so a burst of
// pipelined replies is drained in a few reads, and a frame of this size is cheap per connection.
inline constexpr std::size_t kReadChunkBytes = 16 * 1024;
// The writer keeps its buffers' capacity between writes (no allocation per batch) unless a batch
// grew one past 1 MiB (e.g. a large SET): ~10000 pending commands × ~100 B, the max_pending bound.
inline constexpr std::size_t kRetainedWriteBufferBytes = 1024 * 1024;

// Receives what happens on a running connection. Calls come from the connection's coroutines on
// the executor's thread. After OnClosed the connection never calls the listener again, so a
// listener that closes its connection before it dies is never called dangling.
class ConnectionListener {
  public:
    virtual void OnReply(Reply reply) = 0;
    virtual void OnClosed(const Error& why) = 0;
    virtual void OnSent(std::size_t commands) = 0;

  protected:
    ~ConnectionListener() = default;
};

class Connection : public std::enable_shared_from_this<Connection> {
  public:
    // `name` prefixes log lines ("redis role=session endpoint=127.0.0.1:6379/0").
    Connection(boost::asio::any_io_executor ex, std::string name);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // TCP connect (TCP_NODELAY on) and `handshake` commands, all within `timeout`. A Redis error
    // reply to a handshake command fails the attempt (kProtocol). Close() during Open makes it
    // fail with Close's reason. Suspends.
    static boost::asio::awaitable<RedisResult<Ok>> Open(
        std::shared_ptr<Connection> self, Endpoint endpoint, std::chrono::milliseconds timeout,
        std::vector<std::vector<std::string>> handshake);

    // After a successful Open: starts the reader and writer; `listener` must stay valid until
    // OnClosed (the listener closes the connection before it goes away).
    void Run(ConnectionListener* listener);

    // Queues one command for the writer. Requires an open, running connection.
    void Send(const std::vector<std::string>& args);

    // Idempotent. Cancels all I/O, drops unsent bytes and calls the listener's OnClosed(why).
    void Close(Error why);

    // Forgets the listener without telling it (for a listener being destroyed).
    void Detach() { listener_ = nullptr; }

    bool IsOpen() const { return opened_ && !closed_; }
    const std::string& name() const { return name_; }

  private:
    static boost::asio::awaitable<void> ReadLoop(std::shared_ptr<Connection> self);
    static boost::asio::awaitable<void> WriteLoop(std::shared_ptr<Connection> self);

    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer wake_;      // the idle writer waits on it; Send cancels it
    boost::asio::steady_timer deadline_;  // bounds Open
    ReplyParser parser_;
    std::string pending_;  // formatted commands not yet handed to the socket
    std::size_t pending_commands_ = 0;
    std::string writing_;  // the batch the writer is writing now
    ConnectionListener* listener_ = nullptr;
    std::string name_;
    Error close_reason_{Errc::kUnavailable, ""};
    bool opened_ = false;
    bool closed_ = false;
    bool open_timed_out_ = false;
    bool writer_idle_ = false;
};

// Spawns `work` detached; an exception escaping it is a bug: logged, then rethrown out of
// io_context::run (the process's top level decides what to do, as for every other bug).
void SpawnDetached(boost::asio::any_io_executor ex, boost::asio::awaitable<void> work,
                   const char* what);

// Case-insensitive ASCII comparison of a command name.
bool CommandIs(const std::string& name, std::string_view upper);

}  // namespace hhplus::redis::detail
