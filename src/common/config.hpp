#pragma once
// Service configuration, read from the environment (the same names in ./stage, in Compose and in
// docs/configuration.md). A wrong value stops the server at start with a message naming the
// variable: LoadConfig returns that message instead of a Config.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/urls.hpp"

namespace hhplus {

enum class CouponStrategy { kPubSub, kPolling, kNone };

struct Config {
    std::uint16_t port = 3000;
    std::string bind_address = "127.0.0.1";
    std::string instance_name;  // default "<host>:<port>"
    // URLs are kept parsed (common/urls.hpp): what LoadConfig accepted is what the clients use.
    DatabaseUrl database{"hhplus", "hhplus", "127.0.0.1", 3110, "hhplus"};
    int db_pool_size = 8;
    RedisUrl redis_session{"127.0.0.1", 3100, 0};
    // REDIS_EVENTS_URL: the paid-order stream, its consumer groups and the ranking. Defaults to
    // the session Redis, the durable one (AOF) in the stage (docs/events.md).
    RedisUrl redis_events{"127.0.0.1", 3100, 0};
    RedisUrl redis_cache{"127.0.0.1", 3101, 0};
    std::vector<RedisUrl> redis_locks = {RedisUrl{"127.0.0.1", 3102, 0}};
    CouponStrategy coupon_strategy = CouponStrategy::kPubSub;
    int lock_ttl_ms = 3000;
    int lock_wait_ms = 2000;
    int lock_retry_ms = 50;
    std::optional<std::string> admin_token;  // unset: admin routes answer 404
    std::int64_t seed_coupon_quantity = 100;
    std::int64_t order_ttl_ms = 600'000;  // api.md: an order holds its stock 10 min
    int order_sweep_ms = 1000;
    std::optional<HttpUrl> data_platform_url;  // unset: the data-platform consumer does not run
    int outbox_relay_ms = 1000;
    int argon2_memory_kib = 19456;
    int argon2_iterations = 2;
    int hash_queue_limit = 1024;
    int hash_wait_ms = 5000;
    log::Level log_level = log::Level::kInfo;
    bool cookie_secure = false;
};

// One documented variable: name, default shown by --help, meaning.
struct ConfigVariable {
    const char* name;
    const char* default_text;
    const char* meaning;
};
const std::vector<ConfigVariable>& ConfigVariables();

// Reads every variable through `getenv` (injected for tests). On error returns the message, e.g.
// "DB_POOL_SIZE: expected an integer 1..256, got 'abc'".
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
struct ConfigOrError {
    std::optional<Config> config;
    std::string error;
};
ConfigOrError LoadConfig(const EnvLookup& getenv);
EnvLookup ProcessEnvironment();

std::string HelpText();
const char* StrategyName(CouponStrategy s);

}  // namespace hhplus
