// The HTTP server in-process on an ephemeral loopback port, driven by a raw-socket client, so the
// bytes on the wire (limits, keep-alive, pipelining, close behaviour) are what is tested.
#include "http/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <cerrno>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/json.hpp"

namespace hhplus::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Every wait in these tests is bounded by this (a loaded 2-core machine must not flake).
constexpr auto kWait = std::chrono::seconds(15);

// ---- a raw HTTP/1.1 client ----------------------------------------------------------------

struct HttpResponse {
    int status = 0;
    std::multimap<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string Header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    bool Has(const std::string& name) const { return headers.count(name) > 0; }
};

class Client {
  public:
    explicit Client(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~Client() { Close(); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    bool connected() const { return fd_ >= 0; }
    void Close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    bool Send(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // One response; nullopt on EOF, reset or kWait without a complete response.
    std::optional<HttpResponse> Read(bool head_request = false) {
        const auto deadline = std::chrono::steady_clock::now() + kWait;
        std::size_t end;
        while ((end = buffered_.find("\r\n\r\n")) == std::string::npos) {
            if (!Fill(deadline)) return std::nullopt;
        }
        HttpResponse r;
        const std::string head = buffered_.substr(0, end + 2);
        buffered_.erase(0, end + 4);
        std::size_t line_end = head.find("\r\n");
        const std::string status_line = head.substr(0, line_end);
        if (status_line.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
        r.status = std::stoi(status_line.substr(9, 3));
        std::size_t pos = line_end + 2;
        while (pos < head.size()) {
            const std::size_t e = head.find("\r\n", pos);
            const std::string line = head.substr(pos, e - pos);
            pos = e + 2;
            const std::size_t colon = line.find(':');
            std::string name = line.substr(0, colon);
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            r.headers.emplace(name, value);
        }
        std::size_t length = 0;
        if (r.Has("content-length") && !head_request)
            length = std::stoul(r.Header("content-length"));
        while (buffered_.size() < length) {
            if (!Fill(deadline)) return std::nullopt;
        }
        r.body = buffered_.substr(0, length);
        buffered_.erase(0, length);
        return r;
    }

    // True when the server closes (EOF or reset) within kWait; what it sent is dropped.
    bool WaitClosed(std::string* received = nullptr) {
        const auto deadline = std::chrono::steady_clock::now() + kWait;
        for (;;) {
            const std::size_t before = buffered_.size();
            if (!Fill(deadline)) return !timed_out_;
            if (received != nullptr) received->append(buffered_, before);
        }
    }

    std::string& buffered() { return buffered_; }

  private:
    // Reads what is available; false on EOF/error/deadline (timed_out_ tells which).
    bool Fill(std::chrono::steady_clock::time_point deadline) {
        timed_out_ = false;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) {
            timed_out_ = true;
            return false;
        }
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready == 0) {
            timed_out_ = true;
            return false;
        }
        char buf[16384];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return false;
        buffered_.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    int fd_ = -1;
    std::string buffered_;
    bool timed_out_ = false;
};

std::string Get(const std::string& path, const std::string& extra = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

std::string Post(const std::string& path, const std::string& body,
                 const std::string& type = "application/json") {
    return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

void ExpectError(const std::optional<HttpResponse>& r, int status, const std::string& code) {
    ASSERT_TRUE(r.has_value()) << "no response, expected " << status;
    EXPECT_EQ(r->status, status);
    EXPECT_NE(r->body.find("\"errorCode\":\"" + code + "\""), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("\"timestamp\":\""), std::string::npos) << r->body;
    EXPECT_FALSE(r->Header("x-request-id").empty());
    EXPECT_EQ(r->Header("x-instance"), "test-instance");
    EXPECT_EQ(r->Header("content-length"), std::to_string(r->body.size()));
}

// ---- test routes --------------------------------------------------------------------------

// Holds the slow handler until the test opens it. Touched on the io thread only, except
// `started`.
struct Gate {
    asio::steady_timer* timer = nullptr;
    bool open = false;
    std::atomic<int> started{0};
};

asio::awaitable<Response> Hello(Request) { co_return Json(200, R"({"hello":"world"})"); }

asio::awaitable<Response> Echo(Request req) {
    JsonWriter w;
    w.StartObject().Key("body").String(req.body).Key("query").String(req.query);
    w.Key("path").String(req.path).Key("requestId").String(req.request_id);
    w.Key("route").String(req.route).EndObject();
    co_return Json(200, w.Finish());
}

asio::awaitable<Response> Item(Request req) {
    JsonWriter w;
    w.StartObject().Key("id").Int(req.PathId("itemId")).EndObject();
    co_return Json(200, w.Finish());
}

asio::awaitable<Response> Throw(Request) {
    throw std::runtime_error("secret database text");
    co_return Json(200, "{}");
}

asio::awaitable<Response> Slow(Gate* gate, Request) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(std::chrono::minutes(5));
    if (!gate->open) {
        gate->timer = &timer;
        gate->started.fetch_add(1);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        gate->timer = nullptr;
    }
    co_return Json(200, R"({"slow":true})");
}

class Harness {
  public:
    explicit Harness(ServerOptions options = {}) {
        options.bind_address = "127.0.0.1";
        options.port = 0;
        options.instance_name = "test-instance";
        router_.Add(Method::kGet, "/t/hello", Hello);
        router_.Add(Method::kPost, "/t/echo", Echo, BodyKind::kJson);
        router_.Add(Method::kGet, "/t/items/{itemId}", Item);
        router_.Add(Method::kPatch, "/t/items/{itemId}", Item, BodyKind::kJson);
        router_.Add(Method::kGet, "/t/throw", Throw);
        Gate* gate = &gate_;
        router_.Add(Method::kGet, "/t/slow",
                    [gate](Request r) { return Slow(gate, std::move(r)); });
        server_ = std::make_unique<Server>(io_, options, router_, clock_);
        server_->SetObserver([this](const RequestRecord& r) {
            std::lock_guard lock(mu_);
            records_.push_back({std::string(r.route), r.method, r.status});
        });
        const auto error = server_->Listen();
        if (error) throw std::runtime_error(*error);
        thread_ = std::thread([this] { io_.run(); });
    }

    ~Harness() {
        OpenGate();
        if (!shutdown_) StartShutdown().wait_for(kWait);
        thread_.join();
    }

    std::uint16_t port() const { return server_->port(); }
    Server& server() { return *server_; }

    std::future<void> StartShutdown() {
        shutdown_ = true;
        Server* s = server_.get();
        return asio::co_spawn(
            io_, [s] { return s->Shutdown(); }, asio::use_future);
    }

    void OpenGate() {
        Gate* gate = &gate_;
        asio::post(io_, [gate] {
            gate->open = true;
            if (gate->timer != nullptr) gate->timer->cancel();
        });
    }
    bool WaitGateStarted(int count = 1) {
        return WaitFor([&] { return gate_.started.load() >= count; });
    }

    struct Record {
        std::string route;
        Method method;
        int status;
    };
    std::vector<Record> records() {
        std::lock_guard lock(mu_);
        return records_;
    }

    template <class Pred>
    static bool WaitFor(Pred pred) {
        const auto deadline = std::chrono::steady_clock::now() + kWait;
        while (!pred()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(5ms);  // polling a condition, bounded by the deadline
        }
        return true;
    }

  private:
    asio::io_context io_;
    SystemClock clock_;
    Router router_;
    Gate gate_;
    std::unique_ptr<Server> server_;
    std::thread thread_;
    bool shutdown_ = false;
    std::mutex mu_;
    std::vector<Record> records_;
};

// ---- tests --------------------------------------------------------------------------------

TEST(HttpServer, KeepAliveServesManyRequestsOnOneConnection) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(c.connected());
    for (int i = 1; i <= 100; ++i) {
        ASSERT_TRUE(c.Send(Get("/t/items/" + std::to_string(i))));
        const auto r = c.Read();
        ASSERT_TRUE(r.has_value()) << "request " << i;
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->body, "{\"id\":" + std::to_string(i) + "}");
        EXPECT_EQ(r->Header("content-type"), "application/json; charset=utf-8");
        EXPECT_EQ(r->Header("content-length"), std::to_string(r->body.size()));
        EXPECT_EQ(r->Header("x-instance"), "test-instance");
        EXPECT_FALSE(r->Header("x-request-id").empty());
        EXPECT_FALSE(r->Has("connection"));
    }
    EXPECT_EQ(h.server().ActiveConnections(), 1u);
    ASSERT_TRUE(Harness::WaitFor([&] { return h.records().size() >= 100; }));
    const auto records = h.records();
    EXPECT_EQ(records.back().route, "/t/items/{itemId}");
    EXPECT_EQ(records.back().method, Method::kGet);
    EXPECT_EQ(records.back().status, 200);
}

TEST(HttpServer, RequestIdIsEchoedWhenSaneElseGenerated) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(
        c.Send("POST /t/echo?a=1 HTTP/1.1\r\nHost: t\r\nX-Request-Id: run-7.abc_DEF\r\n"
               "Content-Length: 0\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->Header("x-request-id"), "run-7.abc_DEF");
    EXPECT_NE(r->body.find("\"requestId\":\"run-7.abc_DEF\""), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("\"query\":\"a=1\""), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("\"route\":\"/t/echo\""), std::string::npos) << r->body;

    ASSERT_TRUE(c.Send(Get("/t/hello", "X-Request-Id: has space\r\n")));
    r = c.Read();
    ASSERT_TRUE(r.has_value());
    const std::string generated = r->Header("x-request-id");
    EXPECT_EQ(generated.size(), 16u) << generated;
    EXPECT_EQ(generated.find(' '), std::string::npos);

    ASSERT_TRUE(c.Send(Get("/t/hello", "X-Request-Id: " + std::string(65, 'a') + "\r\n")));
    r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->Header("x-request-id").size(), 16u);

    // Errors carry it too.
    ASSERT_TRUE(c.Send(Get("/nope", "X-Request-Id: err-1\r\n")));
    r = c.Read();
    ExpectError(r, 404, "V404");
    EXPECT_EQ(r->Header("x-request-id"), "err-1");
}

TEST(HttpServer, PercentEncodedPathIsDecodedBeforeRouting) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(c.Send(Get("/t/items/%34%32")));
    auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "{\"id\":42}");
    ASSERT_TRUE(c.Send(Get("/t/items/%zz")));
    ExpectError(c.Read(), 400, "V001");
    ASSERT_TRUE(c.Send(Get("/t/items/1%00")));
    ExpectError(c.Read(), 400, "V001");
}

