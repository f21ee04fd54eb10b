#pragma once
// Internal: the reconnecting part shared by Client and Subscriber. A Link owns at most one
// Connection at a time; its supervisor coroutine connects, waits for the connection to drop,
// backs off and reconnects, until Stop. Subclasses (Client::State, Subscriber::State) own what
// is pending on the connection and are told when it comes up and when it goes down.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "redis/client.hpp"
#include "redis/connection.hpp"

namespace hhplus::redis::detail {

class Link : public ConnectionListener, public std::enable_shared_from_this<Link> {
  public:
    // `kind` ("client", "subscriber") and options.role name the link in logs.
    Link(boost::asio::any_io_executor ex, Endpoint endpoint, ClientOptions options,
         const std::string& kind);
    virtual ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    void Start();
    // Closes the connection (subclasses fail what is pending with kCancelled) and ends the
    // supervisor at its next wake-up.
    void Stop();
    bool connected() const { return connected_; }
    bool stopped() const { return stopped_; }
    const ClientOptions& options() const { return options_; }
    const boost::asio::any_io_executor& executor() const { return ex_; }

  protected:
    // The running connection; non-null exactly while connected().
    Connection* connection() const { return connected_ ? conn_.get() : nullptr; }
    // Drops the connection if the oldest reply it still owes was asked for at `oldest` and is
    // kWedgedAfterTimeouts command timeouts overdue. Returns true if it dropped it.
    bool DropIfWedged(std::chrono::steady_clock::time_point oldest);
    // The connection is up and running (connected() is true).
    virtual void OnUp(bool is_reconnect) = 0;
    // The connection is gone: fail everything pending with `why`.
    virtual void OnDown(const Error& why) = 0;
    // Called once per command_timeout while connected, if WantsTicks().
    virtual bool WantsTicks() const { return false; }
    virtual void OnTick() {}

  private:
    void OnClosed(const Error& why) final;
    void OnSent(std::size_t commands) final;
    std::chrono::milliseconds NextBackoff();
    std::vector<std::vector<std::string>> Handshake() const;
    static boost::asio::awaitable<void> Supervise(std::shared_ptr<Link> self, std::uint64_t run);

    boost::asio::any_io_executor ex_;
    Endpoint endpoint_;
    ClientOptions options_;
    std::string name_;       // log prefix
    std::string name_role_;  // CLIENT SETNAME value, empty without a role
    boost::asio::steady_timer backoff_timer_;
    boost::asio::steady_timer down_signal_;  // the supervisor waits on it while connected
    std::shared_ptr<Connection> conn_;       // connecting or connected
    std::chrono::milliseconds backoff_;
    std::minstd_rand jitter_;
    std::uint64_t run_ = 0;  // bumped by Start and Stop: an old supervisor exits
    bool connected_ = false;
    bool running_ = false;  // between Start and Stop
    bool stopped_ = false;  // Stop was called (and no Start since): callers get kCancelled
};

}  // namespace hhplus::redis::detail
