// hhplus-sink: the smallest data platform the `data-platform` consumers can deliver to.
//
//   POST /orders   a paid-order JSON ({"orderId": N, …}) → 200 {"ok":true,"duplicate":bool}
//                  (a duplicate is answered 200 too: at-least-once senders resend, the sink
//                  dedupes by orderId); a body that is not such JSON → 400.
//   GET  /stats    {"received":R,"distinct":D,"duplicates":R-D,"failed":F}
//
// --fail-every K answers 500 to every K-th POST (counted in `failed`, nothing recorded), so a
// test can check that the sender retries until every order is in. Served by the app's own HTTP
// server (src/http: limits, timeouts, error shape, drain on SIGTERM) on one io_context.
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <rapidjson/document.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/clock.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace {

namespace asio = boost::asio;
using hhplus::http::Method;
using hhplus::http::Request;
using hhplus::http::Response;

// A paid order is ~300 B (20 items × ~80 B at most ≈ 2 KB); 64 KiB refuses anything else.
constexpr std::size_t kMaxBody = std::size_t{64} * 1024;

struct Stats {
    std::uint64_t received = 0;  // POSTs accepted (200)
    std::uint64_t failed = 0;    // POSTs answered 500 on purpose (--fail-every)
    std::uint64_t posts = 0;     // every POST /orders, for --fail-every
    std::unordered_set<std::int64_t> orders;
};

struct Options {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 0;
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

Response StatsOf(const Stats& stats) {
    const std::uint64_t distinct = stats.orders.size();
    std::string body = "{\"received\":" + std::to_string(stats.received);
    body += ",\"distinct\":" + std::to_string(distinct);
    body += ",\"duplicates\":" + std::to_string(stats.received - distinct);
    body += ",\"failed\":" + std::to_string(stats.failed) + "}";
    return hhplus::http::Json(200, std::move(body));
}

Response Receive(const std::string& body, Stats& stats, const Options& options) {
    ++stats.posts;
    if (options.fail_every > 0 && stats.posts % options.fail_every == 0) {
        ++stats.failed;
        return hhplus::http::Json(500, R"({"error":"failing on purpose: --fail-every"})");
    }
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("orderId") ||
        !doc["orderId"].IsInt64() || doc["orderId"].GetInt64() <= 0) {
        return hhplus::http::Json(400, R"({"error":"expected an object with a positive orderId"})");
    }
    ++stats.received;
    const bool fresh = stats.orders.insert(doc["orderId"].GetInt64()).second;
    return hhplus::http::Json(
        200, fresh ? R"({"ok":true,"duplicate":false})" : R"({"ok":true,"duplicate":true})");
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
            options.port = static_cast<std::uint16_t>(number);
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

    Stats stats;
    hhplus::http::Router router;
    router.Add(Method::kGet, "/stats",
               [&stats](Request) -> asio::awaitable<Response> { co_return StatsOf(stats); });
    router.Add(
        Method::kPost, "/orders",
        [&stats, &options](Request request) -> asio::awaitable<Response> {
            co_return Receive(request.body, stats, options);
        },
        hhplus::http::BodyKind::kJson);

    asio::io_context io(1);
    hhplus::SystemClock clock;
    hhplus::http::ServerOptions server_options;
    server_options.bind_address = options.bind;
    server_options.port = options.port;
    server_options.instance_name = "hhplus-sink";
    server_options.body_limit = kMaxBody;
    hhplus::http::Server server(io, server_options, router, clock);
    if (auto error = server.Listen()) {
        std::cerr << "hhplus-sink: cannot listen on " << options.bind << ":" << options.port << ": "
                  << *error << "\n";
        return 1;
    }
    std::cout << "port " << server.port() << std::endl;  // flushed: tests read it
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        asio::co_spawn(
            io, [&]() -> asio::awaitable<void> { co_await server.Shutdown(); }, asio::detached);
    });
    io.run();
    return 0;
}
