#include "http/server.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/intrusive/list.hpp>
#include <cerrno>
#include <limits>

#include "common/log.hpp"
#include "http/error_table.hpp"
#include "http/request_id.hpp"
#include "http/request_parser.hpp"
#include "http/response_writer.hpp"

namespace hhplus::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

// One read asks for up to 4 KiB: a typical API request (200–800 bytes through nginx) arrives in
// one read with room for a few pipelined ones; 4096 connections × 4 KiB = 16 MiB of buffers.
constexpr std::size_t kReadChunk = std::size_t{4} * 1024;
// Our largest response (100 balance-log rows ≈ 20 KiB) fits the socket buffers at once; a client
// that reads nothing for 10 s is gone.
constexpr auto kWriteTimeout = std::chrono::seconds(10);
// After a final response we stop sending and read (and drop) what the client still sends, so
// our close does not turn into a RST that destroys the response before the client reads it.
// A client whose body we refused has at most its socket buffers plus the body in flight: 1 MiB
// and 1 s cover that on loopback and LAN; beyond either we close anyway.
constexpr auto kLingerTimeout = std::chrono::seconds(1);
constexpr std::size_t kLingerBytes = std::size_t{1024} * 1024;
// Timeouts are enforced by one sweep over all connections every 250 ms (4 wake-ups a second
// over ≤ max_connections entries, no timer work per request): a deadline is hit at most 250 ms
// late, against timeouts of seconds.
constexpr auto kSweepInterval = std::chrono::milliseconds(250);
// Descriptors kept out of max_connections: DB pool (≤ 256, DB_POOL_SIZE) + Redis connections
// (3 roles + lock masters + pub/sub ≈ 10) + listener, logs, timers (≈ 10), rounded up.
constexpr std::size_t kReservedDescriptors = 300;
// Connections being refused with 503 linger up to kLingerTimeout each; beyond this many at once
// a new one is simply closed (a flood must not grow memory without bound).
constexpr std::size_t kMaxRejecting = 256;
// accept() out of descriptors (EMFILE/ENFILE): retrying at once would spin the loop.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);
// Kernel queue of completed handshakes not yet accepted: a burst of 1024 new connections (the
// stage's largest VU ramp) waits there while the loop is busy. Capped by net.core.somaxconn.
constexpr int kListenBacklog = 1024;
// A response head (status line + ~6 headers) is ~250 bytes; Set-Cookie adds ~120.
constexpr std::size_t kHeadReserve = 512;

constexpr std::string_view k100Continue = "HTTP/1.1 100 Continue\r\n\r\n";

constexpr SteadyTime kNever = SteadyTime::max();

}  // namespace

namespace detail {

enum class Phase { kIdle, kReading, kHandling, kWriting, kLinger };

using ConnectionHook =
    boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

// One open socket. Lives in its session coroutine's frame; linked into ServerCore::connections
// so the sweeper and Shutdown can reach it, unlinked by its destructor.
struct Connection : ConnectionHook {
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    SteadyTime deadline = kNever;  // the sweeper cancels the socket's operation past this
    Phase phase = Phase::kIdle;
    bool cut = false;  // timed out or force-closed: the session must end at its next step
};

// State shared by the Server object, the accept loop, the sweeper and every session, so none
// depends on the lifetime of another.
struct ServerCore {
    ServerCore(asio::io_context& io_context, ServerOptions opts, const Router& r, const Clock& c)
        : io(io_context),
          options(std::move(opts)),
          router(r),
          clock(c),
          acceptor(io_context),
          sweep_timer(io_context),
          drained_timer(io_context) {
        limits.request_line = options.request_line_limit;
        limits.headers = options.header_limit;
        limits.body = options.body_limit;
    }

    void Arm(Connection& conn, Phase phase, std::chrono::steady_clock::duration timeout) {
        conn.phase = phase;
        conn.deadline = timeout == std::chrono::steady_clock::duration::max()
                            ? kNever
                            : clock.Steady() + timeout;
    }

