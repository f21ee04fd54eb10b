#include "lock/key_waiters.hpp"

#include <algorithm>

namespace hhplus::lock {

bool KeyWaiters::Push(WaiterId id) {
    if (queue_.size() >= max_waiters_) return false;
    queue_.push_back(id);
    return true;
}

std::optional<WaiterId> KeyWaiters::Remove(WaiterId id) {
    const auto it = std::find(queue_.begin(), queue_.end(), id);
    if (it == queue_.end()) return std::nullopt;
    const bool was_head = it == queue_.begin();
    queue_.erase(it);
    if (was_head && !queue_.empty()) return queue_.front();
    return std::nullopt;
}

std::optional<WaiterId> KeyWaiters::Head() const {
    if (queue_.empty()) return std::nullopt;
    return queue_.front();
}

std::optional<WaiterId> KeyWaiters::OnRelease(std::string_view token) {
    if (std::find(recent_.begin(), recent_.end(), token) != recent_.end()) return std::nullopt;
    recent_[recent_next_] = std::string(token);
    recent_next_ = (recent_next_ + 1) % recent_.size();
    return Head();
}

}  // namespace hhplus::lock
