#include "domain/auth/login_limiter.hpp"

#include "domain/auth/auth_rules.hpp"
#include "domain/crypto.hpp"
#include "domain/dependency_errors.hpp"

namespace hhplus::auth {

namespace asio = boost::asio;

std::string LoginLimiter::Key(std::string_view email) {
    return "login_fail:" + domain::Sha256Hex(email);  // no plain emails in the cache
}

asio::awaitable<Status> LoginLimiter::Check(std::string email, std::chrono::seconds* retry_after) {
    std::vector<std::vector<std::string>> cmds{{"GET", Key(email)}, {"PTTL", Key(email)}};
    auto r = co_await cache_.Pipeline(std::move(cmds));
    if (!r.ok()) co_return domain::RedisFailure(r.error());
    const auto& count = r.value()[0];
    if (count.IsError()) co_return domain::RedisReplyFailure(count);
    if (count.IsNil() || std::atoll(count.str.c_str()) < kLoginFailureLimit) co_return Ok{};
    const long long pttl_ms = r.value()[1].integer;
    if (retry_after != nullptr) {
        *retry_after = std::chrono::seconds(pttl_ms > 0 ? (pttl_ms + 999) / 1000 : 1);
    }
    co_return MakeError(ErrorCode::kTooManyLoginAttempts, "login failure limit reached");
}

asio::awaitable<Status> LoginLimiter::RecordFailure(std::string email) {
    // EXPIRE … NX (Redis 7) starts the window at the first failure and never extends it.
    std::vector<std::vector<std::string>> cmds{
        {"INCR", Key(email)},
        {"EXPIRE", Key(email), std::to_string(kLoginFailureWindow.count()), "NX"}};
    auto r = co_await cache_.Pipeline(std::move(cmds));
    if (!r.ok()) co_return domain::RedisFailure(r.error());
    co_return Ok{};
}

asio::awaitable<Status> LoginLimiter::Reset(std::string email) {
    std::vector<std::string> cmd{"DEL", Key(email)};
    auto r = co_await cache_.Command(std::move(cmd));
    if (!r.ok()) co_return domain::RedisFailure(r.error());
    co_return Ok{};
}

}  // namespace hhplus::auth
