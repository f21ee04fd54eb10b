// A server with two trivial routes, for measuring the HTTP layer alone with wrk:
//   hhplus_http_hello_server [port]    (SIGINT/SIGTERM: graceful drain, then exit)
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "http/json.hpp"
#include "http/server.hpp"

namespace {

using hhplus::http::Request;
using hhplus::http::Response;

boost::asio::awaitable<Response> Hello(Request) {
    co_return hhplus::http::Json(200, R"({"hello":"world"})");
}

boost::asio::awaitable<Response> Balance(Request req) {
    hhplus::http::JsonWriter w;
    w.StartObject().Key("userId").Int(req.PathId("userId")).Key("balance").Int(15000).EndObject();
    co_return hhplus::http::Json(200, w.Finish());
}

boost::asio::awaitable<void> StopOnSignal(boost::asio::signal_set* signals,
                                          hhplus::http::Server* server) {
    co_await signals->async_wait(boost::asio::use_awaitable);
    co_await server->Shutdown();
}

}  // namespace

int main(int argc, char** argv) {
    hhplus::http::ServerOptions options;
    options.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 18080);
    options.instance_name = "hello";
    boost::asio::io_context io(1);
    hhplus::SystemClock clock;
    hhplus::http::Router router;
    router.Add(hhplus::http::Method::kGet, "/hello", Hello);
    router.Add(hhplus::http::Method::kGet, "/api/users/{userId}/balance", Balance);
    hhplus::http::Server server(io, options, router, clock);
    if (const auto error = server.Listen()) {
        std::fprintf(stderr, "%s\n", error->c_str());
        return 1;
    }
    std::fprintf(stderr, "listening on 127.0.0.1:%u\n", static_cast<unsigned>(server.port()));
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    boost::asio::co_spawn(io, StopOnSignal(&signals, &server), boost::asio::detached);
    io.run();
    return 0;
}
