// hhplus-attack: hostile clients against one HTTP endpoint (nginx or an app), plus a legitimate
// prober that opens a fresh connection per probe and times GET <probe-path>. One io_context,
// one thread, coroutines throughout. See kUsage.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "http/json.hpp"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage = R"(usage: hhplus-attack MODE --port P [options]

Hostile clients against one HTTP endpoint, while a prober checks that a fresh client is served.

Modes:
  slowloris     each connection sends a request head one byte per --interval and never ends it;
                a connection the server cuts is reopened (the pressure stays at N)
  flood-hold    open N connections, send nothing, hold them; reopen those the server closes
  flood-churn   N loops of connect + close as fast as the server accepts
  oversized     send each oversized request once and check the documented answer:
                request line > 8 KiB → 414 V015, one header > 8 KiB → 431 V014, many headers
                > 8 KiB in all → 431 V014, Content-Length body > 16 KiB → 413 V013, chunked body
                > 16 KiB → 413 V013, and a pipeline of --pipeline GETs → all answered 200
  probe         only the prober (a baseline)

Every attacking socket closes with a reset (SO_LINGER 0: no TIME_WAIT left behind), and every
socket takes its source port at connect time (IP_BIND_ADDRESS_NO_PORT), so a run of any length
cannot use up the source ports of its address, nor take them from other programs; see Connect().

Options:
  --host IP             target address (default 127.0.0.1)
  --port P              target port (required)
  --connections N       attacking connections (default 1000)
  --interval MS         slowloris: milliseconds between bytes (default 1000)
  --duration S          seconds the attack lasts (default 15; oversized ignores it)
  --expect-cut-within MS
                        slowloris, flood-hold: if the server has cut no connection when the
                        duration ends, go on until it cuts one or until a connection has been
                        open this long without being cut, whichever comes first (default 0: stop
                        at the duration). Makes "the server cut a connection" a verdict on the
                        server's timeout, not on how fast this machine opened the connections
  --source-ip IP        attack from this local address (default 127.0.0.2: not the prober's)
  --probe-ip IP         the prober's local address (default 127.0.0.1)
  --probe-rate R        probes per second, one fresh connection each (default 5; 0: none)
  --probe-path PATH     default /health
  --probe-timeout MS    a probe (connect, request, whole answer) not done by then fails
                        (default 5000)
  --pipeline N          requests in the oversized pipeline case (default 100)
  --warmup MS           attack alone this long before probing starts (default 2000)

Prints one JSON object: what the attack held, the probes (count, failed, max/p99/p50 ms) and,
for oversized, each case's status and errorCode with "pass"; a probe still unfinished when the
run ends counts as failed. Exit status 0, or 2 on bad usage; a failed oversized case exits 1. The open-file soft limit is raised to the hard limit; N is capped
at that minus 100.
)";

struct Options {
    std::string mode;
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::size_t connections = 1000;
    std::chrono::milliseconds interval{1000};
    std::chrono::seconds duration{15};
    std::chrono::milliseconds expect_cut_within{0};
    std::string source_ip = "127.0.0.2";
    std::string probe_ip = "127.0.0.1";
    double probe_rate = 5;
    std::string probe_path = "/health";
    std::chrono::milliseconds probe_timeout{5000};
    std::size_t pipeline = 100;
    std::chrono::milliseconds warmup{2000};
};

struct State {
    explicit State(asio::io_context& io_context) : io(io_context) {}
    asio::io_context& io;
    Options options;
    bool stopping = false;
    // Attack side.
    std::size_t open = 0;       // attacking connections open now
    std::size_t peak_open = 0;  // most open at once
    std::size_t opened = 0;     // connects that succeeded
    std::size_t connect_failures = 0;
    std::size_t cut_by_server = 0;     // closed by the other side while we held them
    Clock::time_point first_opened{};  // when the first attacking connect succeeded
    Clock::duration cut_after_min = Clock::duration::max();  // shortest life of a cut connection
    Clock::duration cut_after_max{};                         // longest
    Clock::duration extended{};  // how long --expect-cut-within kept the attack past --duration
    std::size_t bytes_sent = 0;
    // Prober.
    std::size_t probes_in_flight = 0;
    std::vector<double> probe_ms;  // successful probes
    std::size_t probe_failures = 0;
    std::vector<std::string> failure_samples;  // the first few reasons
    // Oversized.
    std::string oversized_json;
    bool oversized_ok = true;
};

