#include "loadgen/http_client.hpp"

#include <poll.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/read.hpp>

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

// A response parser that keeps only what the load generator uses (status, X-Instance,
// Set-Cookie, body): Beast parses, but no per-field allocation happens, which matters at tens of
// thousands of responses a second on one thread.
class LeanResponseParser final : public http::basic_parser<false> {
  public:
    explicit LeanResponseParser(HttpResponse* out) : out_(out) {}

  private:
    void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                         beast::error_code&) override {}
    void on_response_impl(int code, beast::string_view, int version, beast::error_code&) override {
        out_->status = code;
        out_->proto = version == 10 ? "HTTP/1.0" : "HTTP/1.1";
    }
    void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                       beast::error_code&) override {
        if (name == http::field::set_cookie) {
            out_->set_cookies.emplace_back(value);
        } else if (name == http::field::unknown && beast::iequals(name_string, "X-Instance")) {
            out_->x_instance.assign(value.data(), value.size());
        }
    }
    void on_header_impl(beast::error_code&) override {}
    void on_body_init_impl(boost::optional<std::uint64_t> const& length,
                           beast::error_code&) override {
        if (length && *length <= kMaxResponseBody)
            out_->body.reserve(static_cast<std::size_t>(*length));
    }
    std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
        out_->body.append(body.data(), body.size());
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                   beast::error_code&) override {
        out_->body.append(body.data(), body.size());
        return body.size();
    }
    void on_finish_impl(beast::error_code&) override {}

    HttpResponse* out_;
};

// HTTP/1.1 request bytes, built by hand into a reused buffer (Beast's message type allocates a
// node per header field).
void Serialize(const HttpRequest& r, const std::string& host, std::string& out) {
    out.clear();
    const auto method = http::to_string(r.method);
    out.append(method.data(), method.size());
    out += ' ';
    out += r.target;
    out += " HTTP/1.1\r\nHost: ";
    out += host;
    out += "\r\nUser-Agent: hhplus-load/1.0 (k6 v1.x semantics)\r\n";
    if (!r.cookie.empty()) {
        out += "Cookie: ";
        out += r.cookie;
        out += "\r\n";
    }
    for (const auto& [k, v] : r.headers) {
        out += k;
        out += ": ";
        out += v;
        out += "\r\n";
    }
    if (!r.body.empty()) {
        out += "Content-Type: application/json\r\nContent-Length: ";
        out += std::to_string(r.body.size());
        out += "\r\n\r\n";
        out += r.body;
    } else if (r.method == http::verb::post || r.method == http::verb::put ||
               r.method == http::verb::patch) {
        out += "Content-Length: 0\r\n\r\n";
    } else {
        out += "\r\n";
    }
}

bool IsReplayable(const HttpRequest& r) {
    if (r.method == http::verb::get || r.method == http::verb::head ||
        r.method == http::verb::options || r.method == http::verb::trace) {
        return true;
    }
    for (const auto& [k, v] : r.headers) {
        if (beast::iequals(k, "Idempotency-Key") || beast::iequals(k, "X-Idempotency-Key"))
            return true;
    }
    return false;
}

