#include "domain/auth/auth_handler.hpp"

#include "domain/auth/auth_rules.hpp"
#include "domain/handler_support.hpp"
#include "http/json.hpp"

namespace hhplus::auth {

namespace asio = boost::asio;

namespace {

// Both bodies: {"email": string, "password": string}. Byte bounds here are generous outer
// limits; the precise rules are NormalizeEmail / IsValidPassword.
const http::Field kCredentialFields[] = {
    {"email", http::kString, http::kRequired, 1, 1024},
    {"password", http::kString, http::kRequired, 0, 1024},
};

std::string RenderUser(std::int64_t user_id, std::string_view email, bool with_balance) {
    http::JsonWriter w;
    w.StartObject().Key("userId").Int(user_id).Key("email").String(email);
    if (with_balance) w.Key("balance").Int(0);  // a new account starts at 0 won
    w.EndObject();
    return w.Finish();
}

}  // namespace

asio::awaitable<http::Response> AuthHandler::Signup(http::Request request) {
    auto body = http::ParseObject(request.body, kCredentialFields);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    auto email = NormalizeEmail(body->GetString("email"));
    const std::string password(body->GetString("password"));
    if (!email || !IsValidPassword(password)) {
        co_return domain::RenderError(
            request, MakeError(ErrorCode::kInvalidRequest, "bad email or password shape"), clock_);
    }
    auto signed_up = co_await service_.Signup(*email, password, request.Cookie("sid"));
    if (!signed_up.ok()) co_return domain::RenderError(request, signed_up.error(), clock_);
    auto response = http::Json(201, RenderUser(signed_up->user_id, signed_up->email, true));
    response.headers.emplace_back("Set-Cookie",
                                  SessionCookie(signed_up->session_id, secure_cookie_));
    co_return response;
}

asio::awaitable<http::Response> AuthHandler::Login(http::Request request) {
    auto body = http::ParseObject(request.body, kCredentialFields);
    if (!body.ok()) co_return domain::RenderError(request, body.error(), clock_);
    auto email = NormalizeEmail(body->GetString("email"));
    const std::string password(body->GetString("password"));
    if (!email || password.size() > kPasswordMaxBytes) {
        co_return domain::RenderError(
            request, MakeError(ErrorCode::kInvalidRequest, "bad email or password shape"), clock_);
    }
    std::chrono::seconds retry_after{0};
    auto logged_in = co_await service_.Login(*email, password, request.Cookie("sid"), &retry_after);
    if (!logged_in.ok()) {
        auto response = domain::RenderError(request, logged_in.error(), clock_);
        if (logged_in.error().code == ErrorCode::kTooManyLoginAttempts) {
            for (auto& [name, value] : response.headers) {
                if (name == "Retry-After") value = std::to_string(retry_after.count());
            }
        }
        co_return response;
    }
    auto response = http::Json(200, RenderUser(logged_in->user_id, logged_in->email, false));
    response.headers.emplace_back("Set-Cookie",
                                  SessionCookie(logged_in->session_id, secure_cookie_));
    co_return response;
}

asio::awaitable<http::Response> AuthHandler::Logout(http::Request request) {
    auto done = co_await service_.Logout(request.Cookie("sid"));
    if (!done.ok()) co_return domain::RenderError(request, done.error(), clock_);
    auto response = http::NoContent();
    response.headers.emplace_back("Set-Cookie", ExpiredSessionCookie(secure_cookie_));
    co_return response;
}

asio::awaitable<http::Response> AuthHandler::Me(http::Request request) {
    auto session = co_await service_.Authenticate(request.Cookie("sid"));
    if (!session.ok()) co_return domain::RenderError(request, session.error(), clock_);
    co_return http::Json(200, RenderUser(session->user_id, session->email, false));
}

}  // namespace hhplus::auth
