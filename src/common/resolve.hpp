#pragma once
// Host-name lookup that never blocks the event loop and never outlives its caller's deadline.
// Used by the Redis client and the DB pool before each connect, so a Compose or Kubernetes
// service name that moves to a new address is found again on the next reconnect.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

namespace hhplus {

// The address of `host` as an IP literal (an IPv4 address when the name has one: our servers
// commonly bind 0.0.0.0 or 127.0.0.1 only, while names like "localhost" often list ::1 first).
// An IP literal is returned as it is, without a lookup.
struct Resolved {
    std::string address;  // set when error is empty
    std::string error;    // for logs: "cannot resolve redis-lock: Host not found", "… timed out"
    bool ok() const { return error.empty(); }
};
boost::asio::awaitable<Resolved> ResolveHost(boost::asio::any_io_executor ex, std::string host,
                                             std::chrono::steady_clock::time_point deadline);

}  // namespace hhplus
