#include "domain/auth/auth_service.hpp"

namespace hhplus::auth {

namespace asio = boost::asio;

asio::awaitable<Result<LoggedIn>> AuthService::Signup(std::string email, std::string password,
                                                      std::optional<std::string> old_session) {
    auto hash = co_await hasher_.Hash(std::move(password));
    if (!hash.ok()) co_return std::move(hash).error();
    auto id = co_await users_.Insert(email, std::move(hash).value());
    if (!id.ok()) co_return std::move(id).error();
    co_return co_await OpenSession(id.value(), std::move(email), std::move(old_session));
}

asio::awaitable<Result<LoggedIn>> AuthService::Login(std::string email, std::string password,
                                                     std::optional<std::string> old_session,
                                                     std::chrono::seconds* retry_after) {
    auto allowed = co_await limiter_.Check(email, retry_after);
    if (!allowed.ok()) co_return std::move(allowed).error();
    auto user = co_await users_.FindByEmail(email);
    if (!user.ok()) co_return std::move(user).error();
    // Unknown email: verify against the dummy hash anyway, so both failures cost the same time.
    const std::string phc = user.value() ? user.value()->password_hash : dummy_hash_;
    auto match = co_await hasher_.Verify(phc, std::move(password));
    if (!match.ok()) co_return std::move(match).error();
    if (!user.value() || !match.value()) {
        auto recorded = co_await limiter_.RecordFailure(email);
        if (!recorded.ok()) co_return std::move(recorded).error();
        co_return MakeError(ErrorCode::kBadCredentials, "wrong email or password");
    }
    // A successful login clears the failure count; losing that write only delays the reset.
    (void)co_await limiter_.Reset(email);
    co_return co_await OpenSession(user.value()->id, std::move(email), std::move(old_session));
}

asio::awaitable<Result<LoggedIn>> AuthService::OpenSession(std::int64_t user_id, std::string email,
                                                           std::optional<std::string> old_session) {
    // Rotation: the id the client held before (if any) stops working; a fresh random id is
    // issued, so a planted id (session fixation) is never adopted.
    if (old_session) {
        auto deleted = co_await sessions_.Delete(*old_session);
        if (!deleted.ok()) co_return std::move(deleted).error();
    }
    // A named local: an aggregate temporary inside a co_await expression is destroyed twice by
    // g++ 12 (a double free; see docs/architecture.md "g++ 12 pitfalls").
    Session session{user_id, email};
    auto sid = co_await sessions_.Create(std::move(session));
    if (!sid.ok()) co_return std::move(sid).error();
    // Named locals, not a braced temporary in co_return: g++ 12 destroys such temporaries twice.
    LoggedIn logged_in{user_id, std::move(email), std::move(sid).value()};
    co_return logged_in;
}

asio::awaitable<Status> AuthService::Logout(std::optional<std::string> session_id) {
    if (!session_id) co_return Ok{};
    co_return co_await sessions_.Delete(*session_id);
}

asio::awaitable<Result<Session>> AuthService::Authenticate(std::optional<std::string> session_id) {
    if (!session_id) co_return MakeError(ErrorCode::kNotLoggedIn, "no session cookie");
    auto found = co_await sessions_.Find(*session_id);
    if (!found.ok()) co_return std::move(found).error();
    if (!found.value()) co_return MakeError(ErrorCode::kNotLoggedIn, "unknown or expired session");
    co_return std::move(*found.value());
}

asio::awaitable<Result<Session>> AuthService::Authorize(std::optional<std::string> session_id,
                                                        std::int64_t user_id) {
    auto session = co_await Authenticate(std::move(session_id));
    if (!session.ok()) co_return std::move(session).error();
    if (session->user_id != user_id) {
        co_return MakeError(ErrorCode::kForbidden, "session user is not the path user");
    }
    co_return std::move(session).value();
}

}  // namespace hhplus::auth