TEST(HttpServer, BodyTooLargeByContentLengthIsAnsweredWithoutTheBody) {
    Harness h;
    Client c(h.port());
    // Only the header is sent: the answer must not wait for the 100 000 announced bytes.
    ASSERT_TRUE(
        c.Send("POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               "Content-Length: 100000\r\n\r\n"));
    const auto r = c.Read();
    ExpectError(r, 413, "V013");
    EXPECT_EQ(r->Header("connection"), "close");
    EXPECT_TRUE(c.WaitClosed());
}

TEST(HttpServer, BodyTooLargeIsCheckedBeforeTheRoute) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(c.Send("POST /unknown HTTP/1.1\r\nHost: t\r\nContent-Length: 16385\r\n\r\n"));
    ExpectError(c.Read(), 413, "V013");
    EXPECT_TRUE(c.WaitClosed());
}

TEST(HttpServer, BodyTooLargeWhenChunked) {
    Harness h;
    Client c(h.port());
    std::string req =
        "POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 6; ++i) req += "1000\r\n" + std::string(4096, 'x') + "\r\n";
    req += "0\r\n\r\n";
    ASSERT_TRUE(c.Send(req));
    const auto r = c.Read();
    ExpectError(r, 413, "V013");
    EXPECT_EQ(r->Header("connection"), "close");
    EXPECT_TRUE(c.WaitClosed());
}

TEST(HttpServer, ChunkedBodyWithinTheLimitIsAccepted) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(
        c.Send("POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n"));
    const auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find(R"("body":"{\"a\":1}")"), std::string::npos) << r->body;
}

TEST(HttpServer, RequestLineTooLong) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(c.Send(Get("/t/hello?q=" + std::string(9000, 'a'))));
    const auto r = c.Read();
    ExpectError(r, 414, "V015");
    EXPECT_EQ(r->Header("connection"), "close");
    EXPECT_TRUE(c.WaitClosed());
}

