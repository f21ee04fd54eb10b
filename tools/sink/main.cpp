// hhplus-sink: the smallest data platform the `data-platform` consumers can deliver to.
//
//   POST /orders   a paid-order JSON ({"orderId": N, …}) → 200 {"ok":true,"duplicate":bool}
//                  (a duplicate is answered 200 too: at-least-once senders resend, the sink
//                  dedupes by orderId); a body that is not such JSON → 400.
//   GET  /stats    {"received":R,"distinct":D,"duplicates":R-D,"failed":F}
//
// --fail-every K answers 500 to every K-th POST (counted in `failed`, nothing recorded), so a
// test can check that the sender retries until every order is in. One io_context, one thread,
// Beast coroutines; bodies over kMaxBody and idle connections are cut.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <rapidjson/document.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <unordered_set>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

// A paid order is ~300 B (20 items × ~80 B at most ≈ 2 KB); 64 KiB refuses anything else.
constexpr std::size_t kMaxBody = 64 * 1024;
// A connection idle this long (or a request taking longer to arrive) is closed; senders keep
// one keep-alive connection each and reconnect when it is gone.
constexpr std::chrono::seconds kIdleTimeout{60};

struct Stats {
    std::uint64_t received = 0;  // POSTs accepted (200)
    std::uint64_t failed = 0;    // POSTs answered 500 on purpose (--fail-every)
    std::uint64_t posts = 0;     // every POST /orders, for --fail-every
    std::unordered_set<std::int64_t> orders;
};

struct Options {
    std::string bind = "127.0.0.1";
    unsigned port = 0;
    std::uint64_t fail_every = 0;  // 0: never
};

const char* kHelp =
    "usage: hhplus-sink [--port N] [--bind ADDR] [--fail-every K]\n"
    "  --port N        listen port (default 0: a free port, printed on stdout as 'port N')\n"
    "  --bind ADDR     listen address (default 127.0.0.1)\n"
    "  --fail-every K  answer 500 to every K-th POST /orders (default 0: never)\n"
    "POST /orders {\"orderId\":N,...} -> 200 (duplicates too); GET /stats -> "
    "{\"received\",\"distinct\",\"duplicates\",\"failed\"}. SIGINT/SIGTERM stop it.\n";

bool ParseNumber(std::string_view text, std::uint64_t& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

http::response<http::string_body> Answer(unsigned status, std::string body, bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

http::response<http::string_body> Handle(const http::request<http::string_body>& req, Stats& stats,
                                         const Options& options) {
    const bool keep = req.keep_alive();
    if (req.target() == "/stats" && req.method() == http::verb::get) {
        const std::uint64_t distinct = stats.orders.size();
        std::string body = "{\"received\":" + std::to_string(stats.received) +
                           ",\"distinct\":" + std::to_string(distinct) +
                           ",\"duplicates\":" + std::to_string(stats.received - distinct) +
                           ",\"failed\":" + std::to_string(stats.failed) + "}";
        return Answer(200, std::move(body), keep);
    }
    if (req.target() != "/orders") return Answer(404, R"({"error":"not found"})", keep);
    if (req.method() != http::verb::post) return Answer(405, R"({"error":"POST only"})", keep);
    ++stats.posts;
    if (options.fail_every > 0 && stats.posts % options.fail_every == 0) {
        ++stats.failed;
        return Answer(500, "{\"error\":\"failing on purpose: --fail-every\"}", keep);
    }
    rapidjson::Document doc;
    doc.Parse(req.body().data(), req.body().size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("orderId") ||
        !doc["orderId"].IsInt64() || doc["orderId"].GetInt64() <= 0) {
        return Answer(400, R"({"error":"expected an object with a positive orderId"})", keep);
    }
    ++stats.received;
    const bool fresh = stats.orders.insert(doc["orderId"].GetInt64()).second;
    std::string body =
        fresh ? R"({"ok":true,"duplicate":false})" : R"({"ok":true,"duplicate":true})";
    return Answer(200, std::move(body), keep);
}

asio::awaitable<void> Session(asio::ip::tcp::socket socket, Stats* stats, const Options* options) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(kMaxBody);
        stream.expires_after(kIdleTimeout);
        beast::error_code ec;
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::body_limit) {
            auto res = Answer(413, R"({"error":"body too large"})", false);
            co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
            break;
        }
        if (ec) break;
        auto res = Handle(parser.get(), *stats, *options);
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> Accept(asio::ip::tcp::acceptor* acceptor, Stats* stats,
                             const Options* options) {
    for (;;) {
        beast::error_code ec;
        auto socket =
            co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) continue;  // e.g. EMFILE: try the next one
        asio::co_spawn(acceptor->get_executor(), Session(std::move(socket), stats, options),
                       asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        std::uint64_t number = 0;
        if (arg == "--help" || arg == "-h") {
            std::cout << kHelp;
            return 0;
        } else if (arg == "--port" && has_value && ParseNumber(argv[i + 1], number) &&
                   number <= 65535) {
            options.port = static_cast<unsigned>(number);
            ++i;
        } else if (arg == "--bind" && has_value) {
            options.bind = argv[++i];
        } else if (arg == "--fail-every" && has_value && ParseNumber(argv[i + 1], number)) {
            options.fail_every = number;
            ++i;
        } else {
            std::cerr << "hhplus-sink: bad argument '" << arg << "'\n" << kHelp;
            return 2;
        }
    }
    asio::io_context io(1);
    beast::error_code ec;
    const auto address = asio::ip::make_address(options.bind, ec);
    if (ec) {
        std::cerr << "hhplus-sink: bad --bind address '" << options.bind << "'\n";
        return 2;
    }
    asio::ip::tcp::acceptor acceptor(io);
    const asio::ip::tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        std::cerr << "hhplus-sink: cannot listen on " << options.bind << ":" << options.port << ": "
                  << ec.message() << "\n";
        return 1;
    }
    std::cout << "port " << acceptor.local_endpoint().port()
              << std::endl;  // flushed: tests read it
    Stats stats;
    asio::co_spawn(io, Accept(&acceptor, &stats, &options), asio::detached);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const beast::error_code&, int) { io.stop(); });
    io.run();
    return 0;
}
