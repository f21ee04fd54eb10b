#pragma once
// The lock's time seam: where the lock core reads the time and how its waits end. Production
// uses SystemLockClock (std::chrono::steady_clock and real Asio timers); unit tests pass a manual
// clock whose time moves only when the test says so, so the timing rules (renewal at TTL/3, the
// retry timers, the wait budget) are checked in milliseconds without Redis or real time.
//
// Why an interface and not a template parameter: the core is one translation unit of coroutines
// shared by both modes; templating it on the clock would move all of it into headers. A virtual
// call per clock read or timer arm costs nanoseconds, against the ≥ 0.1 ms Redis round trip that
// every one of them accompanies.
//
// Contract: everything here runs on the lock's single loop thread and returns at once; only
// Alarm::Wait suspends. The clock is shared (shared_ptr) by the core and every Alarm, so it
// outlives them whatever the destruction order.
// clang-format off
#include <utility>  // before Asio: Asio 1.18 uses std::exchange without including it
// clang-format on
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>

namespace hhplus::lock {

using SteadyTime = std::chrono::steady_clock::time_point;

class LockClock {
  public:
    virtual ~LockClock() = default;
    // Monotonic time, for deadlines and validity.
    virtual SteadyTime Now() const = 0;
    // Makes a wait on `bed` end once this clock reaches `deadline` (Cancel still ends it sooner).
    // The bed is an Alarm's Asio timer: the clock only decides when it rings.
    virtual void Arm(boost::asio::steady_timer& bed, SteadyTime deadline) = 0;
    // `bed` is being destroyed: a clock that tracks beds must forget it. Never throws.
    virtual void Forget(boost::asio::steady_timer& bed) noexcept = 0;
};

// Production: steady_clock, and the bed's own expiry (exactly what the core did before the seam).
class SystemLockClock final : public LockClock {
  public:
    SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
    void Arm(boost::asio::steady_timer& bed, SteadyTime deadline) override {
        bed.expires_at(deadline);
    }
    void Forget(boost::asio::steady_timer& /*bed*/) noexcept override {}
};

// One cancellable wait with a deadline on a LockClock: a waiter's bed, a watchdog's period. The
// wait ends at the deadline or on Cancel, whichever comes first, and never fails; callers re-check
// their state after every wait, so they need not know which. One wait at a time.
class Alarm {
  public:
    Alarm(boost::asio::any_io_executor ex, std::shared_ptr<LockClock> clock)
        : bed_(std::move(ex)), clock_(std::move(clock)) {}
    ~Alarm() { clock_->Forget(bed_); }
    Alarm(const Alarm&) = delete;
    Alarm& operator=(const Alarm&) = delete;

    // Sets the deadline of the next wait (a wait in progress ends at once, as with Asio timers).
    void ExpiresAt(SteadyTime deadline) { clock_->Arm(bed_, deadline); }
    // Ends a wait in progress now.
    void Cancel() { bed_.cancel(); }
    // Suspends until the deadline or Cancel. Not a coroutine itself: no frame of its own.
    boost::asio::awaitable<void> Wait();

  private:
    boost::asio::steady_timer bed_;
    std::shared_ptr<LockClock> clock_;
    boost::system::error_code ended_by_;  // operation_aborted = cancelled; nobody reads it
};

}  // namespace hhplus::lock