TEST(HttpServer, HeadersTooLarge) {
    Harness h;
    {
        Client c(h.port());
        std::string extra;
        for (int i = 0; i < 10; ++i)
            extra += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'p') + "\r\n";
        ASSERT_TRUE(c.Send(Get("/t/hello", extra)));
        const auto r = c.Read();
        ExpectError(r, 431, "V014");
        EXPECT_EQ(r->Header("connection"), "close");
        EXPECT_TRUE(c.WaitClosed());
    }
    {
        Client c(h.port());  // one enormous header
        ASSERT_TRUE(c.Send(Get("/t/hello", "X-Big: " + std::string(20000, 'p') + "\r\n")));
        ExpectError(c.Read(), 431, "V014");
        EXPECT_TRUE(c.WaitClosed());
    }
}

TEST(HttpServer, UnsupportedMediaTypeForJsonRoutes) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(c.Send(Post("/t/echo", "{}", "text/plain")));
    auto r = c.Read();
    ExpectError(r, 415, "V003");
    EXPECT_FALSE(r->Has("connection"));  // the body was read: the connection goes on
    ASSERT_TRUE(c.Send(Post("/t/echo", "{}", "Application/JSON ; charset=UTF-8")));
    r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    // No body, no content type: fine.
    ASSERT_TRUE(c.Send("POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
    r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    // A body without a content type.
    ASSERT_TRUE(c.Send("POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}"));
    ExpectError(c.Read(), 415, "V003");
    // 415 comes before a bad path id.
    ASSERT_TRUE(
        c.Send("PATCH /t/items/abc HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
               "Content-Length: 2\r\n\r\n{}"));
    ExpectError(c.Read(), 415, "V003");
}

TEST(HttpServer, RoutingErrors) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(c.Send(Get("/api/nothing")));
    ExpectError(c.Read(), 404, "V404");
    ASSERT_TRUE(c.Send("DELETE /t/items/1 HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto r = c.Read();
    ExpectError(r, 405, "V405");
    EXPECT_EQ(r->Header("allow"), "GET, PATCH");
    for (const char* id :
         {"abc", "0", "-1", "1.5", "0x10", "%2B1", "12345678901234567890", "9223372036854775808"}) {
        ASSERT_TRUE(c.Send(Get(std::string("/t/items/") + id)));
        ExpectError(c.Read(), 400, "V001");
    }
    ASSERT_TRUE(c.Send(Get("/t/items/9223372036854775807")));
    r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    // HEAD is an unknown method here; the answer has the length of its body but no body.
    ASSERT_TRUE(c.Send("HEAD /t/hello HTTP/1.1\r\nHost: t\r\n\r\n"));
    r = c.Read(/*head_request=*/true);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 405);
    EXPECT_TRUE(r->body.empty());
    ASSERT_TRUE(c.Send(Get("/t/hello")));  // framing intact after HEAD
    r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, R"({"hello":"world"})");
    // Unmatched requests share one metrics label.
    ASSERT_TRUE(Harness::WaitFor([&] { return h.records().size() >= 13; }));
    EXPECT_EQ(h.records().front().route, kUnmatchedRoute);
    EXPECT_EQ(h.records().front().status, 404);
}

