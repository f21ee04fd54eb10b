#include "domain/auth/session_store.hpp"

#include <charconv>

#include "domain/auth/auth_rules.hpp"
#include "domain/crypto.hpp"
#include "domain/dependency_errors.hpp"

namespace hhplus::auth {

namespace asio = boost::asio;

std::string SessionStore::Key(std::string_view sid) { return "session:" + domain::Sha256Hex(sid); }

asio::awaitable<Result<std::string>> SessionStore::Create(Session session) {
    std::string sid = domain::RandomToken();
    // Value "userId\temail": tiny and parsed without a JSON library.
    std::vector<std::string> cmd{"SET", Key(sid),
                                 std::to_string(session.user_id) + "\t" + session.email, "EX",
                                 std::to_string(kSessionTtl.count())};
    auto r = co_await redis_.Command(std::move(cmd));
    if (!r.ok()) co_return domain::RedisFailure(r.error());
    if (r->IsError()) co_return domain::RedisReplyFailure(r.value());
    co_return sid;
}

asio::awaitable<Result<std::optional<Session>>> SessionStore::Find(std::string sid) {
    if (!IsWellFormedSessionId(sid)) co_return std::optional<Session>{};
    std::vector<std::string> cmd{"GET", Key(sid)};
    auto r = co_await redis_.Command(std::move(cmd));
    if (!r.ok()) co_return domain::RedisFailure(r.error());
    if (r->IsError()) co_return domain::RedisReplyFailure(r.value());
    if (r->IsNil()) co_return std::optional<Session>{};
    const std::string& value = r->str;
    const auto tab = value.find('\t');
    Session s;
    if (tab == std::string::npos ||
        std::from_chars(value.data(), value.data() + tab, s.user_id).ec != std::errc()) {
        co_return std::optional<Session>{};  // a value we did not write: treat as no session
    }
    s.email = value.substr(tab + 1);
    std::optional<Session> found = std::move(s);
    co_return found;
}

asio::awaitable<Status> SessionStore::Delete(std::string sid) {
    if (!IsWellFormedSessionId(sid)) co_return Ok{};
    std::vector<std::string> cmd{"DEL", Key(sid)};
    auto r = co_await redis_.Command(std::move(cmd));
    if (!r.ok()) co_return domain::RedisFailure(r.error());
    co_return Ok{};
}

}  // namespace hhplus::auth
