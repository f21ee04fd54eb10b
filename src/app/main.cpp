// hhplus-server: one process = one io_context on one thread, coroutines throughout.
#include <utility>

#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "app/app.hpp"
#include "common/config.hpp"
#include "common/log.hpp"

namespace asio = boost::asio;

namespace {

asio::awaitable<void> Serve(hhplus::app::App* app, asio::signal_set* signals, int* exit_code) {
    if (auto failed = co_await app->Start()) {
        hhplus::log::Error("cannot start: " + *failed);
        *exit_code = 1;
        co_await app->Stop();
        signals->cancel();
        co_return;
    }
    boost::system::error_code ec;
    const int signo = co_await signals->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    hhplus::log::Info(std::string("received ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
                      ", shutting down");
    co_await app->Stop();
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::fputs(hhplus::HelpText().c_str(), stdout);
            return 0;
        }
        std::fprintf(stderr,
                     "hhplus-server: unknown argument '%s' (configuration comes from the "
                     "environment; see --help)\n",
                     argv[i]);
        return 2;
    }
    auto loaded = hhplus::LoadConfig(hhplus::ProcessEnvironment());
    if (!loaded.config) {
        std::fprintf(stderr, "hhplus-server: configuration error: %s\n", loaded.error.c_str());
        return 2;
    }
    hhplus::log::SetLevel(loaded.config->log_level);
    hhplus::log::SetInstance(loaded.config->instance_name);
    if (sodium_init() < 0) {
        std::fputs("hhplus-server: libsodium failed to initialise\n", stderr);
        return 1;
    }
    std::signal(SIGPIPE, SIG_IGN);  // a peer closing mid-write is an error code, not a death

    asio::io_context io(1);  // concurrency hint 1: one thread runs the loop, Asio can skip locks
    int exit_code = 0;
    {
        hhplus::app::App app(io, std::move(*loaded.config));
        asio::signal_set signals(io, SIGTERM, SIGINT);
        asio::co_spawn(io, Serve(&app, &signals, &exit_code), asio::detached);
        io.run();
    }
    return exit_code;
}
