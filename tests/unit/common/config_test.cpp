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
    EXPECT_EQ(r.config->redis_lock_urls.size(), 1u);
}

TEST(Config, WrongValueNamesTheVariable) {
    struct Case {
        const char* name;
        const char* value;
    };
    for (auto c : {Case{"PORT", "0"}, Case{"PORT", "abc"}, Case{"DB_POOL_SIZE", "-1"},
                   Case{"REDIS_LOCK_URLS", "redis://a:1,redis://b:2"},
                   Case{"REDIS_SESSION_URL", "http://x"}, Case{"COUPON_STRATEGY", "magic"},
                   Case{"LOG_LEVEL", "loud"}, Case{"ADMIN_TOKEN", ""},
                   Case{"DATABASE_URL", "postgres://x"}, Case{"HASH_WAIT_MS", "1.5"}}) {
        auto r = LoadConfig(Env({{c.name, c.value}}));
        EXPECT_FALSE(r.config) << c.name << "=" << c.value;
        EXPECT_NE(r.error.find(c.name), std::string::npos) << r.error;
    }
}

TEST(Config, ParsesOverrides) {
    auto r = LoadConfig(Env({{"PORT", "3005"},
                             {"INSTANCE_NAME", "hhplus-e-commerce-app-5"},
                             {"REDIS_LOCK_URLS", "redis://127.0.0.1:1,redis://127.0.0.1:2,redis://127.0.0.1:3"},
                             {"ADMIN_TOKEN", "t"},
                             {"LOG_LEVEL", "debug"}}));
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->port, 3005);
    EXPECT_EQ(r.config->instance_name, "hhplus-e-commerce-app-5");
    EXPECT_EQ(r.config->redis_lock_urls.size(), 3u);
    EXPECT_EQ(*r.config->admin_token, "t");
    EXPECT_EQ(r.config->log_level, log::Level::kDebug);
}

TEST(Config, HelpListsEveryVariable) {
    const auto help = HelpText();
    for (const auto& v : ConfigVariables()) EXPECT_NE(help.find(v.name), std::string::npos) << v.name;
}

}  // namespace
}  // namespace hhplus
