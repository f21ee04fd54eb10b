#include "common/config.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdlib>

namespace hhplus {
namespace {

bool ParseInt(const std::string& text, std::int64_t min, std::int64_t max, std::int64_t& out) {
    std::int64_t v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || ptr != end || text.empty()) return false;
    if (v < min || v > max) return false;
    out = v;
    return true;
}

std::vector<std::string> SplitComma(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const auto end = comma == std::string::npos ? text.size() : comma;
        out.push_back(text.substr(start, end - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace

const std::vector<ConfigVariable>& ConfigVariables() {
    static const std::vector<ConfigVariable> kVars = {
        {"PORT", "3000", "listen port"},
        {"BIND_ADDRESS", "127.0.0.1", "listen address (0.0.0.0 in containers)"},
        {"INSTANCE_NAME", "<host>:<port>", "name returned in X-Instance, used in logs and metrics"},
        {"DATABASE_URL", "mysql://hhplus:hhplus@127.0.0.1:3110/hhplus", "MariaDB / MySQL"},
        {"DB_POOL_SIZE", "8", "database connections per instance (1..256)"},
        {"REDIS_SESSION_URL", "redis://127.0.0.1:3100", "sessions"},
        {"REDIS_EVENTS_URL", "(the value of REDIS_SESSION_URL)",
         "paid-order stream, consumer groups, best-seller ranking (wants AOF)"},
        {"REDIS_CACHE_URL", "redis://127.0.0.1:3101",
         "cache, sold-out flags, login-failure counters"},
        {"REDIS_LOCK_URLS", "redis://127.0.0.1:3102",
         "comma-separated independent lock masters (1 or an odd number)"},
        {"COUPON_STRATEGY", "pubsub",
         "coupon issue strategy: pubsub (lock, Pub/Sub hand-off), polling (lock, SET NX retries) "
         "or none (database only)"},
        {"LOCK_TTL_MS", "3000", "lock lease (100..60000)"},
        {"LOCK_WAIT_MS", "2000", "issue wait budget: queue + lock (1..60000)"},
        {"LOCK_RETRY_MS", "50", "polling interval of the polling strategy (1..10000)"},
        {"ADMIN_TOKEN", "(unset: admin routes answer 404)", "bearer token for /api/admin/*"},
        {"SEED_COUPON_QUANTITY", "100", "quantity of coupon 1 created on an empty database"},
        {"ORDER_TTL_MS", "600000", "how long an unpaid order holds its stock (1000..86400000)"},
        {"ORDER_SWEEP_MS", "1000", "interval of the expired-order sweep (50..60000)"},
        {"OUTBOX_RELAY_MS", "1000",
         "idle outbox relay look-up period; payments wake it (10..60000)"},
        {"DATA_PLATFORM_URL", "(unset: off)",
         "http://host[:port][/path] each paid order is POSTed to"},
        {"ARGON2_MEMORY_KIB", "19456", "argon2id memory cost (8..4194304 KiB)"},
        {"ARGON2_ITERATIONS", "2", "argon2id time cost (1..16)"},
        {"HASH_QUEUE_LIMIT", "1024", "signups/logins waiting for a hashing thread (1..100000)"},
        {"HASH_WAIT_MS", "5000", "longest wait for a hashing thread (1..60000)"},
        {"LOG_LEVEL", "info", "debug, info, warn or error"},
        {"COOKIE_SECURE", "0", "1 adds Secure to the session cookie"},
    };
    return kVars;
}

const char* StrategyName(CouponStrategy s) {
    switch (s) {
        case CouponStrategy::kPubSub:
            return "pubsub";
        case CouponStrategy::kPolling:
            return "polling";
        case CouponStrategy::kNone:
            return "none";
    }
    return "none";
}

EnvLookup ProcessEnvironment() {
    return [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (v == nullptr) return std::nullopt;
        return std::string(v);
    };
}

ConfigOrError LoadConfig(const EnvLookup& getenv) {
    Config c;
    std::string error;
    auto fail = [&](const char* name, const std::string& expected, const std::string& got) {
        if (error.empty())
            error = std::string(name) + ": expected " + expected + ", got '" + got + "'";
    };
    auto integer = [&](const char* name, std::int64_t min, std::int64_t max, auto& field) {
        auto v = getenv(name);
        if (!v) return;
        std::int64_t parsed;
        if (!ParseInt(*v, min, max, parsed)) {
            fail(name, "an integer " + std::to_string(min) + ".." + std::to_string(max), *v);
            return;
        }
        field = static_cast<std::remove_reference_t<decltype(field)>>(parsed);
    };

    integer("PORT", 1, 65535, c.port);
    if (auto v = getenv("BIND_ADDRESS")) {
        if (v->empty()) fail("BIND_ADDRESS", "an IP address", *v);
        c.bind_address = *v;
    }
    if (auto v = getenv("DATABASE_URL")) {
        auto parsed = ParseDatabaseUrl(*v);
        if (!parsed || parsed->user.empty()) {
            fail("DATABASE_URL", "mysql://user:password@host[:port]/database", *v);
        } else {
            c.database = std::move(*parsed);
        }
    }
    integer("DB_POOL_SIZE", 1, 256, c.db_pool_size);
    // A host may be an IP literal or a name (resolved before each connect, off the event loop).
    auto redis_url = [&](const char* name, RedisUrl& field) {
        auto v = getenv(name);
        if (!v) return;
        auto parsed = ParseRedisUrl(*v);
        if (!parsed) {
            fail(name, "redis://host[:port][/db]", *v);
        } else {
            field = std::move(*parsed);
        }
    };
    redis_url("REDIS_SESSION_URL", c.redis_session);
    c.redis_events = c.redis_session;
    redis_url("REDIS_EVENTS_URL", c.redis_events);
    redis_url("REDIS_CACHE_URL", c.redis_cache);
    if (auto v = getenv("REDIS_LOCK_URLS")) {
        std::vector<RedisUrl> masters;
        bool good = true;
        for (const auto& u : SplitComma(*v)) {
            auto parsed = ParseRedisUrl(u);
            good = good && parsed.has_value();
            if (parsed) masters.push_back(std::move(*parsed));
        }
        if (!good || masters.size() % 2 == 0) {
            fail("REDIS_LOCK_URLS",
                 "1 or an odd number of comma-separated redis://host[:port][/db]", *v);
        } else {
            c.redis_locks = std::move(masters);
        }
    }
    if (auto v = getenv("COUPON_STRATEGY")) {
        if (*v == "none") {
            c.coupon_strategy = CouponStrategy::kNone;
        } else if (*v == "pubsub") {
            c.coupon_strategy = CouponStrategy::kPubSub;
        } else if (*v == "polling") {
            c.coupon_strategy = CouponStrategy::kPolling;
        } else {
            fail("COUPON_STRATEGY", "pubsub, polling or none", *v);
        }
    }
    integer("LOCK_TTL_MS", 100, 60000, c.lock_ttl_ms);
    integer("LOCK_WAIT_MS", 1, 60000, c.lock_wait_ms);
    integer("LOCK_RETRY_MS", 1, 10000, c.lock_retry_ms);
    if (auto v = getenv("ADMIN_TOKEN")) {
        if (v->empty()) {
            fail("ADMIN_TOKEN", "a non-empty token (unset the variable to disable admin routes)",
                 *v);
        }
        c.admin_token = *v;
    }
    integer("SEED_COUPON_QUANTITY", 1, 10'000'000, c.seed_coupon_quantity);
    integer("ORDER_TTL_MS", 1000, 86'400'000, c.order_ttl_ms);
    integer("ORDER_SWEEP_MS", 50, 60000, c.order_sweep_ms);
    integer("OUTBOX_RELAY_MS", 10, 60000, c.outbox_relay_ms);
    if (auto v = getenv("DATA_PLATFORM_URL")) {
        auto parsed = ParseHttpUrl(*v);
        if (!parsed) {
            fail("DATA_PLATFORM_URL", "http://host[:port][/path]", *v);
        } else {
            c.data_platform_url = std::move(*parsed);
        }
    }
    integer("ARGON2_MEMORY_KIB", 8, 4'194'304, c.argon2_memory_kib);
    integer("ARGON2_ITERATIONS", 1, 16, c.argon2_iterations);
    integer("HASH_QUEUE_LIMIT", 1, 100'000, c.hash_queue_limit);
    integer("HASH_WAIT_MS", 1, 60'000, c.hash_wait_ms);
    if (auto v = getenv("LOG_LEVEL")) {
        if (!log::ParseLevel(*v, c.log_level)) fail("LOG_LEVEL", "debug, info, warn or error", *v);
    }
    if (auto v = getenv("COOKIE_SECURE")) {
        if (*v != "0" && *v != "1") fail("COOKIE_SECURE", "0 or 1", *v);
        c.cookie_secure = *v == "1";
    }
    if (auto v = getenv("INSTANCE_NAME")) {
        if (v->empty() || v->size() > 64) fail("INSTANCE_NAME", "1..64 characters", *v);
        c.instance_name = *v;
    } else {
        char host[256] = {};
        ::gethostname(host, sizeof host - 1);
        c.instance_name = std::string(host) + ":" + std::to_string(c.port);
    }
    if (!error.empty()) return {std::nullopt, error};
    return {c, {}};
}

std::string HelpText() {
    std::string out =
        "hhplus-server: e-commerce API (signup/login, balance, first-come coupons)\n\n"
        "Usage: hhplus-server [--help]\n\n"
        "Configuration comes from environment variables:\n";
    for (const auto& v : ConfigVariables()) {
        std::string line = "  " + std::string(v.name);
        line.resize(24, ' ');
        out += line + v.meaning + "\n" + std::string(24, ' ') + "default: " + v.default_text + "\n";
    }
    out += "\nSignals: SIGTERM/SIGINT drain in-flight requests (at most 10 s) and exit.\n";
    return out;
}

}  // namespace hhplus
