#pragma once
// KeyWaiters: the local FIFO of one process's waiters on one lock key (Pub/Sub mode), as pure
// bookkeeping. Only the head contends with Redis; the others sleep until they become the head.
// A release message wakes the head only, and the same release arriving again (from another
// master, or from the local release path) wakes nobody: at most one wake-up per process per
// release, whatever the number of waiters or masters. Not thread-safe (one event loop).
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace hhplus::lock {

using WaiterId = std::uint64_t;

class KeyWaiters {
  public:
    explicit KeyWaiters(std::size_t max_waiters) : max_waiters_(max_waiters) {}

    // Appends a waiter; false (and nothing changes) when `max_waiters` are already queued.
    [[nodiscard]] bool Push(WaiterId id);
    // Removes a waiter wherever it is. When it was the head, returns the new head, which must be
    // woken so that it contends at once (nobody else will tell it).
    std::optional<WaiterId> Remove(WaiterId id);
    std::optional<WaiterId> Head() const;
    bool IsHead(WaiterId id) const { return !queue_.empty() && queue_.front() == id; }

    // A release of the lease with `token` was announced. Returns the head to wake, or nothing
    // when there is no waiter or this release was already announced.
    std::optional<WaiterId> OnRelease(std::string_view token);

    std::size_t size() const { return queue_.size(); }
    bool empty() const { return queue_.empty(); }

  private:
    // Releases remembered for de-duplication. A release is published by every master (≤ 5 in
    // practice) and the local release path; copies of two consecutive releases can interleave,
    // so keep a few: 8 ≥ 5 masters + the local copy + slack for one overlapping release.
    static constexpr std::size_t kRecentReleases = 8;

    std::size_t max_waiters_;
    std::deque<WaiterId> queue_;
    std::array<std::string, kRecentReleases> recent_{};
    std::size_t recent_next_ = 0;
};

}  // namespace hhplus::lock
