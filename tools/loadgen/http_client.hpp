#pragma once
// One VU's HTTP/1.1 connection: keep-alive, k6's request timings, k6's transport error codes.
//
// Contract: Send() suspends; it never throws for network trouble (the response carries status 0,
// error_code and error instead). Timeouts (kRequestTimeout) apply when a TimeoutSweeper is given.
// Interrupt() may be called while Send() is suspended: the response then comes back with
// interrupted = true and no timings are trustworthy (the runner records nothing for it, as k6 drops
// the samples of a request cut by a hard stop). One request at a time per client; the client must
// outlive the Send() coroutine.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/duration.hpp"

namespace hhplus::loadgen {

// k6's trail: where the time of one request went.
struct HttpTrail {
    Nanos blocked = 0;     // waiting for a usable connection (incl. connecting)
    Nanos connecting = 0;  // TCP connect
    Nanos sending = 0;     // writing the request
    Nanos waiting = 0;     // request written → first response byte
    Nanos receiving = 0;   // first byte → response complete
    std::int64_t bytes_sent = 0;
    std::int64_t bytes_received = 0;
    std::chrono::steady_clock::time_point end{};

    Nanos Duration() const { return sending + waiting + receiving; }  // k6's http_req_duration
};

struct HttpRequest {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string target;  // "/api/coupons/1/issue"
    std::string body;    // sent as application/json when not empty
    std::string cookie;  // Cookie header value; empty: none
    std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
    int status = 0;  // 0: no response
    std::string body;
    std::string x_instance;
    std::vector<std::string> set_cookies;
    std::string proto;   // "HTTP/1.1"
    int error_code = 0;  // k6 error code of a transport failure (1050 timeout, 1212 refused, ...)
    std::string error;   // its message
    bool interrupted = false;
    HttpTrail trail;
};

// What a VU sends requests through: the real client below, or a fake in unit tests.
class Transport {
  public:
    virtual ~Transport() = default;
    virtual boost::asio::awaitable<HttpResponse> Send(HttpRequest request) = 0;
    virtual void Interrupt() = 0;
};

// k6's default request timeout (60 s): connect, write and read of one request must fit in it.
// -e REQUEST_TIMEOUT changes it (k6 scripts set params.timeout per request).
constexpr Nanos kRequestTimeout = 60 * kSecond;

class HttpClient;

// Request timeouts without a timer per request: clients register here, and the runner calls
// Sweep() every kTimeoutSweepInterval to cancel the requests past their deadline. Arming and
// cancelling a timer for every read and write (what beast::tcp_stream does) costs more at tens of
// thousands of requests a second than the whole check below.
class TimeoutSweeper {
  public:
    void Add(HttpClient* client) { clients_.push_back(client); }
    void Remove(HttpClient* client);
    void Sweep(std::chrono::steady_clock::time_point now);

  private:
    std::vector<HttpClient*> clients_;
};

// A 60 s timeout swept every second fires between 60 and 61 s: precise enough for k6's
// "request timeout" (error 1050), which exists to unstick a run, not to measure.
constexpr auto kTimeoutSweepInterval = std::chrono::seconds(1);

class HttpClient final : public Transport {
  public:
    // `sweeper` may be null: then requests have no timeout.
    HttpClient(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint endpoint,
               std::string host_header, TimeoutSweeper* sweeper = nullptr,
               Nanos request_timeout = kRequestTimeout);
    ~HttpClient() override;
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    boost::asio::awaitable<HttpResponse> Send(HttpRequest request) override;
    void Interrupt() override;
    void Close();
    // Called by the sweeper: cancels the request in flight if its deadline has passed.
    void ExpireIfLate(std::chrono::steady_clock::time_point now);

  private:
    bool ConnectionLooksStale();

    boost::asio::any_io_executor executor_;
    boost::asio::ip::tcp::endpoint endpoint_;
    std::string host_header_;
    TimeoutSweeper* sweeper_;
    Nanos request_timeout_;
    std::optional<boost::asio::ip::tcp::socket> stream_;
    std::chrono::steady_clock::time_point deadline_{};
    bool in_flight_ = false;
    bool timed_out_ = false;
    boost::beast::flat_buffer buffer_;
    std::string request_bytes_;  // the serialized request, reused (no allocation once warm)
    std::chrono::steady_clock::time_point last_used_{};
    bool interrupted_ = false;
};

}  // namespace hhplus::loadgen
