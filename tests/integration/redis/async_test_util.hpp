#pragma once
// Driving coroutines from a test body: the io_context runs on the test's thread, step by step,
// until a condition holds or a deadline passes (never a fixed sleep).
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>

#include "redis/client.hpp"

namespace hhplus::redis {
// gtest prints an Errc by name in failure messages (found by ADL).
inline void PrintTo(Errc code, std::ostream* os) { *os << ErrcName(code); }
}  // namespace hhplus::redis

namespace hhplus::redis::testing {

// Generous: a loaded 2-core machine running several test binaries must not make a test flaky.
inline constexpr std::chrono::seconds kDefaultWait{15};
// One step of the loop: short, so a condition is noticed soon after it becomes true.
inline constexpr std::chrono::milliseconds kStep{10};

// Runs the io_context until done() or the timeout; returns done().
template <class Done>
bool RunUntil(boost::asio::io_context& ioc, Done done,
              std::chrono::milliseconds timeout = kDefaultWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        if (ioc.stopped()) ioc.restart();
        ioc.run_one_for(kStep);
    }
    return true;
}

template <class T>
boost::asio::awaitable<void> StoreResult(boost::asio::awaitable<T> work,
                                         std::shared_ptr<std::optional<T>> out) {
    out->emplace(co_await std::move(work));
}

// Starts `work` (it runs when the io_context does); its result lands in the returned slot.
// (co_spawn cannot take an awaitable<Result<…>> directly: its completion handler needs a
// default-constructible value, which Result is not.)
template <class T>
std::shared_ptr<std::optional<T>> Spawn(boost::asio::io_context& ioc,
                                        boost::asio::awaitable<T> work) {
    auto out = std::make_shared<std::optional<T>>();
    boost::asio::co_spawn(ioc, StoreResult(std::move(work), out), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    return out;
}

// Runs `work` to completion; throws (failing the test) if it does not complete in time.
template <class T>
T Await(boost::asio::io_context& ioc, boost::asio::awaitable<T> work,
        std::chrono::milliseconds timeout = kDefaultWait) {
    auto slot = Spawn(ioc, std::move(work));
    if (!RunUntil(
            ioc, [&slot] { return slot->has_value(); }, timeout)) {
        throw std::runtime_error("coroutine did not complete in time");
    }
    return std::move(**slot);
}

}  // namespace hhplus::redis::testing
