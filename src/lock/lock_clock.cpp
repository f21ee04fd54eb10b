#include "lock/lock_clock.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace hhplus::lock {

boost::asio::awaitable<void> Alarm::Wait() {
    // redirect_error: a cancel is a normal end of the wait, not an exception.
    return bed_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ended_by_));
}

}  // namespace hhplus::lock
