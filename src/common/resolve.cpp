#include "common/resolve.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "common/urls.hpp"

namespace hhplus {
namespace asio = boost::asio;

namespace {

// getaddrinfo runs on Asio's resolver thread and cannot be interrupted, so the caller does not
// co_await it directly: it waits on `signal` with its own deadline and abandons a slow lookup
// (which finishes later on that thread and is dropped).
struct ResolveState {
    explicit ResolveState(const asio::any_io_executor& ex) : signal(ex) {}
    asio::steady_timer signal;
    bool done = false;
    boost::system::error_code ec;
    std::string address;
};

asio::awaitable<void> RunResolve(std::shared_ptr<ResolveState> state, std::string host) {
    asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
    boost::system::error_code ec;
    auto results =
        co_await resolver.async_resolve(host, "", asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && results.empty()) ec = asio::error::host_not_found;
    if (!ec) {
        auto chosen = results.begin();
        for (auto it = results.begin(); it != results.end(); ++it) {
            if (it->endpoint().address().is_v4()) {
                chosen = it;
                break;
            }
        }
        state->address = chosen->endpoint().address().to_string();
    }
    state->ec = ec;
    state->done = true;
    state->signal.cancel();
}

}  // namespace

asio::awaitable<Resolved> ResolveHost(asio::any_io_executor ex, std::string host,
                                      std::chrono::steady_clock::time_point deadline) {
    if (IsIpLiteral(host)) co_return Resolved{std::move(host), {}};
    auto state = std::make_shared<ResolveState>(ex);
    state->signal.expires_at(deadline);
    asio::co_spawn(ex, RunResolve(state, host), asio::detached);
    boost::system::error_code ec;
    if (!state->done) {
        co_await state->signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!state->done) co_return Resolved{{}, "resolving " + host + " timed out"};
    if (state->ec) co_return Resolved{{}, "cannot resolve " + host + ": " + state->ec.message()};
    co_return Resolved{state->address, {}};
}

}  // namespace hhplus
