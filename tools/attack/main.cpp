// hhplus-attack: hostile clients against one HTTP endpoint (nginx or an app), plus a legitimate
// prober that opens a fresh connection per probe and times GET <probe-path>. One io_context,
// one thread, coroutines throughout. See kUsage.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <sys/resource.h>

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
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

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

Options:
  --host IP             target address (default 127.0.0.1)
  --port P              target port (required)
  --connections N       attacking connections (default 1000)
  --interval MS         slowloris: milliseconds between bytes (default 1000)
  --duration S          seconds the attack lasts (default 15; oversized ignores it)
  --source-ip IP        attack from this local address (default 127.0.0.2: not the prober's)
  --probe-ip IP         the prober's local address (default 127.0.0.1)
  --probe-rate R        probes per second, one fresh connection each (default 5; 0: none)
  --probe-path PATH     default /health
  --probe-timeout MS    a probe without a full 200 answer by then fails (default 5000)
  --pipeline N          requests in the oversized pipeline case (default 100)
  --warmup MS           attack alone this long before probing starts (default 2000)

Prints one JSON object: what the attack held, the probes (count, failed, max/p99/p50 ms) and,
for oversized, each case's status and errorCode with "pass". Exit status 0, or 2 on bad usage;
a failed oversized case exits 1. The open-file soft limit is raised to the hard limit; N is capped
at that minus 100.
)";

