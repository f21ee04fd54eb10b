#include "loadgen/http_client.hpp"

#include <poll.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace hhplus::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Steady = std::chrono::steady_clock;

// Largest response body accepted: the API's answers are small JSON (well under 64 KiB); 8 MiB
// leaves room for a list endpoint and still bounds a runaway response.
constexpr std::uint64_t kMaxResponseBody = 8ull << 20;
// Largest response header block: nginx's default large buffers are 4 × 8 KiB.
constexpr std::uint32_t kMaxResponseHeader = 64u << 10;
// Bytes read for the first-byte probe: one typical response (headers + JSON) in one read.
constexpr std::size_t kFirstReadChunk = 16u << 10;
// A kept-alive connection idle this long is probed for a pending close before reuse: servers
// close idle keep-alive connections (nginx after 75 s, the apps sooner), and a probe costs one
// poll(2) — cheap next to a request, pointless on a connection used a moment ago.
constexpr auto kStaleProbeAfter = std::chrono::seconds(1);

Nanos Since(Steady::time_point from, Steady::time_point to) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

bool IsReplayable(const HttpRequest& r) {
    if (r.method == http::verb::get || r.method == http::verb::head || r.method == http::verb::options ||
        r.method == http::verb::trace) {
        return true;
    }
    for (const auto& [k, v] : r.headers) {
        if (beast::iequals(k, "Idempotency-Key") || beast::iequals(k, "X-Idempotency-Key")) return true;
    }
    return false;
}

// k6's error codes (lib/netext/httpext/error_codes.go) for what a socket can report.
void SetTransportError(HttpResponse& resp, const beast::error_code& ec, bool connecting) {
    if (ec == beast::error::timeout) {
        resp.error_code = connecting ? 1211 : 1050;
        resp.error = connecting ? "dial: i/o timeout" : "request timeout";
    } else if (ec == asio::error::connection_refused) {
        resp.error_code = 1212;
        resp.error = "dial: connection refused";
    } else if (ec == asio::error::connection_reset) {
        resp.error_code = 1220;
        resp.error = "read: connection reset by peer";
    } else if (ec == asio::error::broken_pipe) {
        resp.error_code = 1201;
        resp.error = "write: broken pipe";
    } else if (connecting) {
        resp.error_code = 1210;
        resp.error = "dial: " + ec.message();
    } else if (ec == asio::error::eof || ec == http::error::end_of_stream) {
        resp.error_code = 1000;
        resp.error = "EOF";
    } else {
        resp.error_code = 1000;
        resp.error = ec.message();
    }
}

}  // namespace

HttpClient::HttpClient(asio::any_io_executor executor, asio::ip::tcp::endpoint endpoint, std::string host_header)
    : executor_(std::move(executor)), endpoint_(std::move(endpoint)), host_header_(std::move(host_header)) {}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
    if (stream_) {
        beast::error_code ignored;
        stream_->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        stream_->close();
        stream_.reset();
    }
    buffer_.clear();
}

void HttpClient::Interrupt() {
    interrupted_ = true;
    if (stream_) stream_->cancel();
}

bool HttpClient::ConnectionLooksStale() {
    if (Steady::now() - last_used_ < kStaleProbeAfter) return false;
    // Readable while idle means the server closed (EOF pending) or sent something unexpected.
    pollfd pfd{};
    pfd.fd = stream_->socket().native_handle();
    pfd.events = POLLIN;
    return ::poll(&pfd, 1, 0) != 0;
}