    std::int64_t NowMs() const { return ToEpochMillis(clock.Now()); }

    std::string_view Date() {
        const auto secs =
            std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch())
                .count();
        if (secs != date_second) {
            date = FormatHttpDate(secs);
            date_second = secs;
        }
        return date;
    }

    void Observe(std::string_view route, Method method, int status, SteadyTime started) {
        if (!observer) return;
        const std::chrono::duration<double> took = clock.Steady() - started;
        observer(
            RequestRecord{route.empty() ? kUnmatchedRoute : route, method, status, took.count()});
    }

    void MaybeDrained() {
        if (draining && active.load(std::memory_order_relaxed) == 0 && rejecting == 0) {
            drained_timer.cancel();
        }
    }

    void Cut(Connection& conn) {
        conn.cut = true;
        conn.deadline = kNever;
        error_code ignored;
        conn.socket.shutdown(tcp::socket::shutdown_both, ignored);
        conn.socket.cancel(ignored);
    }

    void CutAll() {
        for (Connection& conn : connections) Cut(conn);
    }

    asio::io_context& io;
    const ServerOptions options;
    const Router& router;
    const Clock& clock;
    ParserLimits limits;
    std::function<void(const RequestRecord&)> observer;
    tcp::acceptor acceptor;
    asio::steady_timer sweep_timer;
    asio::steady_timer drained_timer;  // Shutdown waits on it; the last session cancels it
    boost::intrusive::list<Connection, boost::intrusive::constant_time_size<false>> connections;
    std::atomic<std::size_t> active{0};  // served connections (accepted, not refused)
    std::size_t rejecting = 0;           // connections being refused with 503
    std::size_t max_connections = 0;     // options.max_connections, lowered by Listen
    std::atomic<std::uint16_t> port{0};
    std::string instance;
    bool listening = false;
    bool draining = false;
    bool stopped = false;
    std::int64_t date_second = std::numeric_limits<std::int64_t>::min();
    std::string date;
};

}  // namespace detail

namespace {

using detail::Connection;
using detail::Phase;
using detail::ServerCore;

// What one request/response exchange has gathered by the time the response is written.
struct Exchange {
    Request request;
    Response response;
    std::string request_id;
    std::string route;  // pattern, or empty when no route matched
    Method method = Method::kOther;
    bool close = false;
    bool keep_alive_10 = false;
    bool head = false;
};

bool IsJsonContentType(std::optional<std::string_view> value) {
    if (!value) return false;
    std::string_view v = *value;
    v = v.substr(0, v.find(';'));
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    constexpr std::string_view kJson = "application/json";
    if (v.size() != kJson.size()) return false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != kJson[i]) return false;
    }
    return true;
}

std::string RequestIdOf(const Request& request) {
    const auto id = request.Header("x-request-id");
    return id && IsSaneRequestId(*id) ? std::string(*id) : GenerateRequestId();
}

void Fail(ServerCore& core, Exchange& ex, ErrorCode code) {
    ex.response = ErrorResponse(code, core.NowMs());
}

