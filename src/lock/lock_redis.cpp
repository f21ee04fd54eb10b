#include "lock/lock_redis.hpp"

namespace hhplus::lock {
namespace {

class RedisLockClient final : public LockClient {
  public:
    RedisLockClient(const boost::asio::any_io_executor& ex, const redis::Endpoint& endpoint,
                    const redis::ClientOptions& options)
        : client_(ex, endpoint, options) {}
    void Start() override { client_.Start(); }
    void Stop() override { client_.Stop(); }
    bool Connected() const override { return client_.Connected(); }
    boost::asio::awaitable<redis::RedisResult<redis::Reply>> Command(
        std::vector<std::string> args) override {
        return client_.Command(std::move(args));
    }
    boost::asio::awaitable<redis::RedisResult<redis::Reply>> RunScript(
        const redis::Script& script, std::vector<std::string> keys,
        std::vector<std::string> args) override {
        return script.Run(client_, std::move(keys), std::move(args));
    }

  private:
    redis::Client client_;
};

class RedisLockSubscriber final : public LockSubscriber {
  public:
    RedisLockSubscriber(const boost::asio::any_io_executor& ex, const redis::Endpoint& endpoint,
                        const redis::ClientOptions& options)
        : subscriber_(ex, endpoint, options) {}
    void SetMessageHandler(MessageHandler handler) override {
        subscriber_.SetMessageHandler(std::move(handler));
    }
    void SetReconnectHandler(std::function<void()> handler) override {
        subscriber_.SetReconnectHandler(std::move(handler));
    }
    void Start() override { subscriber_.Start(); }
    void Stop() override { subscriber_.Stop(); }
    bool Connected() const override { return subscriber_.Connected(); }
    boost::asio::awaitable<redis::RedisResult<Ok>> Subscribe(std::string channel) override {
        return subscriber_.Subscribe(std::move(channel));
    }
    void Unsubscribe(std::string channel) override { subscriber_.Unsubscribe(channel); }

  private:
    redis::Subscriber subscriber_;
};

}  // namespace

std::vector<LockMaster> MakeRedisMasters(const boost::asio::any_io_executor& ex,
                                         const std::vector<redis::Endpoint>& endpoints,
                                         const redis::ClientOptions& options,
                                         bool with_subscribers) {
    std::vector<LockMaster> masters;
    masters.reserve(endpoints.size());
    for (const auto& endpoint : endpoints) {
        LockMaster master;
        master.name = redis::ToString(endpoint);
        master.client = std::make_unique<RedisLockClient>(ex, endpoint, options);
        if (with_subscribers) {
            master.subscriber = std::make_unique<RedisLockSubscriber>(ex, endpoint, options);
        }
        masters.push_back(std::move(master));
    }
    return masters;
}

}  // namespace hhplus::lock