asio::awaitable<HttpResponse> HttpClient::Send(HttpRequest request) {
    HttpResponse resp;
    interrupted_ = false;
    const Steady::time_point start = Steady::now();
    const auto deadline = start + std::chrono::nanoseconds(kRequestTimeout);

    http::request<http::string_body> req{request.method, request.target, 11};
    req.set(http::field::host, host_header_);
    req.set(http::field::user_agent, "hhplus-load/1.0 (k6 v1.x semantics)");
    if (!request.cookie.empty()) req.set(http::field::cookie, request.cookie);
    for (const auto& [k, v] : request.headers) req.set(k, v);
    if (!request.body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = std::move(request.body);
    }
    req.prepare_payload();

    if (stream_ && ConnectionLooksStale()) Close();
    beast::error_code ec;
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool reused = stream_.has_value();
        auto fail = [&](bool connecting) {
            SetTransportError(resp, ec, connecting);
            resp.trail.end = Steady::now();
            Close();
        };
        if (!reused) {
            buffer_.clear();
            stream_.emplace(executor_);
            stream_->expires_at(deadline);
            const Steady::time_point connect_start = Steady::now();
            co_await stream_->async_connect(endpoint_, asio::redirect_error(asio::use_awaitable, ec));
            const Steady::time_point connected = Steady::now();
            resp.trail.connecting = Since(connect_start, connected);
            if (interrupted_) break;
            if (ec) {
                resp.trail.blocked = Since(start, connected);
                fail(true);
                co_return resp;
            }
            beast::error_code option_ec;  // Nagle off: requests are small and latency is measured
            stream_->socket().set_option(asio::ip::tcp::no_delay(true), option_ec);
        }
        const Steady::time_point ready = Steady::now();
        resp.trail.blocked = Since(start, ready);
        stream_->expires_at(deadline);

        const std::size_t sent = co_await http::async_write(*stream_, req, asio::redirect_error(asio::use_awaitable, ec));
        const Steady::time_point written = Steady::now();
        if (interrupted_) break;
        if (ec) {
            // Nothing reached a server that had already closed this kept-alive connection: safe
            // to send again on a fresh one, whatever the method (Go's transport does the same).
            if (reused && attempt == 0) {
                Close();
                continue;
            }
            resp.trail.sending = Since(ready, written);
            fail(false);
            co_return resp;
        }
        resp.trail.sending = Since(ready, written);
        resp.trail.bytes_sent = static_cast<std::int64_t>(sent);

        // The first read completes when the first response bytes arrive: k6's "waiting" ends there.
        if (buffer_.size() == 0) {
            const std::size_t n =
                co_await stream_->async_read_some(buffer_.prepare(kFirstReadChunk), asio::redirect_error(asio::use_awaitable, ec));
            buffer_.commit(n);
        }
        const Steady::time_point first_byte = Steady::now();
        if (interrupted_) break;
        if (ec) {
            // The server closed the idle connection as we sent: only a replayable request may go
            // again, since the server may have acted on it.
            const bool closed_before_answer = ec == asio::error::eof || ec == asio::error::connection_reset;
            if (reused && attempt == 0 && closed_before_answer && IsReplayable(request)) {
                Close();
                continue;
            }
            resp.trail.waiting = Since(written, first_byte);
            fail(false);
            co_return resp;
        }
        resp.trail.waiting = Since(written, first_byte);

        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxResponseBody);
        parser.header_limit(kMaxResponseHeader);
        const std::size_t received =
            co_await http::async_read(*stream_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
        const Steady::time_point done = Steady::now();
        if (interrupted_) break;
        resp.trail.receiving = Since(first_byte, done);
        resp.trail.bytes_received = static_cast<std::int64_t>(received);
        if (ec) {
            fail(false);
            co_return resp;
        }
        stream_->expires_never();
        auto& msg = parser.get();
        resp.status = static_cast<int>(msg.result_int());
        resp.proto = msg.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
        if (auto it = msg.find("X-Instance"); it != msg.end()) resp.x_instance = std::string(it->value());
        for (auto range = msg.equal_range(http::field::set_cookie); range.first != range.second; ++range.first) {
            resp.set_cookies.emplace_back(range.first->value());
        }
        const bool keep_alive = msg.keep_alive();
        resp.body = std::move(msg.body());
        resp.trail.end = done;
        last_used_ = done;
        if (!keep_alive) Close();
        co_return resp;
    }
    // Interrupted: the connection's state is unknown, so it is not reused.
    resp.interrupted = true;
    resp.trail.end = Steady::now();
    Close();
    co_return resp;
}

}  // namespace hhplus::loadgen