// Checks that need no handler: transport limits done by the parser, then 415, then the route.
// Returns the handler to call, with ex.request ready for it; or nullptr with ex.response set.
const Handler* Prepare(ServerCore& core, RequestParser& parser, Exchange& ex) {
    const std::string_view target = parser.target();  // stays in the parser
    ex.request = parser.TakeRequest();
    Request& req = ex.request;
    ex.method = req.method;
    ex.head = req.method == Method::kHead;
    ex.request_id = RequestIdOf(req);
    req.request_id = ex.request_id;

    // Origin-form only ("/path?query"); absolute-form and "*" are for proxies and OPTIONS *.
    if (target.empty() || target[0] != '/') {
        Fail(core, ex, ErrorCode::kInvalidRequest);
        return nullptr;
    }
    const auto question = target.find('?');
    const std::string_view raw_path = target.substr(0, question);
    if (question != std::string_view::npos) req.query = target.substr(question + 1);
    if (raw_path.find('%') == std::string_view::npos) {
        req.path = raw_path;
    } else {
        auto decoded = PercentDecode(raw_path, false);
        if (!decoded || decoded->find('\0') != std::string::npos) {
            Fail(core, ex, ErrorCode::kInvalidRequest);
            return nullptr;
        }
        req.path = std::move(*decoded);
    }

    Router::Match match = core.router.Find(req.method, req.path);
    using Kind = Router::Match::Kind;
    ex.route = std::move(match.route);
    if ((match.kind == Kind::kFound || match.kind == Kind::kBadPathId) &&
        match.body == BodyKind::kJson && !req.body.empty() &&
        !IsJsonContentType(req.Header("content-type"))) {
        Fail(core, ex, ErrorCode::kUnsupportedMediaType);
        return nullptr;
    }
    switch (match.kind) {
        case Kind::kNotFound:
            Fail(core, ex, ErrorCode::kRouteNotFound);
            return nullptr;
        case Kind::kMethodNotAllowed:
            Fail(core, ex, ErrorCode::kMethodNotAllowed);
            ex.response.headers.emplace_back("Allow", std::move(match.allow));
            return nullptr;
        case Kind::kBadPathId:
            Fail(core, ex, ErrorCode::kInvalidRequest);
            return nullptr;
        case Kind::kFound:
            break;
    }
    req.route = ex.route;
    req.path_ids = std::move(match.path_ids);
    return match.handler;
}

enum class ReadOutcome { kComplete, kRejected, kNeedMore, kDisconnected };

// Feeds what is buffered to the parser.
ReadOutcome FeedBuffered(RequestParser& parser, boost::beast::flat_buffer& buffer,
                         ParseFailure& failure) {
    while (buffer.size() > 0) {
        error_code ec;
        const auto data = buffer.data();
        const std::size_t used =
            parser.Feed(std::string_view(static_cast<const char*>(data.data()), data.size()), ec);
        buffer.consume(used);
        if (ec == boost::beast::http::error::need_more) return ReadOutcome::kNeedMore;
        if (ec) {
            failure = parser.Classify(ec);
            return ReadOutcome::kRejected;
        }
        if (parser.is_done()) return ReadOutcome::kComplete;
        if (used == 0) return ReadOutcome::kNeedMore;
    }
    return ReadOutcome::kNeedMore;
}

// Reads until the parser has a whole request, a refusal, or the connection is gone.
asio::awaitable<ReadOutcome> ReadRest(ServerCore* core, Connection* conn,
                                      boost::beast::flat_buffer* buffer, RequestParser* parser,
                                      ParseFailure* failure) {
    bool header_seen = false;
    for (;;) {
        if (!header_seen && parser->is_header_done()) {
            header_seen = true;
            core->Arm(*conn, Phase::kReading, core->options.header_timeout);  // body's own window
            if (parser->expects_continue()) {
                error_code ec;
                co_await asio::async_write(conn->socket, asio::buffer(k100Continue),
                                           asio::redirect_error(asio::use_awaitable, ec));
                if (ec || conn->cut) co_return ReadOutcome::kDisconnected;
            }
        }
        error_code ec;
        const std::size_t n = co_await conn->socket.async_read_some(
            buffer->prepare(kReadChunk), asio::redirect_error(asio::use_awaitable, ec));
        if (ec || conn->cut) co_return ReadOutcome::kDisconnected;
        buffer->commit(n);
        const ReadOutcome outcome = FeedBuffered(*parser, *buffer, *failure);
        if (outcome != ReadOutcome::kNeedMore) co_return outcome;
    }
}

