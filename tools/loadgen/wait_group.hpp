#pragma once
// Waiting for a set of detached coroutines on one io_context thread: Add() before spawning,
// Done() as each ends, Wait() suspends until the count is zero. Implemented with a steady_timer
// that never expires and is cancelled to wake the waiter (no asio::experimental channels in
// Boost 1.74).
#include <utility>  // first: Asio 1.18 uses std::exchange without including it
// (this comment keeps clang-format from sorting <utility> below the Asio headers)
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

namespace hhplus::loadgen {

class WaitGroup {
  public:
    explicit WaitGroup(boost::asio::any_io_executor executor)
        : timer_(std::move(executor), boost::asio::steady_timer::time_point::max()) {}
    void Add(int n = 1) { pending_ += n; }
    void Done() {
        if (--pending_ <= 0) timer_.cancel();
    }
    int Pending() const { return pending_; }
    boost::asio::awaitable<void> Wait() {
        while (pending_ > 0) {
            boost::system::error_code ec;
            co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        }
    }

  private:
    boost::asio::steady_timer timer_;
    int pending_ = 0;
};

// Completion handler for co_spawn of detached coroutines: an exception is a bug, so it leaves
// io_context::run() instead of vanishing.
inline void RethrowIfFailed(std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
}

}  // namespace hhplus::loadgen