// k6's error codes (lib/netext/httpext/error_codes.go) for what a socket can report.
void SetTransportError(HttpResponse& resp, const beast::error_code& ec, bool connecting,
                       bool timed_out) {
    if (timed_out || ec == beast::error::timeout) {
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

void TimeoutSweeper::Remove(HttpClient* client) {
    clients_.erase(std::remove(clients_.begin(), clients_.end(), client), clients_.end());
}

void TimeoutSweeper::Sweep(Steady::time_point now) {
    for (HttpClient* c : clients_) c->ExpireIfLate(now);
}

HttpClient::HttpClient(asio::any_io_executor executor, asio::ip::tcp::endpoint endpoint,
                       std::string host_header, TimeoutSweeper* sweeper, Nanos request_timeout)
    : executor_(std::move(executor)),
      endpoint_(std::move(endpoint)),
      host_header_(std::move(host_header)),
      sweeper_(sweeper),
      request_timeout_(request_timeout) {
    if (sweeper_ != nullptr) sweeper_->Add(this);
}

HttpClient::~HttpClient() {
    if (sweeper_ != nullptr) sweeper_->Remove(this);
    Close();
}

void HttpClient::Close() {
    if (stream_) {
        beast::error_code ignored;
        stream_->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        stream_->close(ignored);
        stream_.reset();
    }
    buffer_.clear();
}

void HttpClient::Interrupt() {
    interrupted_ = true;
    if (stream_) {
        beast::error_code ignored;
        stream_->cancel(ignored);
    }
}

void HttpClient::ExpireIfLate(Steady::time_point now) {
    if (!in_flight_ || now < deadline_ || timed_out_) return;
    timed_out_ = true;
    if (stream_) {
        beast::error_code ignored;
        stream_->cancel(ignored);
    }
}

bool HttpClient::ConnectionLooksStale() {
    if (Steady::now() - last_used_ < kStaleProbeAfter) return false;
    // Readable while idle means the server closed (EOF pending) or sent something unexpected.
    pollfd pfd{};
    pfd.fd = stream_->native_handle();
    pfd.events = POLLIN;
    return ::poll(&pfd, 1, 0) != 0;
}

asio::awaitable<HttpResponse> HttpClient::Send(HttpRequest request) {
    HttpResponse resp;
    interrupted_ = false;
    timed_out_ = false;
    const Steady::time_point start = Steady::now();
    deadline_ = start + std::chrono::nanoseconds(request_timeout_);
    in_flight_ = true;
    struct InFlight {  // cleared on every way out of this coroutine
        bool& flag;
        ~InFlight() { flag = false; }
    } in_flight_guard{in_flight_};

    Serialize(request, host_header_, request_bytes_);

    if (stream_ && ConnectionLooksStale()) Close();
    beast::error_code ec;
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool reused = stream_.has_value();
        auto fail = [&](bool connecting) {
            SetTransportError(resp, ec, connecting, timed_out_);
            resp.trail.end = Steady::now();
            Close();
        };
        if (!reused) {
            buffer_.clear();
            stream_.emplace(executor_);
            const Steady::time_point connect_start = Steady::now();
            co_await stream_->async_connect(endpoint_,
                                            asio::redirect_error(asio::use_awaitable, ec));
            const Steady::time_point connected = Steady::now();
            resp.trail.connecting = Since(connect_start, connected);
            if (interrupted_) break;
            if (ec || timed_out_) {
                resp.trail.blocked = Since(start, connected);
                fail(true);
                co_return resp;
            }
            beast::error_code option_ec;  // Nagle off: requests are small and latency is measured
            stream_->set_option(asio::ip::tcp::no_delay(true), option_ec);
        }
        const Steady::time_point ready = Steady::now();
        resp.trail.blocked = Since(start, ready);

        const std::size_t sent = co_await asio::async_write(
            *stream_, asio::buffer(request_bytes_), asio::redirect_error(asio::use_awaitable, ec));
        const Steady::time_point written = Steady::now();
        if (interrupted_) break;
        if (ec && !timed_out_) {
            // Nothing reached a server that had already closed this kept-alive connection: safe
            // to send again on a fresh one, whatever the method (Go's transport does the same).
            if (reused && attempt == 0) {
                Close();
                continue;
            }
        }
        if (ec || timed_out_) {
            resp.trail.sending = Since(ready, written);
            fail(false);
            co_return resp;
        }
        resp.trail.sending = Since(ready, written);
        resp.trail.bytes_sent = static_cast<std::int64_t>(sent);

        // The first read completes when the first response bytes arrive: k6's "waiting" ends there.
        if (buffer_.size() == 0) {
            const std::size_t n = co_await stream_->async_read_some(
                buffer_.prepare(kFirstReadChunk), asio::redirect_error(asio::use_awaitable, ec));
            buffer_.commit(n);
        }
        const Steady::time_point first_byte = Steady::now();
        if (interrupted_) break;
        if (ec && !timed_out_) {
            // The server closed the idle connection as we sent: only a replayable request may go
            // again, since the server may have acted on it.
            const bool closed_before_answer =
                ec == asio::error::eof || ec == asio::error::connection_reset;
            if (reused && attempt == 0 && closed_before_answer && IsReplayable(request)) {
                Close();
                continue;
            }
        }
        if (ec || timed_out_) {
            resp.trail.waiting = Since(written, first_byte);
            fail(false);
            co_return resp;
        }
        resp.trail.waiting = Since(written, first_byte);

        resp.set_cookies.clear();
        resp.x_instance.clear();
        resp.body.clear();
        LeanResponseParser parser(&resp);
        parser.body_limit(kMaxResponseBody);
        parser.header_limit(kMaxResponseHeader);
        const std::size_t received = co_await http::async_read(
            *stream_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
        const Steady::time_point done = Steady::now();
        if (interrupted_) break;
        resp.trail.receiving = Since(first_byte, done);
        resp.trail.bytes_received = static_cast<std::int64_t>(received);
        if (ec || timed_out_) {
            resp.status = 0;
            fail(false);
            co_return resp;
        }
        const bool keep_alive = parser.keep_alive();
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