TEST(HttpServer, MalformedRequestIsAnswered400AndClosed) {
    Harness h;
    {
        Client c(h.port());
        ASSERT_TRUE(c.Send("GARBAGE\r\n\r\n"));
        const auto r = c.Read();
        ExpectError(r, 400, "V001");
        EXPECT_EQ(r->Header("connection"), "close");
        EXPECT_TRUE(c.WaitClosed());
    }
    {
        Client c(h.port());
        ASSERT_TRUE(c.Send("GET /t/hello HTTP/1.1\r\nNo colon here\r\n\r\n"));
        ExpectError(c.Read(), 400, "V001");
        EXPECT_TRUE(c.WaitClosed());
    }
    {
        Client c(h.port());  // absolute-form target
        ASSERT_TRUE(c.Send("GET http://t/t/hello HTTP/1.1\r\nHost: t\r\n\r\n"));
        ExpectError(c.Read(), 400, "V001");
    }
}

TEST(HttpServer, HandlerExceptionIs500WithoutItsText) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(c.Send(Get("/t/throw")));
    const auto r = c.Read();
    ExpectError(r, 500, "S500");
    EXPECT_EQ(r->body.find("secret"), std::string::npos);
    ASSERT_TRUE(c.Send(Get("/t/hello")));  // the connection survives
    const auto again = c.Read();
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->status, 200);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(c.Send(Get("/t/items/1") + Post("/t/echo", R"({"n":2})") + Get("/t/items/3") +
                       Get("/nope") + Get("/t/items/5")));
    auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, "{\"id\":1}");
    r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_NE(r->body.find(R"("body":"{\"n\":2}")"), std::string::npos) << r->body;
    r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, "{\"id\":3}");
    ExpectError(c.Read(), 404, "V404");
    r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, "{\"id\":5}");
}

