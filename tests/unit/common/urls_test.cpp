#include "common/urls.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace hhplus {
namespace {

using Case = std::pair<const char*, UrlError>;

// Every refusal names its reason.
template <class Parse>
void ExpectErrors(Parse parse, const std::vector<Case>& cases) {
    for (const auto& [url, reason] : cases) {
        UrlError error = UrlError::kSyntax;
        EXPECT_FALSE(parse(url, &error)) << url;
        EXPECT_EQ(error, reason) << url << ": " << UrlErrorText(error);
    }
}

TEST(ParseUrl, SplitsEveryPart) {
    const auto u = ParseUrl("HTTP://us%65r:p%40ss@Example.COM:8080/a/b%20c/?x=1&y");
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->scheme, "http");
    EXPECT_TRUE(u->has_user_info);
    EXPECT_EQ(u->user, "user");
    EXPECT_EQ(u->password, "p@ss");
    EXPECT_EQ(u->host, "example.com");
    EXPECT_FALSE(u->ipv6);
    EXPECT_EQ(u->port, 8080);
    EXPECT_EQ(u->path, "/a/b%20c/");  // as written: decoding is the caller's
    EXPECT_EQ(u->query, "x=1&y");
}

TEST(ParseUrl, MinimalAndIpv6) {
    auto u = ParseUrl("redis://10.0.0.7");
    ASSERT_TRUE(u.has_value());
    EXPECT_FALSE(u->has_user_info);
    EXPECT_EQ(u->host, "10.0.0.7");
    EXPECT_FALSE(u->port.has_value());
    EXPECT_EQ(u->path, "");
    EXPECT_FALSE(u->query.has_value());
    u = ParseUrl("x://[FE80::1]:1/");
    ASSERT_TRUE(u.has_value());
    EXPECT_TRUE(u->ipv6);
    EXPECT_EQ(u->host, "fe80::1");
    EXPECT_EQ(u->path, "/");
}

TEST(ParseUrl, NamesEachError) {
    ExpectErrors(
        [](const char* url, UrlError* e) { return ParseUrl(url, e).has_value(); },
        {
            {"http://h/a b", UrlError::kSyntax},
            {"http://[::1", UrlError::kSyntax},
            {"http://h:-1", UrlError::kSyntax},
            {"", UrlError::kScheme},
            {"127.0.0.1:80", UrlError::kSyntax},    // a relative path may not start "x:"
                                                    // {"mailto:a@b.co", UrlError::kScheme},
            {"http://u:%zz@h", UrlError::kSyntax},  // uriparser checks %-escapes itself
            {"localhost:3000",
             UrlError::kScheme},  // scheme "localhost", no host {"http://", UrlError::kHost},
            {"http://:80", UrlError::kHost},
            {"http://-lead", UrlError::kHost},
            {"http://a..b", UrlError::kHost},
            {"http://bad%20host", UrlError::kHost},
            {"http://1.2.3", UrlError::kHost},
            {"http://256.0.0.1", UrlError::kHost},
            {"http://[v1.x]", UrlError::kHost},
            {"http://h:", UrlError::kPort},
            {"http://h:0", UrlError::kPort},
            {"http://h:65536", UrlError::kPort},
            {"http://h/#top", UrlError::kFragment},
        });
}

TEST(ParseRedisUrl, CredentialsOnlyWhenAsked) {
    RedisCredentials credentials;
    auto e = ParseRedisUrl("redis://:s%3Acret@127.0.0.1:3100/2", nullptr, &credentials);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->host, "127.0.0.1");
    EXPECT_EQ(e->port, 3100);
    EXPECT_EQ(e->db, 2);
    EXPECT_EQ(credentials.user, "");
    EXPECT_EQ(credentials.password, "s:cret");
    e = ParseRedisUrl("redis://loadgen:pw@redis-lock", nullptr, &credentials);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(credentials.user, "loadgen");
    EXPECT_EQ(credentials.password, "pw");
    e = ParseRedisUrl("redis://localhost", nullptr, &credentials);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->host, "127.0.0.1");
    EXPECT_EQ(credentials.password, "");  // cleared
    // The service's client has no AUTH: without a place for credentials they are refused.
    UrlError error = UrlError::kSyntax;
    EXPECT_FALSE(ParseRedisUrl("redis://:pw@127.0.0.1", &error).has_value());
    EXPECT_EQ(error, UrlError::kUserInfo);
}

