#include "lock/lock_manager.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "lock/lock_core.hpp"

namespace hhplus::lock {
namespace asio = boost::asio;

std::string_view ModeName(Mode mode) {
    switch (mode) {
        case Mode::kPubSub:
            return "pubsub";
        case Mode::kPolling:
            return "polling";
    }
    return "unknown";
}

std::optional<Mode> ParseMode(std::string_view text) {
    if (text == "pubsub") return Mode::kPubSub;
    if (text == "polling") return Mode::kPolling;
    return std::nullopt;
}

std::string_view LockErrcName(LockErrc code) {
    switch (code) {
        case LockErrc::kTimeout:
            return "timeout";
        case LockErrc::kUnavailable:
            return "unavailable";
        case LockErrc::kTooManyWaiters:
            return "too_many_waiters";
        case LockErrc::kCancelled:
            return "cancelled";
    }
    return "unknown";
}

// ---- Lease ---------------------------------------------------------------------------------

Lease::Lease(std::shared_ptr<detail::Core> core, std::shared_ptr<detail::LeaseState> state,
             std::uint64_t generation)
    : core_(std::move(core)), state_(std::move(state)), generation_(generation) {}

bool Lease::Owns() const { return !state_->released && state_->generation == generation_; }

Lease::~Lease() {
    if (!Owns()) return;
    // Dropped without Release (an exception, a forgotten path): free the hold in the background
    // rather than block everyone for the TTL.
    detail::Spawn(core_->ex_, detail::ReleaseHold(core_, state_, generation_));
}

const std::string& Lease::key() const { return state_->key; }
const std::string& Lease::token() const { return state_->token; }

bool Lease::Lost() const {
    return Owns() && (state_->lost || core_->clock_->Now() >= state_->valid_until);
}

bool Lease::Released() const { return !Owns(); }

std::chrono::steady_clock::time_point Lease::ValidUntil() const { return state_->valid_until; }

void Lease::OnLost(std::function<void()> handler) {
    if (!Owns()) return;
    if (state_->lost) {
        if (handler) handler();
        return;
    }
    state_->on_lost = std::move(handler);
}

asio::awaitable<void> Lease::WaitLost() {
    // Keep the state alive across the suspension even if the Lease is destroyed meanwhile.
    const std::shared_ptr<detail::LeaseState> state = state_;
    const std::uint64_t generation = generation_;
    while (!state->lost && !state->released && state->generation == generation) {
        boost::system::error_code ec;
        co_await state->lost_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

asio::awaitable<void> Lease::Release() { co_await detail::ReleaseHold(core_, state_, generation_); }

// ---- LockManager ---------------------------------------------------------------------------

namespace {

LockOptions WithRole(LockOptions options) {
    if (options.client.role.empty()) options.client.role = "lock";
    return options;
}

}  // namespace

LockManager::LockManager(asio::any_io_executor ex, const std::vector<redis::Endpoint>& masters,
                         LockOptions options, LockMetrics metrics) {
    options = WithRole(std::move(options));
    auto links = MakeRedisMasters(ex, masters, options.client, options.mode == Mode::kPubSub);
    core_ = std::make_shared<detail::Core>(std::move(ex), std::move(links), std::move(options),
                                           std::move(metrics), std::make_shared<SystemLockClock>());
}

LockManager::LockManager(asio::any_io_executor ex, std::vector<LockMaster> masters,
                         LockOptions options, LockMetrics metrics, std::shared_ptr<LockClock> clock)
    : core_(std::make_shared<detail::Core>(std::move(ex), std::move(masters), std::move(options),
                                           std::move(metrics), std::move(clock))) {}

LockManager::~LockManager() { core_->Stop(); }

void LockManager::Start() { core_->Start(); }
void LockManager::Stop() { core_->Stop(); }
bool LockManager::QuorumAvailable() const { return core_->QuorumAvailable(); }
const LockOptions& LockManager::options() const { return core_->options_; }

asio::awaitable<Result<std::shared_ptr<Lease>, LockErrc>> LockManager::Acquire(
    std::string key, std::chrono::milliseconds wait_budget) {
    const std::shared_ptr<detail::Core> core = core_;
    if (core->options_.mode == Mode::kPubSub) {
        co_return co_await detail::AcquirePubSub(core, std::move(key), wait_budget);
    }
    co_return co_await detail::AcquirePolling(core, std::move(key), wait_budget);
}

}  // namespace hhplus::lock