// Stops sending, reads and drops what the client still sends (bounded), and returns; the caller
// closes. See kLingerTimeout.
asio::awaitable<void> Linger(ServerCore* core, Connection* conn,
                             boost::beast::flat_buffer* buffer) {
    error_code ec;
    conn->socket.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    core->Arm(*conn, Phase::kLinger, kLingerTimeout);
    std::size_t drained = 0;
    while (drained < kLingerBytes && !conn->cut) {
        buffer->clear();
        const std::size_t n = co_await conn->socket.async_read_some(
            buffer->prepare(kReadChunk), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        drained += n;
    }
}

// The keep-alive loop of one connection: wait, read, check, handle, write.
asio::awaitable<void> Serve(ServerCore* core, Connection* conn) {
    boost::beast::flat_buffer buffer;
    std::string head;
    head.reserve(kHeadReserve);
    std::optional<RequestParser> parser;
    bool first = true;
    for (;;) {
        if (buffer.size() == 0) {
            if (core->draining) co_return;
            // A new connection gets header_timeout for its first request; later ones idle_timeout.
            core->Arm(*conn, Phase::kIdle,
                      first ? core->options.header_timeout : core->options.idle_timeout);
            error_code ec;
            const std::size_t n = co_await conn->socket.async_read_some(
                buffer.prepare(kReadChunk), asio::redirect_error(asio::use_awaitable, ec));
            if (ec || conn->cut) co_return;
            buffer.commit(n);
        }
        first = false;
        const SteadyTime started = core->clock.Steady();
        core->Arm(*conn, Phase::kReading, core->options.header_timeout);

        parser.emplace(core->limits);
        ParseFailure failure = ParseFailure::kNone;
        ReadOutcome outcome = FeedBuffered(*parser, buffer, failure);
        if (outcome == ReadOutcome::kNeedMore) {
            outcome = co_await ReadRest(core, conn, &buffer, &*parser, &failure);
        }
        if (outcome == ReadOutcome::kDisconnected) co_return;

        Exchange ex;
        if (outcome == ReadOutcome::kRejected) {
            // The request cannot be trusted further (and its body may be unread): answer, close.
            ex.method = parser->method();
            ex.request_id = RequestIdOf(parser->request());
            ex.close = true;
            Fail(*core, ex, ErrorCodeOf(failure));
        } else {
            const bool keep_alive = parser->keep_alive();
            ex.close = !keep_alive;
            ex.keep_alive_10 = keep_alive && parser->version() == 10;
            const Handler* handler = Prepare(*core, *parser, ex);
            if (handler != nullptr) {
                core->Arm(*conn, Phase::kHandling, std::chrono::steady_clock::duration::max());
                try {
                    ex.response = co_await (*handler)(std::move(ex.request));
                } catch (const std::exception& e) {
                    log::Error("http: handler threw request_id=" + ex.request_id +
                               " route=" + ex.route + " what=" + e.what());
                    Fail(*core, ex, ErrorCode::kInternal);
                } catch (...) {
                    log::Error("http: handler threw request_id=" + ex.request_id +
                               " route=" + ex.route + " (not a std::exception)");
                    Fail(*core, ex, ErrorCode::kInternal);
                }
                if (conn->cut) co_return;  // force-closed while the handler ran
            }
        }
        // Draining: this is the last answer on this connection (api.md "Graceful drain").
        ex.close = ex.close || core->draining;

        head.clear();
        const HeadFields fields{ex.request_id, core->instance,   core->Date(),
                                ex.close,      ex.keep_alive_10, ex.head};
        const HeadResult written = SerializeHead(ex.response, fields, head);
        if (written.dropped_headers > 0) {
            log::Warn("http: dropped a response header with CR/LF request_id=" + ex.request_id);
        }
        core->Arm(*conn, Phase::kWriting, kWriteTimeout);
        const std::array<asio::const_buffer, 2> buffers = {
            asio::buffer(head), asio::buffer(ex.response.body.data(), written.body_bytes)};
        error_code ec;
        co_await asio::async_write(conn->socket, buffers,
                                   asio::redirect_error(asio::use_awaitable, ec));
        core->Observe(ex.route, ex.method, ex.response.status, started);
        if (ec || conn->cut) co_return;
        if (ex.close) {
            co_await Linger(core, conn, &buffer);
            co_return;
        }
    }
}

asio::awaitable<void> RunSession(std::shared_ptr<ServerCore> core, tcp::socket socket) {
    // `active` was counted by the accept loop; this guard gives it back however we leave.
    struct Leave {
        ServerCore& core;
        ~Leave() {
            core.active.fetch_sub(1, std::memory_order_relaxed);
            core.MaybeDrained();
        }
    } leave{*core};
    Connection conn(std::move(socket));
    core->connections.push_back(conn);
    try {
        co_await Serve(core.get(), &conn);
    } catch (const std::exception& e) {
        log::Error(std::string("http: connection failed: ") + e.what());
    }
    error_code ignored;
    conn.socket.close(ignored);
}

// Over max_connections: answer 503 S001 without reading the request, then close cleanly.
asio::awaitable<void> Reject(std::shared_ptr<ServerCore> core, tcp::socket socket) {
    struct Leave {
        ServerCore& core;
        ~Leave() {
            --core.rejecting;
            core.MaybeDrained();
        }
    } leave{*core};
    Connection conn(std::move(socket));
    core->connections.push_back(conn);
    try {
        const SteadyTime started = core->clock.Steady();
        const Response response = ErrorResponse(ErrorCode::kBusy, core->NowMs());
        const std::string request_id = GenerateRequestId();
        std::string head;
        const HeadFields fields{request_id, core->instance, core->Date(), true, false, false};
        const HeadResult written = SerializeHead(response, fields, head);
        core->Arm(conn, Phase::kWriting, kLingerTimeout);
        const std::array<asio::const_buffer, 2> buffers = {
            asio::buffer(head), asio::buffer(response.body.data(), written.body_bytes)};
        error_code ec;
        co_await asio::async_write(conn.socket, buffers,
                                   asio::redirect_error(asio::use_awaitable, ec));
        core->Observe(kUnmatchedRoute, Method::kOther, response.status, started);
        if (!ec && !conn.cut) {
            boost::beast::flat_buffer buffer;
            co_await Linger(core.get(), &conn, &buffer);
        }
    } catch (const std::exception& e) {
        log::Error(std::string("http: refusing a connection failed: ") + e.what());
    }
    error_code ignored;
    conn.socket.close(ignored);
}

bool OutOfDescriptors(const error_code& ec) {
    if (ec.category() != boost::system::system_category()) return false;
    const int v = ec.value();
    return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

asio::awaitable<void> AcceptLoop(std::shared_ptr<ServerCore> core) {
    asio::steady_timer backoff(core->io);
    bool warned = false;
    for (;;) {
        tcp::socket socket(core->io);
        error_code ec;
        co_await core->acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
        if (core->draining || core->stopped || !core->acceptor.is_open()) co_return;
        if (ec) {
            if (ec == asio::error::operation_aborted) co_return;
            if (OutOfDescriptors(ec)) {
                if (!warned) log::Warn("http: accept: " + ec.message() + "; backing off");
                warned = true;
                backoff.expires_after(kAcceptBackoff);
                co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
            continue;  // ECONNABORTED and the like concern one client only
        }
        warned = false;
        socket.set_option(tcp::no_delay(true), ec);  // responses go out in one writev anyway
        if (core->active.load(std::memory_order_relaxed) >= core->max_connections) {
            if (core->rejecting >= kMaxRejecting) continue;  // socket closes here
            ++core->rejecting;
            asio::co_spawn(core->io, Reject(core, std::move(socket)), asio::detached);
        } else {
            core->active.fetch_add(1, std::memory_order_relaxed);
            asio::co_spawn(core->io, RunSession(core, std::move(socket)), asio::detached);
        }
    }
}

asio::awaitable<void> SweepLoop(std::shared_ptr<ServerCore> core) {
    for (;;) {
        core->sweep_timer.expires_after(kSweepInterval);
        error_code ec;
        co_await core->sweep_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (core->stopped) co_return;
        const SteadyTime now = core->clock.Steady();
        for (Connection& conn : core->connections) {
            if (now >= conn.deadline) {
                conn.cut = true;
                conn.deadline = kNever;
                error_code ignored;
                conn.socket.cancel(ignored);
            }
        }
    }
}

std::string HostName() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "localhost";
    return name;
}

}  // namespace

Server::Server(asio::io_context& io, ServerOptions options, const Router& router,
               const Clock& clock)
    : core_(std::make_shared<ServerCore>(io, std::move(options), router, clock)) {}

Server::~Server() {
    ServerCore& core = *core_;
    core.draining = true;
    core.stopped = true;
    error_code ignored;
    core.acceptor.close(ignored);
    core.sweep_timer.cancel();
    core.drained_timer.cancel();
    core.CutAll();
}

void Server::SetObserver(std::function<void(const RequestRecord&)> observer) {
    core_->observer = std::move(observer);
}

std::optional<std::string> Server::Listen() {
    ServerCore& core = *core_;
    if (core.listening || core.stopped) return std::string("http: Listen called twice");
    const std::string where = core.options.bind_address + ":" + std::to_string(core.options.port);
    error_code ec;
    const auto address = asio::ip::make_address(core.options.bind_address, ec);
    if (ec) return "cannot listen on " + where + ": not an IP address";
    const tcp::endpoint endpoint(address, core.options.port);
    core.acceptor.open(endpoint.protocol(), ec);
    if (!ec) core.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) core.acceptor.bind(endpoint, ec);
    if (!ec) core.acceptor.listen(kListenBacklog, ec);
    if (ec) {
        error_code ignored;
        core.acceptor.close(ignored);
        return "cannot listen on " + where + ": " + ec.message();
    }
    core.port = core.acceptor.local_endpoint(ec).port();
    core.instance = core.options.instance_name.empty()
                        ? HostName() + ":" + std::to_string(core.port.load())
                        : core.options.instance_name;

    core.max_connections = core.options.max_connections;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        const auto usable = limit.rlim_cur > kReservedDescriptors
                                ? static_cast<std::size_t>(limit.rlim_cur) - kReservedDescriptors
                                : std::size_t{1};
        if (usable < core.max_connections) {
            log::Warn("http: max connections lowered from " + std::to_string(core.max_connections) +
                      " to " + std::to_string(usable) + " (RLIMIT_NOFILE " +
                      std::to_string(limit.rlim_cur) + ")");
            core.max_connections = usable;
        }
    }
    core.listening = true;
    asio::co_spawn(core.io, AcceptLoop(core_), asio::detached);
    asio::co_spawn(core.io, SweepLoop(core_), asio::detached);
    return std::nullopt;
}

asio::awaitable<void> Server::Shutdown() {
    const std::shared_ptr<ServerCore> core = core_;
    if (core->draining) co_return;
    core->draining = true;
    error_code ec;
    core->acceptor.close(ec);  // new connections are refused from here on
    // Idle keep-alive connections: end their wait now. A request that already arrived on one is
    // still read and answered (with Connection: close); the others close at once.
    for (Connection& conn : core->connections) {
        if (conn.phase == Phase::kIdle) conn.socket.cancel(ec);
    }
    if (core->active.load(std::memory_order_relaxed) > 0 || core->rejecting > 0) {
        core->drained_timer.expires_after(core->options.drain_timeout);
        co_await core->drained_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    const std::size_t left = core->active.load(std::memory_order_relaxed);
    if (left > 0) {
        log::Warn("http: drain timed out, closing " + std::to_string(left) + " connections");
    }
    core->CutAll();
    core->stopped = true;
    core->sweep_timer.cancel();
}

std::size_t Server::ActiveConnections() const {
    return core_->active.load(std::memory_order_relaxed);
}

std::uint16_t Server::port() const { return core_->port.load(); }

}  // namespace hhplus::http
