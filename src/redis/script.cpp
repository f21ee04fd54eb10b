#include "redis/script.hpp"

#include "common/digest.hpp"

namespace hhplus::redis {

Script::Script(std::string_view body) : body_(body), sha1_(Sha1Hex(body)) {}

bool IsNoScript(const Reply& reply) {
    return reply.IsError() && std::string_view(reply.str).substr(0, 8) == "NOSCRIPT";
}

boost::asio::awaitable<RedisResult<Reply>> Script::Run(Client& client,
                                                       std::vector<std::string> keys,
                                                       std::vector<std::string> args) const {
    std::vector<std::string> command;
    command.reserve(3 + keys.size() + args.size());
    command.emplace_back("EVALSHA");
    command.push_back(sha1_);
    command.push_back(std::to_string(keys.size()));
    command.insert(command.end(), keys.begin(), keys.end());
    command.insert(command.end(), args.begin(), args.end());
    auto reply = co_await client.Command(command);
    if (!reply.ok() || !IsNoScript(*reply)) co_return reply;
    // EVAL runs the body and caches it again under the same SHA-1.
    command[0] = "EVAL";
    command[1] = std::string(body_);
    co_return co_await client.Command(std::move(command));
}

}  // namespace hhplus::redis
