#pragma once
// A Lua script run with EVALSHA, resent with EVAL only when the server answers NOSCRIPT (it was
// restarted, or SCRIPT FLUSH ran): one round trip and a 40-byte name per call instead of the
// whole body. Every other error reply (OOM, READONLY, a script error …) is returned as it is:
// re-running the body could not make it succeed, and it could double the load on a struggling
// server. The SHA-1 is computed once, locally, so the very first call is already an EVALSHA.
// The one way the project runs scripts: the lock (src/lock) and the coupon cache use it.
#include <string>
#include <string_view>
#include <vector>

#include "redis/client.hpp"

namespace hhplus::redis {

class Script {
  public:
    // `body` must outlive the Script (the scripts are string constants).
    explicit Script(std::string_view body);

    // EVALSHA sha1 #keys keys… args… on `client`; EVAL with the body after a NOSCRIPT reply.
    // The reply is the script's (an error reply is a value, as for Client::Command).
    boost::asio::awaitable<RedisResult<Reply>> Run(Client& client, std::vector<std::string> keys,
                                                   std::vector<std::string> args) const;

    std::string_view body() const { return body_; }
    const std::string& sha1() const { return sha1_; }

  private:
    std::string_view body_;
    std::string sha1_;
};

// True for the reply a server gives to EVALSHA of a script it does not know.
bool IsNoScript(const Reply& reply);

}  // namespace hhplus::redis
