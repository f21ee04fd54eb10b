#pragma once
// AuthService: signup, login, logout and the session checks every protected route uses.
// Inputs arrive validated and normalised by the handler (auth_rules.hpp); every call suspends.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "domain/auth/login_limiter.hpp"
#include "domain/auth/password_hasher.hpp"
#include "domain/auth/session_store.hpp"
#include "domain/auth/user_store.hpp"

namespace hhplus::auth {

struct LoggedIn {
    std::int64_t user_id = 0;
    std::string email;
    std::string session_id;  // the new (rotated) session id for the cookie
};

class AuthService {
  public:
    AuthService(UserStore& users, SessionStore& sessions, LoginLimiter& limiter,
                PasswordHasher& hasher, std::string dummy_hash)
        : users_(users),
          sessions_(sessions),
          limiter_(limiter),
          hasher_(hasher),
          dummy_hash_(std::move(dummy_hash)) {}

    // A003 when the email is taken; opens a session as if logged in.
    boost::asio::awaitable<Result<LoggedIn>> Signup(std::string email, std::string password,
                                                    std::optional<std::string> old_session);
    // A004 for a wrong email or password (same answer, same work), A005 + retry_after when the
    // email's failure limit is reached. Rotates the session id: the old session, if any, ends.
    boost::asio::awaitable<Result<LoggedIn>> Login(std::string email, std::string password,
                                                   std::optional<std::string> old_session,
                                                   std::chrono::seconds* retry_after);
    boost::asio::awaitable<Status> Logout(std::optional<std::string> session_id);

    // A001 without a valid session.
    boost::asio::awaitable<Result<Session>> Authenticate(std::optional<std::string> session_id);
    // A001 without a session, A002 when the session's user is not `user_id`.
    boost::asio::awaitable<Result<Session>> Authorize(std::optional<std::string> session_id,
                                                      std::int64_t user_id);

  private:
    boost::asio::awaitable<Result<LoggedIn>> OpenSession(std::int64_t user_id, std::string email,
                                                         std::optional<std::string> old_session);

    UserStore& users_;
    SessionStore& sessions_;
    LoginLimiter& limiter_;
    PasswordHasher& hasher_;
    std::string dummy_hash_;  // verified against when the email is unknown: constant work
};

}  // namespace hhplus::auth