TEST(ParseRedisUrl, NamesEachError) {
    ExpectErrors(
        [](const char* url, UrlError* e) {
            RedisCredentials credentials;
            return ParseRedisUrl(url, e, &credentials).has_value();
        },
        {
            {"redis://127.0.0.1:+1", UrlError::kSyntax},
            {"rediss://127.0.0.1", UrlError::kScheme},
            {"http://127.0.0.1", UrlError::kScheme},
            {"redis://:%4@127.0.0.1", UrlError::kSyntax},
            {"redis://bad_host!", UrlError::kHost},
            {"redis://127.0.0.1:", UrlError::kPort},
            {"redis://127.0.0.1/x", UrlError::kPath},
            {"redis://127.0.0.1/123456", UrlError::kPath},
            {"redis://127.0.0.1/1/2", UrlError::kPath},
            {"redis://127.0.0.1?db=1", UrlError::kQuery},
            {"redis://127.0.0.1/0#x", UrlError::kFragment},
        });
}

TEST(ParseDatabaseUrl, NamesEachError) {
    ExpectErrors([](const char* url, UrlError* e) { return ParseDatabaseUrl(url, e).has_value(); },
                 {
                     {"mysql://u:p@bad host/db", UrlError::kSyntax},
                     {"postgres://u:p@h/db", UrlError::kScheme},
                     {"mysql://u:p%zz@h/db", UrlError::kSyntax},
                     {"mysql://u:p@/db", UrlError::kHost},
                     {"mysql://u:p@h:99999/db", UrlError::kPort},
                     {"mysql://u:p@h/db/extra", UrlError::kPath},
                     {"mysql://u:p@h/d%zz", UrlError::kSyntax},
                     {"mysql://u:p@h/db?ssl=true", UrlError::kQuery},
                     {"mysql://u:p@h/db#frag", UrlError::kFragment},
                 });
}

TEST(ParseDatabaseUrl, EveryUnencodedAtSignButTheLastBelongsToThePassword) {
    const auto url = ParseDatabaseUrl("mysql://user:p@s@s@db-host/d");
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->user, "user");
    EXPECT_EQ(url->password, "p@s@s");
    EXPECT_EQ(url->host, "db-host");
    EXPECT_EQ(url->database, "d");
}

TEST(ParseHttpUrl, NamesEachError) {
    ExpectErrors([](const char* url, UrlError* e) { return ParseHttpUrl(url, e).has_value(); },
                 {
                     {"http://h/a b", UrlError::kSyntax},
                     {"https://h/", UrlError::kScheme},
                     {"http://user:pw@h/", UrlError::kUserInfo},
                     {"http://h!/", UrlError::kHost},
                     {"http://h:x/", UrlError::kSyntax},
                     {"http://h:0/", UrlError::kPort},
                     {"http://h?x", UrlError::kQuery},
                     {"http://h/a#frag", UrlError::kFragment},
                 });
    // kMaxTargetLength = 2048
    UrlError error = UrlError::kSyntax;
    EXPECT_TRUE(ParseHttpUrl("http://h/" + std::string(2047, 'a')).has_value());
    EXPECT_FALSE(ParseHttpUrl("http://h/" + std::string(2048, 'a'), &error).has_value());
    EXPECT_EQ(error, UrlError::kPath);
}

TEST(UrlErrorText, NamesEveryError) {
    for (const UrlError e :
         {UrlError::kSyntax, UrlError::kScheme, UrlError::kUserInfo, UrlError::kHost,
          UrlError::kPort, UrlError::kPath, UrlError::kQuery, UrlError::kFragment}) {
        EXPECT_NE(UrlErrorText(e), "invalid URL");
    }
}

}  // namespace
}  // namespace hhplus
