#include "common/config.hpp"

#include <gtest/gtest.h>

#include <map>

namespace hhplus {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
    return [vars](const char* name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

TEST(Config, DefaultsMatchTheDocumentedTable) {
    auto r = LoadConfig(Env({}));
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->port, 3000);
    EXPECT_EQ(r.config->db_pool_size, 8);
    EXPECT_EQ(r.config->coupon_strategy, CouponStrategy::kPubSub);
    EXPECT_EQ(r.config->lock_ttl_ms, 3000);
    EXPECT_EQ(r.config->hash_queue_limit, 1024);
    EXPECT_FALSE(r.config->admin_token.has_value());
    EXPECT_EQ(r.config->redis_locks.size(), 1u);
    EXPECT_EQ(r.config->redis_session.port, 3100);
    EXPECT_EQ(r.config->database.port, 3110);
}

TEST(Config, WrongValueNamesTheVariable) {
    struct Case {
        const char* name;
        const char* value;
    };
    for (auto c :
         {Case{"PORT", "0"}, Case{"PORT", "abc"}, Case{"DB_POOL_SIZE", "-1"},
          Case{"REDIS_LOCK_URLS", "redis://a:1,redis://b:2"}, Case{"REDIS_SESSION_URL", "http://x"},
          Case{"COUPON_STRATEGY", "magic"}, Case{"LOG_LEVEL", "loud"}, Case{"ADMIN_TOKEN", ""},
          Case{"DATABASE_URL", "postgres://x"}, Case{"HASH_WAIT_MS", "1.5"},
          // Unparseable URLs stop the server at start (they used to pass a prefix check
          // and leave the client with an empty endpoint that never connected).
          Case{"REDIS_SESSION_URL", "redis://"}, Case{"REDIS_CACHE_URL", "redis://h:0"},
          Case{"REDIS_CACHE_URL", "redis://user@h:6379"},
          Case{"REDIS_SESSION_URL", "redis://bad host:6379"},
          Case{"REDIS_LOCK_URLS", "redis://a:1,redis://b:x,redis://c:3"},
          Case{"DATABASE_URL", "mysql://u:p@h:99999/db"},
          Case{"DATABASE_URL", "mysql://127.0.0.1:3306/db"}}) {
        auto r = LoadConfig(Env({{c.name, c.value}}));
        EXPECT_FALSE(r.config) << c.name << "=" << c.value;
        EXPECT_NE(r.error.find(c.name), std::string::npos) << r.error;
    }
}

TEST(Config, ParsesOverrides) {
    auto r = LoadConfig(
        Env({{"PORT", "3005"},
             {"INSTANCE_NAME", "hhplus-e-commerce-app-5"},
             {"REDIS_LOCK_URLS", "redis://127.0.0.1:1,redis://127.0.0.1:2,redis://127.0.0.1:3"},
             {"ADMIN_TOKEN", "t"},
             {"LOG_LEVEL", "debug"}}));
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->port, 3005);
    EXPECT_EQ(r.config->instance_name, "hhplus-e-commerce-app-5");
    EXPECT_EQ(r.config->redis_locks.size(), 3u);
    EXPECT_EQ(r.config->redis_locks[2].port, 3);
    EXPECT_EQ(*r.config->admin_token, "t");
    EXPECT_EQ(r.config->log_level, log::Level::kDebug);
}

TEST(Config, AcceptsHostNamesInEveryUrl) {
    // Compose and Kubernetes give service names, not addresses.
    auto r = LoadConfig(
        Env({{"REDIS_SESSION_URL", "redis://redis-session:6379"},
             {"REDIS_CACHE_URL", "redis://Redis-Cache.svc.cluster.local/2"},
             {"REDIS_LOCK_URLS", "redis://lock-1:6379,redis://lock-2,redis://10.0.0.3:7000"},
             {"DATABASE_URL", "mysql://hhplus:pw@mysql:3306/hhplus"}}));
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->redis_session.host, "redis-session");
    EXPECT_EQ(r.config->redis_session.port, 6379);
    EXPECT_EQ(r.config->redis_cache.host, "redis-cache.svc.cluster.local");
    EXPECT_EQ(r.config->redis_cache.db, 2);
    ASSERT_EQ(r.config->redis_locks.size(), 3u);
    EXPECT_EQ(r.config->redis_locks[1].host, "lock-2");
    EXPECT_EQ(r.config->redis_locks[1].port, 6379);
    EXPECT_EQ(r.config->redis_locks[2].host, "10.0.0.3");
    EXPECT_EQ(r.config->database.host, "mysql");
}

TEST(Config, HelpListsEveryVariable) {
    const auto help = HelpText();
    for (const auto& v : ConfigVariables())
        EXPECT_NE(help.find(v.name), std::string::npos) << v.name;
}

}  // namespace
}  // namespace hhplus