TEST(HttpServer, ExpectContinueGetsAnInterimResponse) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(
        c.Send("POST /t/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
    auto interim = c.Read();
    ASSERT_TRUE(interim.has_value());
    EXPECT_EQ(interim->status, 100);
    ASSERT_TRUE(c.Send("{}"));
    const auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, Http10WithoutKeepAliveIsClosed) {
    Harness h;
    Client c(h.port());
    ASSERT_TRUE(c.Send("GET /t/hello HTTP/1.0\r\n\r\n"));
    const auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Header("connection"), "close");
    EXPECT_TRUE(c.WaitClosed());

    Client k(h.port());
    ASSERT_TRUE(k.Send("GET /t/hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    const auto kr = k.Read();
    ASSERT_TRUE(kr.has_value());
    EXPECT_EQ(kr->Header("connection"), "keep-alive");
}

TEST(HttpServer, SlowHeaderIsCutOffAfterHeaderTimeout) {
    ServerOptions options;
    options.header_timeout = std::chrono::seconds(1);
    Harness h(options);
    Client partial(h.port());
    ASSERT_TRUE(partial.Send("GET /t/hello HTTP/1.1\r\nHost: t\r\nX-Slow: "));
    Client silent(h.port());  // connects and never sends
    std::string received;
    EXPECT_TRUE(partial.WaitClosed(&received));
    EXPECT_TRUE(received.empty()) << received;
    EXPECT_TRUE(silent.WaitClosed());
    EXPECT_TRUE(Harness::WaitFor([&] { return h.server().ActiveConnections() == 0; }));
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
    ServerOptions options;
    options.idle_timeout = std::chrono::seconds(1);
    Harness h(options);
    Client c(h.port());
    ASSERT_TRUE(c.Send(Get("/t/hello")));
    ASSERT_TRUE(c.Read().has_value());
    EXPECT_TRUE(c.WaitClosed());
}

TEST(HttpServer, ConnectionsBeyondTheCapGet503) {
    ServerOptions options;
    options.max_connections = 2;
    Harness h(options);
    Client a(h.port()), b(h.port());
    for (Client* c : {&a, &b}) {
        ASSERT_TRUE(c->Send(Get("/t/hello")));
        ASSERT_TRUE(c->Read().has_value());
    }
    ASSERT_EQ(h.server().ActiveConnections(), 2u);
    {
        Client over(h.port());
        ASSERT_TRUE(over.connected());
        const auto r = over.Read();  // answered without sending anything
        ExpectError(r, 503, "S001");
        EXPECT_EQ(r->Header("retry-after"), "1");
        EXPECT_EQ(r->Header("connection"), "close");
        EXPECT_TRUE(over.WaitClosed());
    }
    a.Close();
    ASSERT_TRUE(Harness::WaitFor([&] { return h.server().ActiveConnections() == 1; }));
    Client again(h.port());
    ASSERT_TRUE(again.Send(Get("/t/hello")));
    const auto r = again.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, GracefulShutdownFinishesInFlightAndClosesIdle) {
    Harness h;
    Client idle(h.port());
    ASSERT_TRUE(idle.Send(Get("/t/hello")));
    ASSERT_TRUE(idle.Read().has_value());
    Client busy(h.port());
    ASSERT_TRUE(busy.Send(Get("/t/slow")));
    ASSERT_TRUE(h.WaitGateStarted());

    auto done = h.StartShutdown();
    std::string received;
    EXPECT_TRUE(idle.WaitClosed(&received));  // idle keep-alive connection: closed
    EXPECT_TRUE(received.empty()) << received;
    // The listening socket is closed: new connections are refused.
    EXPECT_TRUE(Harness::WaitFor([&] { return !Client(h.port()).connected(); }));
    // The in-flight request holds the drain open.
    EXPECT_NE(done.wait_for(0s), std::future_status::ready);

    h.OpenGate();
    const auto r = busy.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"slow":true})");
    EXPECT_EQ(r->Header("connection"), "close");
    EXPECT_TRUE(busy.WaitClosed());
    busy.Close();  // ends the server's linger at once
    EXPECT_EQ(done.wait_for(kWait), std::future_status::ready);
    EXPECT_EQ(h.server().ActiveConnections(), 0u);
}

TEST(HttpServer, ShutdownGivesUpAfterDrainTimeout) {
    ServerOptions options;
    options.drain_timeout = std::chrono::seconds(1);
    Harness h(options);
    Client busy(h.port());
    ASSERT_TRUE(busy.Send(Get("/t/slow")));
    ASSERT_TRUE(h.WaitGateStarted());
    auto done = h.StartShutdown();
    EXPECT_EQ(done.wait_for(kWait), std::future_status::ready);
    std::string received;
    EXPECT_TRUE(busy.WaitClosed(&received));  // cut without an answer
    EXPECT_TRUE(received.empty()) << received;
}

TEST(HttpServer, ListenReportsAPortInUse) {
    Harness h;
    asio::io_context io;
    SystemClock clock;
    Router router;
    ServerOptions options;
    options.port = h.port();
    Server second(io, options, router, clock);
    const auto error = second.Listen();
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find(std::to_string(h.port())), std::string::npos) << *error;

    ServerOptions bad;
    bad.bind_address = "not-an-ip";
    Server third(io, bad, router, clock);
    EXPECT_TRUE(third.Listen().has_value());
}

}  // namespace
}  // namespace hhplus::http