struct Options {
    std::string mode;
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::size_t connections = 1000;
    std::chrono::milliseconds interval{1000};
    std::chrono::seconds duration{15};
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
    std::size_t cut_by_server = 0;  // closed by the other side while we held them
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

// Connects `socket` from `source` to the target. Returns the error (empty on success).
asio::awaitable<error_code> Connect(State* s, tcp::socket* socket, std::string source) {
    error_code ec;
    const auto target = tcp::endpoint(asio::ip::make_address(s->options.host), s->options.port);
    socket->open(tcp::v4(), ec);
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
    if (co_await Connect(s, socket, s->options.source_ip)) {
        ++s->connect_failures;
        error_code ignored;
        socket->close(ignored);
        co_await Sleep(s, kReconnectPause);
        co_return false;
    }
    Opened(s);
    co_return true;
}

// One slow-loris connection, reopened whenever the server cuts it.
asio::awaitable<void> SlowLoris(State* s, std::size_t index) {
    const std::string head = "GET /health HTTP/1.1\r\nHost: attack\r\nX-Slow-" +
                             std::to_string(index) + ": ";
    while (!s->stopping) {
        tcp::socket socket(s->io);
        if (!co_await OpenAttacker(s, &socket)) continue;
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
        if (!s->stopping) ++s->cut_by_server;
    }
}

// One held idle connection, reopened whenever the server closes it.
asio::awaitable<void> FloodHold(State* s) {
    while (!s->stopping) {
        tcp::socket socket(s->io);
        if (!co_await OpenAttacker(s, &socket)) continue;
        char sink[512];
        error_code ec;
        // Returns when the server closes (or answers, e.g. 503 S001, then closes).
        for (;;) {
            co_await socket.async_read_some(asio::buffer(sink),
                                            asio::redirect_error(asio::use_awaitable, ec));
            if (ec || s->stopping) break;
        }
        --s->open;
        if (!s->stopping) ++s->cut_by_server;
    }
}

// Connect, close, again.
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

// Reads until the server closes or `timeout`, and parses the first status and errorCode.
asio::awaitable<Answer> ReadAnswer(State* s, tcp::socket* socket, Clock::duration timeout) {
    Answer answer;
    std::string text;
    const auto deadline = Clock::now() + timeout;
    asio::steady_timer guard(s->io);
    guard.expires_at(deadline);
    bool timed_out = false;
    // The guard closes the socket at the deadline, which ends the pending read.
    guard.async_wait([socket, &timed_out](const error_code& ec) {
        if (ec) return;
        timed_out = true;
        error_code ignored;
        socket->close(ignored);
    });
    char chunk[4096];
    for (;;) {
        error_code ec;
        const std::size_t n = co_await socket->async_read_some(
            asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
        text.append(chunk, n);
        if (ec) break;
    }
    guard.cancel();
    if (timed_out) answer.failure = "timeout";
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
    if (answer.status == 0 && answer.failure.empty()) answer.failure = "no response";
    co_return answer;
}

asio::awaitable<void> Probe(State* s) {
    ++s->probes_in_flight;
    const auto start = Clock::now();
    tcp::socket socket(s->io);
    std::string failure;
    if (const error_code ec = co_await Connect(s, &socket, s->options.probe_ip)) {
        failure = "connect: " + ec.message();
    } else {
        const std::string request = "GET " + s->options.probe_path +
                                    " HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n";
        error_code ec2;
        co_await asio::async_write(socket, asio::buffer(request),
                                   asio::redirect_error(asio::use_awaitable, ec2));
        if (ec2) {
            failure = "write: " + ec2.message();
        } else {
            const auto left = s->options.probe_timeout - (Clock::now() - start);
            const Answer answer = co_await ReadAnswer(s, &socket, left);
            if (!answer.failure.empty()) {
                failure = answer.failure;
            } else if (answer.status != 200) {
                failure = "status " + std::to_string(answer.status) + " " + answer.error_code;
            }
        }
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

std::string JsonString(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out + "\"";
}

// One oversized case: send `request` (a write cut short by the server's close is expected),
// then read the answer.
asio::awaitable<Answer> SendOversized(State* s, std::string request) {
    tcp::socket socket(s->io);
    Answer answer;
    if (const error_code ec = co_await Connect(s, &socket, s->options.source_ip)) {
        answer.failure = "connect: " + ec.message();
        co_return answer;
    }
    error_code ec;
    co_await asio::async_write(socket, asio::buffer(request),
                               asio::redirect_error(asio::use_awaitable, ec));
    // The answer was sent before the server stopped reading; read it even if the write failed.
    co_return co_await ReadAnswer(s, &socket, std::chrono::seconds(10));
}

asio::awaitable<void> Oversized(State* s) {
    struct Case {
        std::string name;
        std::string request;
        int status;
        std::string code;
    };
    // Sizes a little past each limit of api.md (8 KiB line, 8 KiB headers, 16 KiB body).
    const std::string long_value(9 * 1024, 'h');
    std::string many_headers;
    for (int i = 0; i < 40; ++i) many_headers += "X-Pad-" + std::to_string(i) + ": " + std::string(250, 'p') + "\r\n";
    const std::string body(20 * 1024, 'b');
    std::string chunked;
    for (int i = 0; i < 20; ++i) chunked += "400\r\n" + std::string(1024, 'c') + "\r\n";
    chunked += "0\r\n\r\n";
    std::string pipeline;
    for (std::size_t i = 0; i < s->options.pipeline; ++i) {
        pipeline += "GET /health HTTP/1.1\r\nHost: attack\r\n";
        pipeline += i + 1 == s->options.pipeline ? "Connection: close\r\n\r\n" : "\r\n";
    }
    const std::vector<Case> cases = {
        {"request-line-9KiB", "GET /health?" + long_value + " HTTP/1.1\r\nHost: attack\r\n\r\n", 414, "V015"},
        {"one-header-9KiB", "GET /health HTTP/1.1\r\nHost: attack\r\nX-Big: " + long_value + "\r\n\r\n", 431, "V014"},
        {"headers-10KiB-total", "GET /health HTTP/1.1\r\nHost: attack\r\n" + many_headers + "\r\n", 431, "V014"},
        {"body-content-length-20KiB",
         "POST /api/auth/signup HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body, 413, "V013"},
        {"body-chunked-20KiB",
         "POST /api/auth/signup HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n\r\n" + chunked, 413, "V013"},
        {"pipeline-" + std::to_string(s->options.pipeline), pipeline, 200, ""},
    };
    std::string json = "[";
    for (const Case& c : cases) {
        const Answer a = co_await SendOversized(s, c.request);
        bool pass = a.status == c.status && a.error_code == c.code;
        if (c.status == 200) pass = a.ok_responses == s->options.pipeline && a.responses == a.ok_responses;
        s->oversized_ok = s->oversized_ok && pass;
        if (json.size() > 1) json += ",";
        json += "{\"case\":" + JsonString(c.name) + ",\"expectStatus\":" + std::to_string(c.status) +
                ",\"expectCode\":" + JsonString(c.code) + ",\"status\":" + std::to_string(a.status) +
                ",\"errorCode\":" + JsonString(a.error_code) + ",\"responses\":" +
                std::to_string(a.responses) + ",\"ok\":" + std::to_string(a.ok_responses) +
                ",\"failure\":" + JsonString(a.failure) + ",\"pass\":" + (pass ? "true" : "false") + "}";
    }
    s->oversized_json = json + "]";
}

// Ends the attack after the duration, lets probes in flight finish (they carry their own
// timeout), then stops the loop.
asio::awaitable<void> Controller(State* s, bool timed) {
    if (timed) co_await Sleep(s, s->options.duration);
    s->stopping = true;
    const auto limit = Clock::now() + s->options.probe_timeout + std::chrono::seconds(1);
    while (s->probes_in_flight > 0 && Clock::now() < limit) {
        co_await Sleep(s, std::chrono::milliseconds(50));
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
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
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
    const std::vector<std::string> modes = {"slowloris", "flood-hold", "flood-churn", "oversized", "probe"};
    if (o.port == 0 || std::find(modes.begin(), modes.end(), o.mode) == modes.end()) Usage(2);

    // Each connection is one descriptor; keep 100 for the prober and the process itself.
    const std::size_t files = RaiseOpenFileLimit();
    if (files > 100 && o.connections > files - 100) {
        std::fprintf(stderr, "hhplus-attack: --connections %zu capped to %zu (open-file limit %zu)\n",
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
    for (const auto& f : state.failure_samples) samples += (samples.size() > 1 ? "," : "") + JsonString(f);
    samples += "]";
    const std::size_t probes = state.probe_ms.size() + state.probe_failures;
    std::printf(
        "{\"mode\":%s,\"target\":%s,\"seconds\":%.1f,\"connections\":%zu,\"sourceIp\":%s,"
        "\"peakOpen\":%zu,\"openAtEnd\":%zu,\"opened\":%zu,\"connectFailures\":%zu,"
        "\"cutByServer\":%zu,\"bytesSent\":%zu,\"probes\":%zu,\"probeFailures\":%zu,"
        "\"probeMaxMs\":%.1f,\"probeP99Ms\":%.1f,\"probeP50Ms\":%.1f,\"failureSamples\":%s",
        JsonString(o.mode).c_str(), JsonString(o.host + ":" + std::to_string(o.port)).c_str(),
        seconds, o.connections, JsonString(o.source_ip).c_str(), state.peak_open, state.open,
        state.opened, state.connect_failures, state.cut_by_server, state.bytes_sent, probes,
        state.probe_failures, Percentile(state.probe_ms, 1.0), Percentile(state.probe_ms, 0.99),
        Percentile(state.probe_ms, 0.5), samples.c_str());
    if (o.mode == "oversized") {
        std::printf(",\"oversized\":%s,\"oversizedPass\":%s", state.oversized_json.c_str(),
                    state.oversized_ok ? "true" : "false");
    }
    std::printf("}\n");
    return state.oversized_ok ? 0 : 1;
}
