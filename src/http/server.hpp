#pragma once
// HTTP/1.1 server: one acceptor, one coroutine per connection, keep-alive and pipelining, on the
// process's single io_context. It enforces the transport rules of api.md (limits, timeouts,
// connection cap, request ids, error shape) and calls Router handlers for the rest.
//
// Threading: every member must be called on the io_context's thread (or before it runs), except
// ActiveConnections() and port(), which any thread may read. The Router and Clock must outlive
// every connection (in practice: the io_context's run()).
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace hhplus::http {

struct ServerOptions {
    std::string bind_address = "127.0.0.1";  // an IP literal
    std::uint16_t port = 3000;               // 0: an ephemeral port (tests), see Server::port()
    std::string instance_name;               // X-Instance; empty: "<hostname>:<port>"
    // Beyond this many open connections a new one is answered 503 S001 and closed. 4096 is 4× the
    // largest planned load (1000 virtual users through nginx, one upstream connection each). Each
    // connection costs ~10 KiB here (4 KiB read buffer, coroutine frames, header buffer) → ~40 MiB
    // at the cap, plus kernel socket buffers. Listen() lowers it below RLIMIT_NOFILE (minus
    // descriptors kept for pools and logs) so accept() never fails for want of descriptors.
    std::size_t max_connections = 4096;
    std::size_t header_limit = 8 * 1024;        // Σ header fields → 431 V014
    std::size_t request_line_limit = 8 * 1024;  // request line → 414 V015
    std::size_t body_limit = 16 * 1024;         // body → 413 V013
    // From the first byte of a request to its last header byte (and again for the body): a
    // slow-loris client holding a connection with a trickle of bytes is cut off after 10 s. Also
    // the time a new connection has to send its first request.
    std::chrono::seconds header_timeout{10};
    // Between requests on a keep-alive connection. Longer than nginx's upstream keepalive_timeout
    // (60 s by default) so nginx, not us, closes idle upstream connections: a close racing
    // nginx's next request would fail that request.
    std::chrono::seconds idle_timeout{75};
    // Shutdown() waits this long for in-flight requests (api.md: pools close within 10 s).
    std::chrono::seconds drain_timeout{10};
};

// One answered request, for metrics. `route` is the matched pattern, or kUnmatchedRoute.
struct RequestRecord {
    std::string_view route;
    Method method;
    int status;
    double seconds;  // from the request's first byte to its response written
};

// The route label of requests that matched no route (404, transport errors, 503 at the door):
// one label value, so unknown paths cannot grow the metrics' cardinality.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

namespace detail {
struct ServerCore;
}

class Server {
  public:
    Server(boost::asio::io_context& io, ServerOptions options, const Router& router,
           const Clock& clock);
    // Hard stop: closes the acceptor and every connection without waiting (call Shutdown first
    // for a graceful one).
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Metrics hook, called once per response (errors included) after it has been written.
    void SetObserver(std::function<void(const RequestRecord&)> observer);

    // Binds, listens and starts accepting. Returns an error text (bad address, port in use...)
    // or nullopt.
    std::optional<std::string> Listen();

    // Graceful drain (api.md "Graceful drain"): closes the listening socket first, closes idle
    // keep-alive connections, lets in-flight requests finish and answers them with
    // `Connection: close`; after drain_timeout closes what is left. Returns when every
    // connection is gone or the timeout has passed.
    boost::asio::awaitable<void> Shutdown();

    std::size_t ActiveConnections() const;
    std::uint16_t port() const;  // the bound port (the ephemeral one when options.port was 0)

  private:
    std::shared_ptr<detail::ServerCore> core_;
};

}  // namespace hhplus::http