void Opened(State* s) {
    if (s->opened == 0) s->first_opened = Clock::now();
    ++s->opened;
    ++s->open;
    s->peak_open = std::max(s->peak_open, s->open);
}

asio::awaitable<void> Sleep(State* s, Clock::duration d) {
    asio::steady_timer timer(s->io);
    timer.expires_after(d);
    error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// How a socket ends when we close it.
enum class Close {
    kGraceful,  // FIN: the prober, a client like any other
    kReset,     // SO_LINGER {on, 0}: RST, the socket is gone at once: every attacking socket
};

// Sets SO_LINGER {on, 0} with setsockopt() itself, not through Asio: a socket whose linger was set
// through Asio gets it switched off again by its destructor (so that a destructor never blocks)
// and then closes with a FIN after all. Measured: 1000 slow-loris sockets destroyed after the
// server's cut left 1000 TIME_WAITs that way. Asio never learns of this one, so every close is a
// reset: explicit, by destructor, or when the io_context tears down the coroutines at the end.
error_code SetResetOnClose(tcp::socket* socket) {
    const linger reset{1, 0};
    if (setsockopt(socket->native_handle(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset) != 0) {
        return {errno, boost::system::system_category()};
    }
    return {};
}

// Source ports: why no run can use up those of its address, or take them from anyone else.
// The end of a TCP connection that closes first keeps its 4-tuple in TIME_WAIT for 60 s, and
// the ephemeral range is 32768-60999 = 28,232 ports. flood-churn closes first all the time: on
// a 2-core machine it made 20,500 + 4,783 connects from one address in 30 s, and the oversized
// cases after it failed with "Address already in use" (issue 10); here 15,850 connects in 14 s
// left 17,294 sockets of 127.0.0.2 in TIME_WAIT. Three measures, each for its own part:
//  1. kReset on every attacking socket: close() sends RST and frees the socket, so no TIME_WAIT
//     stays on our side, whatever the mode and however long the run. Nothing is lost: an attack
//     has no data in flight it cares about (oversized reads the answer to its end first). When
//     the server closed first (a cut, an answer then close), its socket waits in FIN_WAIT2 and
//     our RST ends it there, so it is spared its TIME_WAIT too.
//  2. IP_BIND_ADDRESS_NO_PORT on every socket that binds a source address (attack and probe).
//     bind() to port 0 picks a port free for (address, port) alone and leaves it in a bind
//     bucket that no connect() on the machine may choose while any socket of it exists, TIME_WAIT
//     included (__inet_hash_connect skips buckets made by bind()): the old bind-then-connect
//     took ports from nginx's upstream connects and the apps' Redis and MariaDB clients as well.
//     With the option the port is chosen at connect() for the whole 4-tuple, as for an unbound
//     client, and the kernel may reuse a loopback 4-tuple in TIME_WAIT (tcp_tw_reuse = 2).
//  3. attacks.sh gives each mode its own source address (127.0.0.2 slow-loris .. 127.0.0.5
//     oversized), so no mode shares 4-tuples or ss counts with the one before it.
// The prober (127.0.0.1) closes gracefully: it sends "Connection: close", so the server closes
// first and the TIME_WAIT is the server's, keyed by the probe's 4-tuple; a later SYN on that
// same 4-tuple is accepted by it (a newer timestamp), and the listening port is not involved.
asio::awaitable<error_code> Connect(State* s, tcp::socket* socket, const std::string& source,
                                    Close ending) {
    error_code ec;
    const auto target = tcp::endpoint(asio::ip::make_address(s->options.host), s->options.port);
    socket->open(tcp::v4(), ec);
    if (ec) co_return ec;
    const int one = 1;
    if (setsockopt(socket->native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
                   sizeof one) != 0) {
        co_return error_code(errno, boost::system::system_category());
    }
    if (ending == Close::kReset) ec = SetResetOnClose(socket);
    if (!ec) socket->bind(tcp::endpoint(asio::ip::make_address(source), 0), ec);
    if (ec) co_return ec;
    co_await socket->async_connect(target, asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
}

// A connect that failed (refused, out of ports or descriptors): back off, so a refusing server
// does not turn into a busy loop here.
constexpr auto kReconnectPause = std::chrono::milliseconds(100);

// Opens one attacking connection; on failure counts it and backs off. False: try again.
asio::awaitable<bool> OpenAttacker(State* s, tcp::socket* socket) {
    if (co_await Connect(s, socket, s->options.source_ip, Close::kReset)) {
        ++s->connect_failures;
        error_code ignored;
        socket->close(ignored);
        co_await Sleep(s, kReconnectPause);
        co_return false;
    }
    Opened(s);
    co_return true;
}

// A connection we held was closed by the server after `lived`.
void CutByServer(State* s, Clock::duration lived) {
    ++s->cut_by_server;
    s->cut_after_min = std::min(s->cut_after_min, lived);
    s->cut_after_max = std::max(s->cut_after_max, lived);
}

// One slow-loris connection, reopened whenever the server cuts it.
asio::awaitable<void> SlowLoris(State* s, std::size_t index) {
    const std::string head =
        "GET /health HTTP/1.1\r\nHost: attack\r\nX-Slow-" + std::to_string(index) + ": ";
    while (!s->stopping) {
        tcp::socket socket(s->io);
        if (!co_await OpenAttacker(s, &socket)) continue;
        const auto opened_at = Clock::now();
        // One byte of the head per interval, then one byte of a never-ending header value.
        for (std::size_t i = 0; !s->stopping; ++i) {
            const char byte = i < head.size() ? head[i] : 'a';
            error_code ec;
            co_await asio::async_write(socket, asio::buffer(&byte, 1),
                                       asio::redirect_error(asio::use_awaitable, ec));
            // A closed peer answers the write after its FIN with a reset: the next write fails.
            if (ec) break;
            ++s->bytes_sent;
            co_await Sleep(s, s->options.interval);
        }
        --s->open;
        if (!s->stopping) CutByServer(s, Clock::now() - opened_at);
    }
}

// One held idle connection, reopened whenever the server closes it.
asio::awaitable<void> FloodHold(State* s) {
    while (!s->stopping) {
        tcp::socket socket(s->io);
        if (!co_await OpenAttacker(s, &socket)) continue;
        const auto opened_at = Clock::now();
        char sink[512];
        error_code ec;
        // Returns when the server closes (or answers, e.g. 503 S001, then closes).
        for (;;) {
            co_await socket.async_read_some(asio::buffer(sink),
                                            asio::redirect_error(asio::use_awaitable, ec));
            if (ec || s->stopping) break;
        }
        --s->open;
        if (!s->stopping) CutByServer(s, Clock::now() - opened_at);
    }
}

// Connect, close (a reset: see Connect), again.
asio::awaitable<void> FloodChurn(State* s) {
    while (!s->stopping) {
        tcp::socket socket(s->io);
        if (!co_await OpenAttacker(s, &socket)) continue;
        error_code ignored;
        socket.close(ignored);
        --s->open;
    }
}

struct Answer {
    int status = 0;
    std::string error_code;
    std::size_t responses = 0;  // status lines seen (pipelines)
    std::size_t ok_responses = 0;
    std::string failure;
};

// Closes `socket` at `at` unless destroyed first: whatever is pending on it then (connect,
// write, read) ends with operation_aborted, so a wait on the server can never outlast `at`.
class Deadline {
  public:
    Deadline(State* s, tcp::socket* socket, Clock::time_point at)
        : timer_(s->io), flags_(std::make_shared<Flags>()) {
        timer_.expires_at(at);
        // The flags outlive this object: a handler already queued when we are destroyed must
        // not touch the socket any more.
        timer_.async_wait([socket, flags = flags_](const error_code& ec) {
            if (ec || flags->done) return;
            flags->fired = true;
            error_code ignored;
            socket->close(ignored);
        });
    }
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;
    ~Deadline() {
        flags_->done = true;
        timer_.cancel();
    }
    bool Fired() const { return flags_->fired; }

  private:
    struct Flags {
        bool done = false;
        bool fired = false;
    };
    asio::steady_timer timer_;
    std::shared_ptr<Flags> flags_;
};

// The complete responses at the start of `text`: a head and its Content-Length body each. One
// without Content-Length (chunked, or up to the close) is not counted: the read then goes on
// until the server closes.
std::size_t CompleteResponses(const std::string& text) {
    std::size_t count = 0;
    std::size_t at = 0;
    for (;;) {
        const auto head_end = text.find("\r\n\r\n", at);
        if (head_end == std::string::npos) return count;
        std::string head = text.substr(at, head_end - at);
        std::transform(head.begin(), head.end(), head.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const std::string name = "\r\ncontent-length:";
        const auto field = head.find(name);
        if (field == std::string::npos) return count;
        const auto length = std::strtoull(head.c_str() + field + name.size(), nullptr, 10);
        const auto end = head_end + 4 + length;
        if (end > text.size()) return count;
        ++count;
        at = end;
    }
}

// Reads until `expected` complete responses arrived, the server closes, or the caller's Deadline
// closes the socket, and parses the first status and errorCode. Not only until the close: a
// server may keep the connection open after an error answer (nginx does after its 431), and the
// answer is what is judged.
asio::awaitable<Answer> ReadAnswer(tcp::socket* socket, std::size_t expected) {
    Answer answer;
    std::string text;
    char chunk[4096];
    for (;;) {
        error_code ec;
        const std::size_t n = co_await socket->async_read_some(
            asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
        text.append(chunk, n);
        if (ec || CompleteResponses(text) >= expected) break;
    }
    for (std::size_t at = text.find("HTTP/1."); at != std::string::npos;
         at = text.find("HTTP/1.", at + 1)) {
        if (at + 12 > text.size()) break;
        ++answer.responses;
        const int status = std::atoi(text.c_str() + at + 9);
        if (status == 200) ++answer.ok_responses;
        if (answer.status == 0) answer.status = status;
    }
    const auto code = text.find("\"errorCode\":\"");
    if (code != std::string::npos) {
        const auto start = code + 13;
        answer.error_code = text.substr(start, text.find('"', start) - start);
    }
    if (answer.status == 0) answer.failure = "no response";
    co_return answer;
}

asio::awaitable<void> Probe(State* s) {
    ++s->probes_in_flight;
    const auto start = Clock::now();
    tcp::socket socket(s->io);
    std::string failure;
    {
        // One deadline for the whole probe, connect included: a server that stops accepting
        // leaves the SYN unanswered, and a connect has no timeout of its own (the kernel retries
        // the SYN for about two minutes), so such a probe would still be pending when the run
        // ends and would count neither as served nor as failed.
        const Deadline deadline(s, &socket, start + s->options.probe_timeout);
        const char* step = "connect";
        const error_code ec = co_await Connect(s, &socket, s->options.probe_ip, Close::kGraceful);
        if (ec) {
            failure = ec.message();
        } else {
            step = "write";
            const std::string request = "GET " + s->options.probe_path +
                                        " HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n";
            error_code ec2;
            co_await asio::async_write(socket, asio::buffer(request),
                                       asio::redirect_error(asio::use_awaitable, ec2));
            if (ec2) {
                failure = ec2.message();
            } else {
                step = "read";
                const Answer answer = co_await ReadAnswer(&socket, 1);
                if (!answer.failure.empty()) {
                    failure = answer.failure;
                } else if (answer.status != 200) {
                    failure = "status " + std::to_string(answer.status) + " " + answer.error_code;
                }
            }
        }
        if (deadline.Fired()) {
            failure = "timeout after " + std::to_string(s->options.probe_timeout.count()) + " ms";
        }
        if (!failure.empty()) failure = std::string(step) + ": " + failure;
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (failure.empty()) {
        s->probe_ms.push_back(ms);
    } else {
        ++s->probe_failures;
        if (s->failure_samples.size() < 5) s->failure_samples.push_back(failure);
    }
    --s->probes_in_flight;
}

asio::awaitable<void> Prober(State* s) {
    co_await Sleep(s, s->options.warmup);
    const auto period = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / s->options.probe_rate));
    auto next = Clock::now();
    while (!s->stopping) {
        asio::co_spawn(s->io, Probe(s), asio::detached);
        next += period;
        asio::steady_timer timer(s->io);
        timer.expires_at(next);
        error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

// The server's escaper (http::JsonWriter's): control characters escaped, not dropped.
std::string JsonString(const std::string& text) {
    std::string out = "\"";
    out += hhplus::http::JsonEscape(text);
    out += '"';
    return out;
}

// The verdict on an oversized case is what the server sent, never when: the read ends once the
// expected answers are complete, or when the server closes, and the server closes every such
// connection itself (after its answer, or on its own 10 s header or body timeout). This deadline
// only keeps a hung server from hanging the tool; it is three of those timeouts, so a slow
// machine's late answer is still read in full.
constexpr auto kOversizedDeadline = std::chrono::seconds(30);

// One oversized case on a fresh connection: send `request` (a write cut short by the server's
// close is expected), then read the answer.
asio::awaitable<Answer> SendOversized(State* s, std::string request, std::size_t responses) {
    tcp::socket socket(s->io);
    const Deadline deadline(s, &socket, Clock::now() + kOversizedDeadline);
    Answer answer;
    if (const error_code ec = co_await Connect(s, &socket, s->options.source_ip, Close::kReset)) {
        answer.failure = "connect: " + ec.message();
        co_return answer;
    }
    error_code ec;
    co_await asio::async_write(socket, asio::buffer(request),
                               asio::redirect_error(asio::use_awaitable, ec));
    // The answer was sent before the server stopped reading; read it even if the write failed.
    answer = co_await ReadAnswer(&socket, responses);
    if (deadline.Fired()) {
        answer.failure =
            "no end of answer within " + std::to_string(kOversizedDeadline.count()) + " s";
    }
    co_return answer;
}

asio::awaitable<void> Oversized(State* s) {
    struct Case {
        std::string name;
        std::string request;
        int status;
        std::string code;
    };
    // Sizes a little past each limit of api.md (8 KiB line, 8 KiB headers, 16 KiB body).
    const std::string long_value(std::size_t{9} * 1024, 'h');
    std::string many_headers;
    for (int i = 0; i < 40; ++i)
        many_headers += "X-Pad-" + std::to_string(i) + ": " + std::string(250, 'p') + "\r\n";
    const std::string body(std::size_t{20} * 1024, 'b');
    std::string chunked;
    for (int i = 0; i < 20; ++i) chunked += "400\r\n" + std::string(1024, 'c') + "\r\n";
    chunked += "0\r\n\r\n";
    std::string pipeline;
    for (std::size_t i = 0; i < s->options.pipeline; ++i) {
        pipeline += "GET /health HTTP/1.1\r\nHost: attack\r\n";
        pipeline += i + 1 == s->options.pipeline ? "Connection: close\r\n\r\n" : "\r\n";
    }
    const std::vector<Case> cases = {
        {"request-line-9KiB", "GET /health?" + long_value + " HTTP/1.1\r\nHost: attack\r\n\r\n",
         414, "V015"},
        {"one-header-9KiB",
         "GET /health HTTP/1.1\r\nHost: attack\r\nX-Big: " + long_value + "\r\n\r\n", 431, "V014"},
        {"headers-10KiB-total", "GET /health HTTP/1.1\r\nHost: attack\r\n" + many_headers + "\r\n",
         431, "V014"},
        {"body-content-length-20KiB",
         "POST /api/auth/signup HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body,
         413, "V013"},
        {"body-chunked-20KiB",
         "POST /api/auth/signup HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n\r\n" +
             chunked,
         413, "V013"},
        {"pipeline-" + std::to_string(s->options.pipeline), pipeline, 200, ""},
    };
    std::string json = "[";
    for (const Case& c : cases) {
        const Answer a =
            co_await SendOversized(s, c.request, c.status == 200 ? s->options.pipeline : 1);
        bool pass = a.status == c.status && a.error_code == c.code;
        if (c.status == 200)
            pass = a.ok_responses == s->options.pipeline && a.responses == a.ok_responses;
        s->oversized_ok = s->oversized_ok && pass;
        if (json.size() > 1) json += ",";
        json +=
            "{\"case\":" + JsonString(c.name) + ",\"expectStatus\":" + std::to_string(c.status) +
            ",\"expectCode\":" + JsonString(c.code) + ",\"status\":" + std::to_string(a.status) +
            ",\"errorCode\":" + JsonString(a.error_code) +
            ",\"responses\":" + std::to_string(a.responses) +
            ",\"ok\":" + std::to_string(a.ok_responses) + ",\"failure\":" + JsonString(a.failure) +
            ",\"pass\":" + (pass ? "true" : "false") + "}";
    }
    s->oversized_json = json + "]";
}

// Ends the attack after the duration (and --expect-cut-within, see its help), lets the probes
// in flight finish, then stops the loop.
asio::awaitable<void> Controller(State* s, bool timed) {
    if (timed) co_await Sleep(s, s->options.duration);
    // Until the first cut, no attacking connection has closed (only a cut closes one before
    // the stop), so the oldest one open is the first ever opened: its age is the time the
    // server has let a connection live uncut.
    const auto extension_start = Clock::now();
    const bool cuts = s->options.mode == "slowloris" || s->options.mode == "flood-hold";
    while (cuts && s->options.expect_cut_within.count() > 0 && s->cut_by_server == 0 &&
           s->opened > 0 && Clock::now() - s->first_opened < s->options.expect_cut_within) {
        co_await Sleep(s, std::chrono::milliseconds(50));
    }
    s->extended = Clock::now() - extension_start;
    s->stopping = true;
    // Each probe ends by its own Deadline; this bound only guards against a stuck event loop,
    // and a probe it leaves unfinished counts as failed below.
    const auto limit = Clock::now() + 2 * s->options.probe_timeout;
    while (s->probes_in_flight > 0 && Clock::now() < limit) {
        co_await Sleep(s, std::chrono::milliseconds(50));
    }
    if (s->probes_in_flight > 0) {
        s->probe_failures += s->probes_in_flight;
        s->failure_samples.push_back(std::to_string(s->probes_in_flight) +
                                     " unfinished when the run ended");
    }
    s->io.stop();
}

asio::awaitable<void> OversizedThenStop(State* s) {
    co_await Oversized(s);
    co_await Controller(s, false);
}

double Percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::lround(p * static_cast<double>(v.size() - 1)));
    return v[std::min(rank, v.size() - 1)];
}

std::size_t RaiseOpenFileLimit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    return static_cast<std::size_t>(limit.rlim_cur);
}

[[noreturn]] void Usage(int status) {
    std::fputs(kUsage, status == 0 ? stdout : stderr);
    std::exit(status);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) Usage(2);
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") Usage(0);
        if (arg[0] != '-' && o.mode.empty()) {
            o.mode = arg;
        } else if (arg == "--host") {
            o.host = value();
        } else if (arg == "--port") {
            o.port = static_cast<unsigned short>(std::stoi(value()));
        } else if (arg == "--connections") {
            o.connections = std::stoull(value());
        } else if (arg == "--interval") {
            o.interval = std::chrono::milliseconds(std::stoll(value()));
        } else if (arg == "--duration") {
            o.duration = std::chrono::seconds(std::stoll(value()));
        } else if (arg == "--expect-cut-within") {
            o.expect_cut_within = std::chrono::milliseconds(std::stoll(value()));
        } else if (arg == "--source-ip") {
            o.source_ip = value();
        } else if (arg == "--probe-ip") {
            o.probe_ip = value();
        } else if (arg == "--probe-rate") {
            o.probe_rate = std::stod(value());
        } else if (arg == "--probe-path") {
            o.probe_path = value();
        } else if (arg == "--probe-timeout") {
            o.probe_timeout = std::chrono::milliseconds(std::stoll(value()));
        } else if (arg == "--pipeline") {
            o.pipeline = std::stoull(value());
        } else if (arg == "--warmup") {
            o.warmup = std::chrono::milliseconds(std::stoll(value()));
        } else {
            std::fprintf(stderr, "hhplus-attack: unknown argument %s\n", arg.c_str());
            Usage(2);
        }
    }
    const std::vector<std::string> modes = {"slowloris", "flood-hold", "flood-churn", "oversized",
                                            "probe"};
    if (o.port == 0 || std::find(modes.begin(), modes.end(), o.mode) == modes.end()) Usage(2);

    // Each connection is one descriptor; keep 100 for the prober and the process itself.
    const std::size_t files = RaiseOpenFileLimit();
    if (files > 100 && o.connections > files - 100) {
        std::fprintf(stderr,
                     "hhplus-attack: --connections %zu capped to %zu (open-file limit %zu)\n",
                     o.connections, files - 100, files);
        o.connections = files - 100;
    }

    asio::io_context io;
    State state(io);
    state.options = o;
    State* s = &state;
    if (o.mode == "oversized") {
        asio::co_spawn(io, OversizedThenStop(s), asio::detached);
    } else {
        for (std::size_t i = 0; i < o.connections && o.mode != "probe"; ++i) {
            if (o.mode == "slowloris") asio::co_spawn(io, SlowLoris(s, i), asio::detached);
            if (o.mode == "flood-hold") asio::co_spawn(io, FloodHold(s), asio::detached);
            if (o.mode == "flood-churn") asio::co_spawn(io, FloodChurn(s), asio::detached);
        }
        if (o.probe_rate > 0) asio::co_spawn(io, Prober(s), asio::detached);
        asio::co_spawn(io, Controller(s, true), asio::detached);
    }
    const auto started = Clock::now();
    io.run();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

    std::string samples = "[";
    for (const auto& f : state.failure_samples)
        samples += (samples.size() > 1 ? "," : "") + JsonString(f);
    samples += "]";
    const std::size_t probes = state.probe_ms.size() + state.probe_failures;
    const auto ms = [](Clock::duration d) {
        return std::chrono::duration<double, std::milli>(d).count();
    };
    const bool any_cut = state.cut_by_server > 0;
    std::printf(
        "{\"mode\":%s,\"target\":%s,\"seconds\":%.1f,\"connections\":%zu,\"sourceIp\":%s,"
        "\"peakOpen\":%zu,\"openAtEnd\":%zu,\"opened\":%zu,\"connectFailures\":%zu,"
        "\"cutByServer\":%zu,\"cutAfterMinMs\":%.0f,\"cutAfterMaxMs\":%.0f,\"extendedMs\":%.0f,"
        "\"bytesSent\":%zu,\"probes\":%zu,\"probeFailures\":%zu,"
        "\"probeMaxMs\":%.1f,\"probeP99Ms\":%.1f,\"probeP50Ms\":%.1f,\"failureSamples\":%s",
        JsonString(o.mode).c_str(), JsonString(o.host + ":" + std::to_string(o.port)).c_str(),
        seconds, o.connections, JsonString(o.source_ip).c_str(), state.peak_open, state.open,
        state.opened, state.connect_failures, state.cut_by_server,
        any_cut ? ms(state.cut_after_min) : 0.0, any_cut ? ms(state.cut_after_max) : 0.0,
        ms(state.extended), state.bytes_sent, probes, state.probe_failures,
        Percentile(state.probe_ms, 1.0), Percentile(state.probe_ms, 0.99),
        Percentile(state.probe_ms, 0.5), samples.c_str());
    if (o.mode == "oversized") {
        std::printf(",\"oversized\":%s,\"oversizedPass\":%s", state.oversized_json.c_str(),
                    state.oversized_ok ? "true" : "false");
    }
    std::printf("}\n");
    return state.oversized_ok ? 0 : 1;
}
