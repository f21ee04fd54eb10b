#pragma once
// SessionStore: sessions in the session Redis, under the SHA-256 of the id (a dump of Redis does
// not reveal usable ids), with a 12 h TTL. Every call suspends for one Redis round trip.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "redis/client.hpp"

namespace hhplus::auth {

struct Session {
    std::int64_t user_id = 0;
    std::string email;
};

class SessionStore {
  public:
    explicit SessionStore(redis::Client& redis) : redis_(redis) {}

    // Opens a session and returns its new random id (what goes into the cookie).
    boost::asio::awaitable<Result<std::string>> Create(Session session);
    // nullopt for an unknown, expired or malformed id; S002 when Redis is down.
    boost::asio::awaitable<Result<std::optional<Session>>> Find(std::string sid);
    boost::asio::awaitable<Status> Delete(std::string sid);

  private:
    static std::string Key(std::string_view sid);
    redis::Client& redis_;
};

}  // namespace hhplus::auth
